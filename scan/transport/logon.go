package transport

import (
	"context"
	"errors"
)

// ErrLogonLimit is the cause recorded for hosts left unscanned because
// the run stopped logging on after too many failed logons.
var ErrLogonLimit = errors.New("logon limit reached")

// LogonGate is how a run bounds the logons its transports attempt, so
// that a wrong password cannot lock a domain account out (issue 13.7).
// Transports connect and negotiate freely; they ask the gate right
// before the step a wrong credential fails at (NTLM's AUTHENTICATE
// message, the first request that carries Basic credentials) and tell it
// how that step ended. A nil gate lets every logon through.
type LogonGate interface {
	// Begin blocks until the credential may be sent. Time spent waiting
	// does not count against ctx's budgets (WithBudget). It returns an
	// error wrapping ErrLogonLimit once the run has stopped logging on,
	// or ctx's error. On success the transport must call end exactly
	// once, with how the logon ended.
	Begin(ctx context.Context) (end func(LogonResult), err error)
}

// LogonResult is how one logon ended, as far as the transport knows.
type LogonResult int

const (
	// LogonAccepted: the host accepted the credential.
	LogonAccepted LogonResult = iota
	// LogonRejected: the host refused the credential (wrong password,
	// unknown or locked account...): a failed logon on its books.
	LogonRejected
	// LogonUnanswered: the credential was sent and no verdict came back
	// (timeout, broken connection, cancellation): it may have failed.
	LogonUnanswered
	// LogonAbandoned: the transport did not send the credential after
	// all (it could not answer the server's challenge).
	LogonAbandoned
)

// BeginLogon asks gate, when there is one; with none, end does nothing.
func BeginLogon(ctx context.Context, gate LogonGate) (end func(LogonResult), err error) {
	if gate == nil {
		return func(LogonResult) {}, nil
	}
	return gate.Begin(ctx)
}
