// Package transport is the contract between the scan run and the ways of
// reaching a host (SMB, WinRM): how to open a session, the credentials it
// uses, and the outcome of scanning a host (Outcome), which the transports'
// errors carry and the run records as the host's status.
package transport

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/patchscan/patchscan/facts"
)

// Credentials for a scan. String never reveals the secret parts.
type Credentials struct {
	Domain   string
	User     string
	Password string
	NTHash   []byte // 16 bytes, instead of Password, where the transport supports it
}

// String redacts secrets, so credentials can't leak through %v.
func (c Credentials) String() string {
	if c.Domain != "" {
		return c.Domain + `\` + c.User
	}
	return c.User
}

// GoString redacts secrets for %#v too.
func (c Credentials) GoString() string { return "transport.Credentials{" + c.String() + "}" }

// Endpoint is one host to open: the address to dial and the name it is
// known by (for SMB's server name and reports).
type Endpoint struct {
	Host string // name or IP as given (no port)
	Addr string // dialable host:port
}

// Options common to all transports.
type Options struct {
	Credentials Credentials
	// Timeout bounds connect and each exchange; the per-host deadline of
	// the run is carried by the context.
	Timeout time.Duration
	// Logon, when set, is asked before the credential is sent and told
	// how the logon ended (LogonGate); nil: no limit.
	Logon LogonGate
}

// Opener opens sessions to hosts. One Opener serves a whole run.
type Opener interface {
	Name() string // "smb", "winrm"
	Open(ctx context.Context, ep Endpoint, opts Options) (Session, error)
}

// Session is an open connection to one host, reused for every fact.
// Closing it releases everything on the host (pipes, shells, trees).
type Session interface {
	facts.Host
	Close() error
}

// Outcome is how scanning one host ended: Scanned, or the class of the
// failure that stopped it. It is the one enum for a host's status: a
// transport's *Error carries the Outcome it gives the host, the run records
// it in scan.HostResult.Status, and reports print its string.
type Outcome string

const (
	Scanned      Outcome = "scanned"
	Unreachable  Outcome = "unreachable"
	AuthFailed   Outcome = "auth-failed"
	AccessDenied Outcome = "access-denied"
	Failed       Outcome = "error"
)

// Valid reports whether o is one of Outcomes (documents read back from
// disk may carry anything).
func (o Outcome) Valid() bool {
	switch o {
	case Scanned, Unreachable, AuthFailed, AccessDenied, Failed:
		return true
	}
	return false
}

// Error is a host-level failure with an operator-facing hint.
type Error struct {
	Outcome Outcome // never Scanned
	Host    string
	Op      string // what was being done: "connect", "session setup", "open winreg"
	Err     error
	Hint    string // what the operator can do
}

func (e *Error) Error() string {
	s := fmt.Sprintf("%s on %s: %v", e.Op, e.Host, e.Err)
	if e.Hint != "" {
		s += ": " + e.Hint
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// OutcomeOf classifies any error returned by an Opener or Session; unknown
// errors are Failed, context deadline errors are Failed with a timeout.
func OutcomeOf(err error) Outcome {
	var te *Error
	if errors.As(err, &te) {
		return te.Outcome
	}
	if errors.Is(err, facts.ErrAccessDenied) {
		return AccessDenied
	}
	return Failed
}
