package smb

import (
	"context"

	smb2 "github.com/cloudsoda/go-smb2"

	"github.com/patchscan/patchscan/scan/transport"
)

// gatedInitiator asks the run's logon gate (transport.LogonGate) before
// the credential leaves: NTLM's AUTHENTICATE message, which
// AcceptSecContext builds from the server's challenge. Negotiating and
// the NEGOTIATE/CHALLENGE leg carry no secret, so a host that never
// answers them never holds the gate (issue 13.7).
type gatedInitiator struct {
	smb2.Initiator
	ctx  context.Context
	gate transport.LogonGate

	end     func(transport.LogonResult) // set once the gate let the logon through
	refused error                       // the gate's refusal (ErrLogonLimit) or ctx's error
}

func (g *gatedInitiator) AcceptSecContext(challenge []byte) ([]byte, error) {
	if g.end == nil {
		end, err := transport.BeginLogon(g.ctx, g.gate)
		if err != nil {
			g.refused = err
			return nil, err
		}
		g.end = end
	}
	msg, err := g.Initiator.AcceptSecContext(challenge)
	if err != nil {
		// Nothing was sent: the challenge could not be answered.
		g.done(transport.LogonAbandoned)
	}
	return msg, err
}

// done tells the gate how the logon ended, if it let one through; later
// calls do nothing.
func (g *gatedInitiator) done(r transport.LogonResult) {
	if g.end != nil {
		g.end(r)
		g.end = nil
	}
}
