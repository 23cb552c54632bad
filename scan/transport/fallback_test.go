package transport

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/facts"
)

type fakeSession struct{ closed *bool }

func (fakeSession) Facts(context.Context, []facts.Request) ([]facts.Answer, error) {
	return nil, nil
}
func (f fakeSession) Close() error { *f.closed = true; return nil }

type fakeOpener struct {
	name   string
	err    error
	opened int
	closed bool
}

func (f *fakeOpener) Name() string { return f.name }
func (f *fakeOpener) Open(ctx context.Context, ep Endpoint, opts Options) (Session, error) {
	f.opened++
	if f.err != nil {
		return nil, f.err
	}
	return fakeSession{&f.closed}, nil
}

func TestAutoFallback(t *testing.T) {
	connectRefused := Tag(&Error{Outcome: Unreachable, Host: "h", Op: "connect", Err: errors.New("connection refused")}, ErrNoConnection)
	noWinreg := Tag(&Error{Outcome: Failed, Host: "h", Op: `open \PIPE\winreg`, Err: errors.New("STATUS_OBJECT_NAME_NOT_FOUND")}, ErrRegistryUnavailable)
	tests := []struct {
		name      string
		smbErr    error
		winrmErr  error
		want      string // transport used; "" = Open fails
		winrmUsed bool
		outcome   Outcome
		mentions  []string
	}{
		{"smb works", nil, nil, "smb", false, "", nil},
		{"445 closed", connectRefused, nil, "winrm", true, "", nil},
		{"no winreg pipe", noWinreg, nil, "winrm", true, "", nil},
		{"bind winreg fails", Tag(&Error{Outcome: Failed, Op: "bind winreg", Err: errors.New("bind_nak")}, ErrRegistryUnavailable), nil, "winrm", true, "", nil},
		// The decision is typed: an Op that names winreg or "connect" means
		// nothing without the sentinel.
		{"winreg in the text only: no fallback", &Error{Outcome: Failed, Op: `open \PIPE\winreg`, Err: errors.New("STATUS_OBJECT_NAME_NOT_FOUND")}, nil, "", false, Failed, []string{"winreg"}},
		{"connect in the text only: no fallback", &Error{Outcome: Unreachable, Op: "connect", Err: errors.New("refused")}, nil, "", false, Unreachable, nil},
		{"sentinel", fmt.Errorf("x: %w", ErrRegistryUnavailable), nil, "winrm", true, "", nil},
		{"wrong password: no second logon", &Error{Outcome: AuthFailed, Op: "session setup", Err: errors.New("logon failure")}, nil, "", false, AuthFailed, []string{"logon failure"}},
		{"access denied: no fallback", &Error{Outcome: AccessDenied, Op: "open winreg", Err: errors.New("denied")}, nil, "", false, AccessDenied, nil},
		{"session broke midway: no fallback", &Error{Outcome: Unreachable, Op: "session setup", Err: errors.New("reset")}, nil, "", false, Unreachable, nil},
		// The host answered SMB: whatever WinRM says, it is not
		// "unreachable" (issue 13.15).
		{"smb answered, winrm port closed", noWinreg, Tag(&Error{Outcome: Unreachable, Host: "h", Op: "connect", Err: errors.New("connection refused")}, ErrNoConnection), "", true, Failed,
			[]string{"smb: open \\PIPE\\winreg on h", "winrm: connect on h: connection refused"}},
		{"smb answered, winrm timed out", noWinreg, &Error{Outcome: Unreachable, Host: "h", Op: "create shell", Err: errors.New("no answer in time")}, "", true, Failed, nil},
		{"both fail", connectRefused, &Error{Outcome: AuthFailed, Host: "h", Op: "create shell", Err: errors.New("HTTP 401"), Hint: "check the user"}, "", true, AuthFailed,
			[]string{"smb: connect on h: connection refused", "winrm: create shell on h: HTTP 401", "check the user"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			smb := &fakeOpener{name: "smb", err: tc.smbErr}
			winrm := &fakeOpener{name: "winrm", err: tc.winrmErr}
			a := NewAuto(smb, winrm)
			if a.Name() != "auto" {
				t.Errorf("Name = %q", a.Name())
			}
			s, err := a.Open(context.Background(), Endpoint{Host: "h", Addr: "h:445"}, Options{})
			if (winrm.opened > 0) != tc.winrmUsed {
				t.Errorf("winrm opened %d times, want used=%v", winrm.opened, tc.winrmUsed)
			}
			if tc.want == "" {
				if err == nil {
					t.Fatal("Open succeeded, want an error")
				}
				if OutcomeOf(err) != tc.outcome {
					t.Errorf("outcome %q, want %q (%v)", OutcomeOf(err), tc.outcome, err)
				}
				for _, m := range tc.mentions {
					if !strings.Contains(err.Error(), m) {
						t.Errorf("error %q does not mention %q", err, m)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := SessionTransport(s, a.Name()); got != tc.want {
				t.Errorf("transport %q, want %q", got, tc.want)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if used := map[string]*fakeOpener{"smb": smb, "winrm": winrm}[tc.want]; !used.closed {
				t.Error("Close did not reach the underlying session")
			}
		})
	}
}

func TestSessionTransportDefault(t *testing.T) {
	var closed bool
	if got := SessionTransport(fakeSession{&closed}, "smb"); got != "smb" {
		t.Errorf("SessionTransport = %q, want the opener's name", got)
	}
}
