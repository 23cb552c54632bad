package winrm_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/patchscan/patchscan/scan/transport"
	"github.com/patchscan/patchscan/scan/transport/transporttest"
	"github.com/patchscan/patchscan/scan/winrm"
	"github.com/patchscan/patchscan/scan/winrm/winrmtest"
)

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
				g := &transporttest.RecordingGate{Refuse: tc.refuse}
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
				if err := g.Check(tc.want); err != nil {
					t.Error(err)
				}
				if got := srv.Stats().AuthFailures; got != tc.failures {
					t.Errorf("the server refused %d logons, want %d", got, tc.failures)
				}
			})
		}
	}
}
