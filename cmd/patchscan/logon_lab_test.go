package main

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/patchscan/patchscan/internal/lab"
)

// TestScanLogonLimitCountedBySamba: a wrong password at 64 threads over
// 100 hosts. One real smbd answers every address (the lab's shared
// mode) and counts the logons it refused in its authentication audit:
// at most --max-logon-failures of them, whatever --threads is; the hosts
// left are reported as not scanned with the reason, exit 2 (issue 13.7:
// six hosts saw six failed logons in 70 ms). With the right password
// the same run scans every host and Samba refuses nothing.
func TestScanLogonLimitCountedBySamba(t *testing.T) {
	l := lab.StartConfig(t, lab.Config{Shared: true}, lab.StandardHostsNamed(lab.Patched)...)
	smbd := l.Hosts[0]
	user := l.Domain + `\` + l.User
	const hosts = 100
	scanAll := func(t *testing.T, password string, extra ...string) (int, map[string]jsonHost, string) {
		t.Helper()
		t.Setenv(envPassword, password)
		args := append([]string{"-u", user, "--catalog", labCatalog, "--no-files", "--format", "json",
			"--smb-port", strconv.Itoa(smbd.Port), "--threads", "64", "--timeout", "120s", "--probe-timeout", "30s"}, extra...)
		args = append(args, "127.77.0.1-"+strconv.Itoa(hosts))
		start := time.Now()
		code, stdout, stderr := runScanCLI(t, "", args...)
		t.Logf("%d hosts in %v", hosts, time.Since(start).Round(time.Millisecond))
		if strings.Contains(stdout+stderr, password) {
			t.Fatal("output shows the password")
		}
		return code, parseJSONLines(t, stdout), stderr
	}
	refusedBySamba := func(t *testing.T) int {
		t.Helper()
		// Samba writes its audit line as it refuses the logon; give a
		// late line time to land before counting.
		time.Sleep(300 * time.Millisecond)
		n, err := smbd.FailedLogons()
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	t.Run("wrong password", func(t *testing.T) {
		before := refusedBySamba(t)
		code, got, stderr := scanAll(t, "Wrong-pw-13-7", "--max-logon-failures", "3")
		if n := refusedBySamba(t) - before; n != 3 {
			t.Errorf("Samba refused %d logons, want 3 (--max-logon-failures)", n)
		}
		failed, limited, dropped := 0, 0, 0
		for target, h := range got {
			switch {
			case h.Status == "auth-failed":
				failed++
			case h.Status == "error" && strings.Contains(h.Error, "stopped logging on after 3 failed logons"):
				limited++
			case h.Status == "unreachable" && !strings.Contains(h.Error, "logon"):
				// One smbd taking 64 connections at once on a loaded
				// machine may reset one before its logon (as below);
				// Samba's count above says no credential went with it.
				dropped++
				t.Logf("%s: %s %q", target, h.Status, h.Error)
			default:
				t.Errorf("%s: %s %q", target, h.Status, h.Error)
			}
		}
		if code != ExitNotScanned || failed != 3 || limited+dropped != hosts-3 || dropped > hosts/10 || !strings.Contains(stderr, "stopped logging on after 3 failed logons") {
			t.Errorf("exit %d, %d auth-failed, %d not scanned, %d dropped (want %d, 3 and %d)\nstderr: %s", code, failed, limited, dropped, ExitNotScanned, hosts-3, stderr)
		}
	})
	t.Run("right password", func(t *testing.T) {
		before := refusedBySamba(t)
		code, got, stderr := scanAll(t, l.Password)
		if n := refusedBySamba(t) - before; n != 0 {
			t.Errorf("Samba refused %d logons of the right password", n)
		}
		// One smbd serving 64 sessions at once on a loaded machine may
		// drop one (its winreg helper starts on demand); what must not
		// happen is a host left out for its logon.
		scanned := 0
		for target, h := range got {
			switch {
			case h.Status == "scanned":
				scanned++
			case h.Status == "auth-failed" || strings.Contains(h.Error, "stopped logging on"):
				t.Errorf("%s: %s %q", target, h.Status, h.Error)
			default:
				t.Logf("%s: %s %q", target, h.Status, h.Error)
			}
		}
		if len(got) != hosts || scanned < hosts*9/10 || strings.Contains(stderr, "stopped logging on") {
			t.Errorf("exit %d, %d of %d hosts scanned\nstderr: %s", code, scanned, hosts, stderr)
		}
	})
}
