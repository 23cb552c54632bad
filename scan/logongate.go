package scan

import (
	"context"
	"fmt"
	"sync"

	"github.com/patchscan/patchscan/scan/transport"
)

// ErrLogonLimit is the cause recorded for hosts left unscanned because the
// run stopped logging on after Config.MaxLogonFailures failed logons.
var ErrLogonLimit = transport.ErrLogonLimit

// logonGate keeps a wrong password from locking a domain account out
// (issue 13.7). It gates only the step that can fail on a wrong
// credential (transport.LogonGate): every host connects and negotiates
// in parallel, and a host that never answers never reaches the gate.
//
//   - Until a logon has been accepted, one credential is in flight at a
//     time: whichever host first gets that far verifies it.
//   - After that, at most max-failed are in flight, so that however many
//     workers run, no more than max logons can fail in the whole run.
//   - Once max have failed the gate closes: no host is contacted again.
//
// A logon left unanswered (timeout, broken connection) counts as failed
// until the credential is verified: it may have been refused. After
// that, it was far more likely the host or the network, and it does not.
// Waiting at the gate does not spend the host's timeout (the transports'
// clocks are budgets, transport.WithBudget). max 0 means no limit; the
// credential is still verified on one host first.
type logonGate struct {
	max int

	mu       sync.Mutex
	changed  chan struct{} // closed and replaced on every change
	failed   int
	inflight int
	verified bool
}

func newLogonGate(max int) *logonGate {
	return &logonGate{max: max, changed: make(chan struct{})}
}

// closed reports whether the run has stopped logging on.
func (g *logonGate) closed() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.closedLocked()
}

func (g *logonGate) closedLocked() bool { return g.max > 0 && g.failed >= g.max }

// Begin waits for the right to send the credential (transport.LogonGate).
func (g *logonGate) Begin(ctx context.Context) (func(transport.LogonResult), error) {
	resume := func() {}
	defer func() { resume() }()
	for waited := false; ; waited = true {
		g.mu.Lock()
		if g.closedLocked() {
			g.mu.Unlock()
			return nil, fmt.Errorf("%w: %s", ErrLogonLimit, g.limitReason())
		}
		if g.inflight < g.room() {
			g.inflight++
			g.mu.Unlock()
			var once sync.Once
			return func(r transport.LogonResult) { once.Do(func() { g.end(r) }) }, nil
		}
		ch := g.changed
		g.mu.Unlock()
		if !waited {
			// Queued behind other hosts' logons: not this host's time.
			resume = transport.PauseBudgets(ctx)
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// room is how many logons may be in flight now.
func (g *logonGate) room() int {
	switch {
	case !g.verified:
		return 1
	case g.max > 0:
		return g.max - g.failed
	}
	return int(^uint(0) >> 1)
}

// end records how a logon ended.
func (g *logonGate) end(r transport.LogonResult) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.inflight--
	switch r {
	case transport.LogonAccepted:
		g.verified = true
	case transport.LogonRejected:
		g.failed++
	case transport.LogonUnanswered:
		if !g.verified {
			g.failed++
		}
	}
	close(g.changed)
	g.changed = make(chan struct{})
}

// limitReason is the reason given to hosts left unscanned by the gate.
func (g *logonGate) limitReason() string {
	return fmt.Sprintf("not scanned: the run stopped logging on after %d failed logons, so that a wrong password does not lock the account out; check the credentials and run again", g.max)
}
