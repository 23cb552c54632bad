package winrm_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/patchscan/patchscan/scan/transport"
	"github.com/patchscan/patchscan/scan/winrm"
	"github.com/patchscan/patchscan/scan/winrm/winrmtest"
)

// recordingGate is a logon gate that lets logons through (or refuses
// them all) and records how each ended.
type recordingGate struct {
	refuse  bool
	mu      sync.Mutex
	begun   int
	results []transport.LogonResult
}

func (g *recordingGate) Begin(ctx context.Context) (func(transport.LogonResult), error) {
	if g.refuse {
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

// TestLogonGate: the WinRM transport asks the run's logon gate before
// the credential leaves, NTLM or Basic, once per logon, and tells it how
// the logon ended; a refusing gate means no credential reaches the host
// and the error says why (issue 13.7).
func TestLogonGate(t *testing.T) {
	wrong := goodCreds
	wrong.Password = "wrong-pw-13-7"
	for _, basic := range []bool{false, true} {
		auth := winrmtest.AuthNTLM
		if basic {
			auth = winrmtest.AuthBasic
		}
		for _, tc := range []struct {
			name     string
			creds    transport.Credentials
			refuse   bool
			want     []transport.LogonResult
			failures int // refused logons the server counted
		}{
			{"right password", goodCreds, false, []transport.LogonResult{transport.LogonAccepted}, 0},
			{"wrong password", wrong, false, []transport.LogonResult{transport.LogonRejected}, 1},
			{"gate closed", wrong, true, nil, 0},
		} {
			t.Run(fmt.Sprintf("basic=%v/%s", basic, tc.name), func(t *testing.T) {
				srv := start(t, winrmtest.Options{Auth: auth, TLS: true})
				cfg := httpsCfg(t, srv)
				cfg.Basic = basic
				g := &recordingGate{refuse: tc.refuse}
				opts := options(tc.creds)
				opts.Logon = g
				s, err := winrm.NewOpener(cfg).Open(context.Background(), endpoint(srv), opts)
				if err == nil {
					if _, err := s.Facts(context.Background(), batch); err != nil {
						t.Fatal(err)
					}
					_ = s.Close()
				}
				switch {
				case tc.refuse && !errors.Is(err, transport.ErrLogonLimit):
					t.Errorf("Open: %v, want ErrLogonLimit", err)
				case tc.refuse && transport.OutcomeOf(err) != transport.Failed:
					t.Errorf("outcome %s, want error", transport.OutcomeOf(err))
				case !tc.refuse && (tc.failures == 0) != (err == nil):
					t.Errorf("Open: %v", err)
				}
				g.mu.Lock()
				defer g.mu.Unlock()
				if fmt.Sprint(g.results) != fmt.Sprint(tc.want) || g.begun != len(tc.want) {
					t.Errorf("gate asked %d times, results %v; want %v", g.begun, g.results, tc.want)
				}
				if got := srv.Stats().AuthFailures; got != tc.failures {
					t.Errorf("the server refused %d logons, want %d", got, tc.failures)
				}
			})
		}
	}
}
