// Package transporttest holds test doubles of scan/transport's
// interfaces, shared by the transports' tests.
package transporttest

import (
	"context"
	"fmt"
	"sync"

	"github.com/patchscan/patchscan/scan/transport"
)

// RecordingGate is a logon gate that lets logons through (or, with
// Refuse, refuses them all) and records how each ended.
type RecordingGate struct {
	Refuse bool

	mu      sync.Mutex
	begun   int
	results []transport.LogonResult
}

// Begin implements transport.LogonGate.
func (g *RecordingGate) Begin(ctx context.Context) (func(transport.LogonResult), error) {
	if g.Refuse {
		return nil, fmt.Errorf("%w: test", transport.ErrLogonLimit)
	}
	g.mu.Lock()
	g.begun++
	g.mu.Unlock()
	return func(r transport.LogonResult) {
		g.mu.Lock()
		defer g.mu.Unlock()
		g.results = append(g.results, r)
	}, nil
}

// Check says how what the gate saw differs from want: it must have been
// asked once per logon, and the logons must have ended as want says.
func (g *RecordingGate) Check(want []transport.LogonResult) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if fmt.Sprint(g.results) != fmt.Sprint(want) || g.begun != len(want) {
		return fmt.Errorf("gate asked %d times, results %v; want %v", g.begun, g.results, want)
	}
	return nil
}
