package main

import (
	"encoding/json"
	"net"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/internal/lab"
	"github.com/patchscan/patchscan/scan/winrm/winrmtest"
)

// fullHost is the part of a JSON Lines host record the cross-transport
// test compares: everything the engine said, not timings.
type fullHost struct {
	Target, Address, Transport, Status, Error string
	OS                                        json.RawMessage
	Products                                  json.RawMessage
	Results                                   json.RawMessage
}

// parseFullHosts reads the hosts of JSON Lines output by address.
func parseFullHosts(t *testing.T, s string) map[string]fullHost {
	t.Helper()
	return jsonLines(t, s, func(h fullHost) string { return h.Address })
}

// TestScanWinRMEqualsSMB runs `patchscan scan` twice over the same lab
// hosts: over SMB against the real Samba hosts, and with --transport winrm
// against WS-Management test servers answering from the same fixtures on
// the same addresses. The reports must be the same, host by host, except
// where the transports differ by design (no winreg pipe only stops SMB).
// Then --transport auto: SMB where it works, WinRM for the no-winreg host.
func TestScanWinRMEqualsSMB(t *testing.T) {
	names := []string{lab.Patched, lab.MissingRegKey, lab.OldFile, lab.NewerFile, lab.WrongChecksum, lab.NoWinreg}
	specs := lab.StandardHostsNamed(names...)
	l := lab.Start(t, specs...)
	t.Setenv(envPassword, l.Password)
	user := l.Domain + `\` + l.User

	port, caFile := startWinRMFixtures(t, l, specs)

	var ips []string
	for _, n := range names {
		ips = append(ips, l.Host(n).IP)
	}
	common := []string{"-u", user, "--catalog", labCatalog, "--checksums", "on", "--no-files", "--format", "json"}
	scanWith := func(extra ...string) map[string]fullHost {
		t.Helper()
		args := append(append(append([]string{}, common...), extra...), ips...)
		_, stdout, stderr := runScanCLI(t, "", args...)
		hosts := parseFullHosts(t, stdout)
		if len(hosts) != len(ips) {
			t.Fatalf("%v: %d hosts reported, want %d\nstderr: %s", extra, len(hosts), len(ips), stderr)
		}
		if strings.Contains(stdout+stderr, l.Password) {
			t.Fatal("output shows the password")
		}
		return hosts
	}
	winrmFlags := []string{"--winrm-port", strconv.Itoa(port), "--winrm-ca", caFile}
	overSMB := scanWith("--transport", "smb", "--smb-port", strconv.Itoa(l.Hosts[0].Port))
	overWinRM := scanWith(append([]string{"--transport", "winrm"}, winrmFlags...)...)
	auto := scanWith(append([]string{"--transport", "auto", "--smb-port", strconv.Itoa(l.Hosts[0].Port)}, winrmFlags...)...)

	for _, n := range names {
		ip := l.Host(n).IP
		sameAcrossTransports(t, n, overSMB[ip], overWinRM[ip], auto[ip])
	}
}

// sameAcrossTransports: lab host n, scanned over SMB (s), WinRM (w) and
// auto (a), gives the same report everywhere the transports do not differ
// by design.
func sameAcrossTransports(t *testing.T, n string, s, w, a fullHost) {
	t.Helper()
	if w.Status != "scanned" || w.Transport != "winrm" {
		t.Errorf("%s over winrm: %s via %q (%s), want scanned via winrm", n, w.Status, w.Transport, w.Error)
		return
	}
	if n == lab.NoWinreg {
		if s.Status != "error" || !strings.Contains(s.Error, "winreg") {
			t.Errorf("%s over smb: %s %q, want the winreg error", n, s.Status, s.Error)
		}
		if a.Transport != "winrm" || a.Status != "scanned" {
			t.Errorf("%s with auto: %s via %q (%s), want scanned via winrm (fallback)", n, a.Status, a.Transport, a.Error)
		}
		return
	}
	if s.Status != "scanned" || s.Transport != "smb" {
		t.Errorf("%s over smb: %s via %q (%s)", n, s.Status, s.Transport, s.Error)
		return
	}
	var rs []struct{ Bulletin, Status string }
	if err := json.Unmarshal(w.Results, &rs); err != nil || len(rs) == 0 || rs[0].Bulletin != "MS17-010" || rs[0].Status != lab.Expected[n] {
		t.Errorf("%s over winrm: results %s, want MS17-010 %s", n, w.Results, lab.Expected[n])
	}
	for what, pair := range map[string][2]json.RawMessage{"os": {s.OS, w.OS}, "products": {s.Products, w.Products}, "results": {s.Results, w.Results}} {
		var x, y any
		_ = json.Unmarshal(pair[0], &x)
		_ = json.Unmarshal(pair[1], &y)
		if !reflect.DeepEqual(x, y) {
			t.Errorf("%s: %s differ between transports\n smb:   %s\n winrm: %s", n, what, pair[0], pair[1])
		}
	}
	if a.Transport != "smb" || !reflect.DeepEqual(a.Results, s.Results) {
		t.Errorf("%s with auto: via %q, want smb with the SMB results", n, a.Transport)
	}
}

// startWinRMFixtures starts one WinRM server per lab host, on the host's
// own address and one shared port (so --transport auto can use a single
// --winrm-port), and returns the port and the CA file of their
// certificates.
func startWinRMFixtures(t *testing.T, l *lab.Lab, specs []lab.HostSpec) (port int, caFile string) {
	t.Helper()
	for _, spec := range specs {
		h := l.Host(spec.Name)
		fixture, err := winrmtest.LabHost(spec)
		if err != nil {
			t.Fatal(err)
		}
		srv, err := winrmtest.Start(winrmtest.Options{
			Account:    winrmtest.Account{User: l.User, Password: l.Password},
			TLS:        true,
			Host:       fixture,
			ListenAddr: net.JoinHostPort(h.IP, strconv.Itoa(port)),
		})
		if err != nil {
			t.Fatalf("winrm server for %s: %v", spec.Name, err)
		}
		t.Cleanup(srv.Close)
		if port == 0 {
			port = srv.Port
			if caFile, err = srv.WriteCAFile(t.TempDir()); err != nil {
				t.Fatal(err)
			}
		}
	}
	return port, caFile
}
