package transport

import (
	"context"
	"errors"
	"fmt"
)

// Named is implemented by sessions that know which transport they run
// over. Sessions from NewAuto always implement it, so the run can record
// the transport actually used in HostResult.Transport.
type Named interface {
	TransportName() string
}

// SessionTransport names the transport behind a session: its own
// TransportName when it has one, otherwise def (the opener's Name()).
func SessionTransport(s Session, def string) string {
	if n, ok := s.(Named); ok {
		return n.TransportName()
	}
	return def
}

// ErrRegistryUnavailable is wrapped by a transport whose host answers but
// cannot serve the registry (SMB: the winreg pipe is missing or the Remote
// Registry service is stopped), so the auto transport falls back.
var ErrRegistryUnavailable = errors.New("remote registry unavailable")

// ErrNoConnection is wrapped by a transport whose port did not accept a
// connection at all (refused, filtered, no route), as opposed to a session
// that broke later, so the auto transport falls back.
var ErrNoConnection = errors.New("no connection to the transport's port")

// Tag returns err marked with tag: errors.Is(result, tag) holds, and the
// text is err's own. Transports tag their errors with the sentinels above.
func Tag(err, tag error) error {
	if err == nil {
		return nil
	}
	return tagged{err, tag}
}

type tagged struct{ err, tag error }

func (t tagged) Error() string   { return t.err.Error() }
func (t tagged) Unwrap() []error { return []error{t.err, t.tag} }

// ShouldFallBack reports whether a primary (SMB) Open failure means the
// host may still be reachable another way: the port did not answer
// (ErrNoConnection), or the host answered but has no remote registry
// (ErrRegistryUnavailable). Wrong credentials never fall back: the other
// transport would only add a second failed logon (and bring lockout
// nearer); nor does an access-denied session, for the same account would
// be denied again.
func ShouldFallBack(err error) bool {
	return errors.Is(err, ErrNoConnection) || errors.Is(err, ErrRegistryUnavailable)
}

// NewAuto returns the "auto" transport: it opens with primary (SMB) and,
// when that fails in a way ShouldFallBack accepts, with fallback (WinRM).
// The decision is made at Open: the SMB transport binds the winreg pipe
// while opening, so a session that opened can serve the registry. Both
// attempts share the caller's context, i.e. the per-host deadline.
func NewAuto(primary, fallback Opener) Opener {
	return &auto{primary: primary, fallback: fallback}
}

type auto struct{ primary, fallback Opener }

func (a *auto) Name() string { return "auto" }

func (a *auto) Open(ctx context.Context, ep Endpoint, opts Options) (Session, error) {
	s, err := a.primary.Open(ctx, ep, opts)
	if err == nil {
		return named{s, SessionTransport(s, a.primary.Name())}, nil
	}
	if !ShouldFallBack(err) || ctx.Err() != nil {
		return nil, err
	}
	s, ferr := a.fallback.Open(ctx, ep, opts)
	if ferr != nil {
		// The fallback's failure decides the host's status; the message
		// keeps both (with their hints), since the operator may fix either.
		host := ep.Host
		if host == "" {
			host = ep.Addr
		}
		return nil, &Error{
			Outcome: fallbackOutcome(err, ferr), Host: host, Op: "open (auto: " + a.primary.Name() + ", then " + a.fallback.Name() + ")",
			// Both wrapped, so the hints of both stay reachable.
			Err: fmt.Errorf("%s: %w; %s: %w", a.primary.Name(), err, a.fallback.Name(), ferr),
		}
	}
	return named{s, SessionTransport(s, a.fallback.Name())}, nil
}

// fallbackOutcome is the status of a host both transports failed on:
// the fallback's, since it was tried last, except that a host that
// answered the primary is not "unreachable" because the fallback's port
// was closed or silent (issue 13.15): it is the primary's failure.
func fallbackOutcome(primary, fallback error) Outcome {
	o := OutcomeOf(fallback)
	if o == Unreachable && !errors.Is(primary, ErrNoConnection) {
		return OutcomeOf(primary)
	}
	return o
}

// named gives a session its transport's name.
type named struct {
	Session
	name string
}

func (n named) TransportName() string { return n.name }
