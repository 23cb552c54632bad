package smb

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/patchscan/patchscan/internal/lab"
	"github.com/patchscan/patchscan/scan/transport"
	"github.com/patchscan/patchscan/scan/transport/transporttest"
)

// TestLabLogonGate: the SMB transport asks the run's logon gate before
// NTLM's AUTHENTICATE message leaves and tells it how the logon ended,
// as the real Samba host saw it (its authentication audit); a refusing
// gate means no credential reaches the host (issue 13.7).
func TestLabLogonGate(t *testing.T) {
	l := standardLab(t)
	h := l.Host(lab.Patched)
	for _, tc := range []struct {
		name     string
		password string
		refuse   bool
		want     []transport.LogonResult
		refused  int // by Samba
	}{
		{"right password", l.Password, false, []transport.LogonResult{transport.LogonAccepted}, 0},
		{"wrong password", "wrong-pw-13-7", false, []transport.LogonResult{transport.LogonRejected}, 1},
		{"gate closed", "wrong-pw-13-7", true, nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, err := h.FailedLogons()
			if err != nil {
				t.Fatal(err)
			}
			g := &transporttest.RecordingGate{Refuse: tc.refuse}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			s, err := NewOpener(onLoopback(Config{})).Open(ctx, transport.Endpoint{Host: h.IP, Addr: h.Addr()}, transport.Options{
				Credentials: transport.Credentials{Domain: l.Domain, User: l.User, Password: tc.password},
				Timeout:     20 * time.Second, Logon: g,
			})
			if err == nil {
				_ = s.Close()
			}
			switch {
			case tc.refuse && (!errors.Is(err, transport.ErrLogonLimit) || transport.OutcomeOf(err) != transport.Failed):
				t.Errorf("Open: %v (%s), want ErrLogonLimit", err, transport.OutcomeOf(err))
			case !tc.refuse && (tc.refused == 0) != (err == nil):
				t.Errorf("Open: %v", err)
			}
			if err := g.Check(tc.want); err != nil {
				t.Error(err)
			}
			time.Sleep(200 * time.Millisecond) // Samba's audit line lands as it answers
			after, err := h.FailedLogons()
			if err != nil {
				t.Fatal(err)
			}
			if after-before != tc.refused {
				t.Errorf("Samba refused %d logons, want %d", after-before, tc.refused)
			}
		})
	}
}
