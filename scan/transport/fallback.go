package transport

import (
	"context"
	"errors"
	"fmt"
	"strings"
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

// ErrRegistryUnavailable may be wrapped by a transport whose host answers
// but cannot serve the registry (SMB: the winreg pipe is missing or the
// Remote Registry service is stopped), so the auto transport falls back.
var ErrRegistryUnavailable = errors.New("remote registry unavailable")

// ShouldFallBack reports whether a primary (SMB) Open failure means the
// host may still be reachable another way: the port did not answer
// (Unreachable while connecting), or the host answered but has no remote
// registry. Wrong credentials never fall back: the other transport would
// only add a second failed logon (and bring lockout nearer); nor does an
// access-denied session, for the same account would be denied again.
func ShouldFallBack(err error) bool {
	if errors.Is(err, ErrRegistryUnavailable) {
		return true
	}
	var te *Error
	if !errors.As(err, &te) {
		return false
	}
	switch {
	case te.Kind == Unreachable && te.Op == "connect":
		return true
	case te.Kind == Failed && strings.Contains(strings.ToLower(te.Op), "winreg"):
		// The SMB transport's steps that open and bind the winreg pipe
		// ("open \PIPE\winreg", "bind winreg"), until it wraps
		// ErrRegistryUnavailable itself.
		return true
	}
	return false
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
			Kind: KindOf(ferr), Host: host, Op: "open (auto: " + a.primary.Name() + ", then " + a.fallback.Name() + ")",
			Err: fmt.Errorf("%s: %v; %s: %w", a.primary.Name(), err, a.fallback.Name(), ferr),
		}
	}
	return named{s, SessionTransport(s, a.fallback.Name())}, nil
}

// named gives a session its transport's name.
type named struct {
	Session
	name string
}

func (n named) TransportName() string { return n.name }
