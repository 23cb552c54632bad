package main

import (
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/internal/lab"
)

// TestAutoSMBAnsweredNotUnreachable scans a real Samba host whose Remote
// Registry is stopped (lab.NoWinreg) with --transport auto and no WinRM
// listener on it, its port closed or silent. The host answered SMB: it is
// not "unreachable" (which sends the operator to check routing and
// firewalls) but an error; with the port closed, SMB's error, naming the
// winreg pipe (issue 13.15). A silent port holds the host until its
// timeout, which the error then says.
func TestAutoSMBAnsweredNotUnreachable(t *testing.T) {
	l := lab.Start(t, lab.StandardHostsNamed(lab.NoWinreg)...)
	t.Setenv(envPassword, l.Password)
	h := l.Host(lab.NoWinreg)

	closed := func() int {
		ln, err := net.Listen("tcp", net.JoinHostPort(h.IP, "0"))
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		return ln.Addr().(*net.TCPAddr).Port
	}()
	silent := closedPort(t)
	startTarpit(t, []string{h.IP}, silent)

	for _, tc := range []struct {
		name      string
		winrmPort int
		reason    string
	}{
		{"winrm port closed", closed, "winreg pipe unavailable"},
		{"winrm port silent", silent, "timeout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runScanCLI(t, "", "-u", l.Domain+`\`+l.User, "--catalog", labCatalog,
				"--no-files", "--format", "json", "--timeout", "6s",
				"--transport", "auto", "--smb-port", strconv.Itoa(h.Port), "--winrm-port", strconv.Itoa(tc.winrmPort), h.IP)
			hosts := parseFullHosts(t, stdout)
			got, ok := hosts[h.IP]
			if !ok {
				t.Fatalf("no report of %s (exit %d)\nstdout: %s\nstderr: %s", h.IP, code, stdout, stderr)
			}
			if got.Status != "error" || !strings.Contains(got.Error, tc.reason) {
				t.Errorf("status %q, error %q: want error saying %q, not unreachable", got.Status, got.Error, tc.reason)
			}
			if code != ExitNotScanned {
				t.Errorf("exit %d, want %d", code, ExitNotScanned)
			}
		})
	}
}
