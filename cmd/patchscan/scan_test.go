package main

import (
	"bufio"
	"encoding/json"
	"encoding/xml"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// runScanCLI runs a fresh `scan` command (no state shared between runs)
// and returns its exit code as main would.
func runScanCLI(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	// Reports never land in the source tree (the default --out is ./SecurityScans).
	if !slices.Contains(args, "--no-files") && !slices.Contains(args, "--out") {
		args = append(args, "--out", filepath.Join(t.TempDir(), "reports"))
	}
	args = hfnetchk(append([]string{"scan"}, args...))[1:]
	return runCommand(newScanCmd(), strings.NewReader(stdin), args...)
}

// closedPort returns a loopback port nothing listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	return p
}

func wellFormedXML(t *testing.T, what string, r io.Reader) {
	t.Helper()
	d := xml.NewDecoder(r)
	for {
		_, err := d.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("%s is not well-formed XML: %v", what, err)
		}
	}
}

// Every target here is a loopback address: should a check ever let a run
// through, it must not reach beyond this machine.
func TestScanUsageErrors(t *testing.T) {
	t.Setenv(envPassword, "pw-not-shown-1")
	dir := t.TempDir()
	hosts := filepath.Join(dir, "hosts.txt")
	if err := os.WriteFile(hosts, []byte("127.0.0.0/14\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no targets", []string{"-u", "a"}, ExitUsage, "no targets"},
		{"only bad targets", []string{"-u", "a", "10.0.0.300"}, ExitUsage, "argument 1: bad target"},
		{"strict targets", []string{"-u", "a", "--strict-targets", "127.0.0.1", "bad..name"}, ExitUsage, "--strict-targets"},
		{"max hosts", []string{"-u", "a", "--max-hosts", "1000", "127.0.0.0/16"}, ExitUsage, "65534 hosts, more than --max-hosts 1000"},
		{"max hosts from a file", []string{"-u", "a", "--hosts-file", hosts}, ExitUsage, "more than --max-hosts 65536"},
		{"a /8", []string{"-u", "a", "127.0.0.0/8"}, ExitUsage, "16777214 hosts"},
		{"threads 0", []string{"-u", "a", "--threads", "0", "127.0.0.1"}, ExitUsage, "--threads 0"},
		{"threads 2000", []string{"-u", "a", "--threads", "2000", "127.0.0.1"}, ExitUsage, "use 1 to 1024"},
		{"timeout", []string{"-u", "a", "--timeout", "0s", "127.0.0.1"}, ExitUsage, "--timeout"},
		{"probe longer than timeout", []string{"-u", "a", "--timeout", "1s", "--probe-timeout", "2s", "127.0.0.1"}, ExitUsage, "--probe-timeout"},
		{"quiet verbose", []string{"-u", "a", "-q", "-v", "127.0.0.1"}, ExitUsage, "contradict"},
		{"winrm basic over http", []string{"-u", "a", "--transport", "winrm", "--winrm-https=false", "--winrm-basic", "127.0.0.1"}, ExitUsage, "only allowed over HTTPS"},
		{"unknown transport", []string{"-u", "a", "--transport", "rsh", "127.0.0.1"}, ExitUsage, "unknown --transport"},
		{"bad port", []string{"-u", "a", "--smb-port", "70000", "127.0.0.1"}, ExitUsage, "--smb-port 70000"},
		{"ldap flag without domain", []string{"-u", "a", "--ldap-ca", "x.pem", "127.0.0.1"}, ExitUsage, "--ldap-ca only applies with --domain"},
		{"missing hosts file", []string{"-u", "a", "--hosts-file", filepath.Join(dir, "nope")}, ExitUsage, "--hosts-file"},
		{"two stdin readers", []string{"-u", "a", "--hosts-file", "-", "--catalog", "-"}, ExitUsage, "stdin"},
		{"bad catalog", []string{"-u", "a", "--catalog", "../../testdata/catalogs/bad-syntax.xml", "127.0.0.1"}, ExitBadCatalog, "catalog"},
		{"missing catalog", []string{"-u", "a", "--catalog", filepath.Join(dir, "none.xml"), "127.0.0.1"}, ExitBadCatalog, "catalog"},
		{"missing suppress file", []string{"-u", "a", "--suppress", filepath.Join(dir, "none"), "127.0.0.1"}, ExitUsage, "--suppress"},
		{"bad user", []string{"-u", `A\B\C`, "127.0.0.1"}, ExitUsage, "bad --user"},
		{"no user", []string{"h"}, ExitUsage, "no --user"},
		{"unknown flag", []string{"--password", "x", "127.0.0.1"}, ExitUsage, "unknown flag: --password"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runScanCLI(t, "", tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, tc.code, tc.want)
			}
			if stdout != "" {
				t.Errorf("usage error wrote to stdout: %q", stdout)
			}
			if strings.Contains(stderr, "pw-not-shown-1") {
				t.Errorf("stderr shows the password")
			}
		})
	}
}

// Unreachable hosts: exit 2, bad targets reported with their place, the
// XML on stdout and the files complete.
func TestScanUnreachable(t *testing.T) {
	t.Setenv(envPassword, "pw-not-shown-2")
	port := strconv.Itoa(closedPort(t))
	out := filepath.Join(t.TempDir(), "reports")
	hostsFile := "# lab\n127.0.0.1\n127.0.0.2-3 # range\nnot_valid!\n"
	code, stdout, stderr := runScanCLI(t, hostsFile, "-u", `LAB\scanner`, "--smb-port", port,
		"--hosts-file", "-", "127.0.0.1", "--out", out, "--format", "xml", "-v")
	if code != ExitNotScanned {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, ExitNotScanned, stderr)
	}
	for _, want := range []string{"<stdin>:4: bad target", "127.0.0.2: unreachable", "refused the connection", "127.0.0.3: starting (from 127.0.0.2-3)"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if strings.Count(stderr, ": starting") != 3 {
		t.Errorf("want 3 hosts started (127.0.0.1 deduplicated):\n%s", stderr)
	}
	wellFormedXML(t, "stdout", strings.NewReader(stdout))
	if strings.Count(stdout, "127.0.0.") < 3 {
		t.Errorf("stdout lacks the hosts:\n%s", stdout)
	}
	rollup, err := os.Open(runFile(t, out, "rollup.xml"))
	if err != nil {
		t.Fatal(err)
	}
	defer rollup.Close()
	wellFormedXML(t, "rollup.xml", rollup)
	if strings.Contains(stdout+stderr, "pw-not-shown-2") {
		t.Error("output shows the password")
	}
}

type jsonHost struct {
	Name, Address, Target, Domain, Status, Error string
	Results                                      []e2eResult
}

// parseJSONLines reads the hosts of JSON Lines output by target.
func parseJSONLines(t *testing.T, s string) map[string]jsonHost {
	t.Helper()
	return jsonLines(t, s, func(h jsonHost) string { return h.Target })
}

// jsonLines decodes every line of s into a T, keyed by key, and fails t on
// a line that is not one.
func jsonLines[T any](t *testing.T, s string, key func(T) string) map[string]T {
	t.Helper()
	out := map[string]T{}
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var h T
		if err := json.Unmarshal(sc.Bytes(), &h); err != nil {
			t.Fatalf("bad JSON line %q: %v", sc.Text(), err)
		}
		out[key(h)] = h
	}
	return out
}

func itoa(i int) string { return strconv.Itoa(i) }

// A domain whose DC can't be reached is reported, the other targets are
// still scanned, and the exit code says hosts were not scanned.
func TestScanDomainUnreachableDC(t *testing.T) {
	t.Setenv(envPassword, "pw-not-shown-3")
	port := itoa(closedPort(t))
	code, stdout, stderr := runScanCLI(t, "", "-u", `LAB\scanner`, "--domain", "lab.test", "--dc", "127.0.0.1:"+port,
		"--smb-port", port, "--no-files", "--format", "json", "127.0.0.1")
	if code != ExitNotScanned {
		t.Fatalf("exit %d, want %d; stderr: %s", code, ExitNotScanned, stderr)
	}
	if !strings.Contains(stderr, "domain lab.test: ldaps to 127.0.0.1:"+port) {
		t.Errorf("stderr lacks the domain error: %s", stderr)
	}
	if hosts := parseJSONLines(t, stdout); hosts["127.0.0.1"].Status != "unreachable" {
		t.Errorf("hosts %v: want 127.0.0.1 unreachable", hosts)
	}
}

func TestReadIDList(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		content string
		want    []string
		err     string
	}{
		{"MS17-010\n# comment\n\nKB4012212  # inline\r\n4012213\n", []string{"MS17-010", "KB4012212", "4012213"}, ""},
		{"", nil, ""},
		{"MS17-010 MS08-067\n", nil, "list.txt:1"},
		{"a,b\n", nil, "not one bulletin ID"},
		{strings.Repeat("x", 65) + "\n", nil, "not one bulletin ID"},
		{strings.Repeat("x", 70000), nil, "--suppress"},
	}
	for i, tc := range tests {
		name := filepath.Join(dir, "list.txt")
		if err := os.WriteFile(name, []byte(tc.content), 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := readIDList(name, "--suppress")
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("case %d: err %v, want %q", i, err, tc.err)
			}
			continue
		}
		if err != nil || strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("case %d: %v, %v; want %v", i, got, err, tc.want)
		}
	}
}

// IPv6 targets with and without ports travel through to the probe.
func TestScanIPv6Loopback(t *testing.T) {
	t.Setenv(envPassword, "pw-not-shown-4")
	port := itoa(closedPort(t))
	code, stdout, stderr := runScanCLI(t, "", "-u", "scanner", "--smb-port", port, "--no-files", "--format", "json",
		"::1", "[::1]:"+port, "[::1]:1")
	if code != ExitNotScanned {
		t.Fatalf("exit %d, want %d; stderr: %s", code, ExitNotScanned, stderr)
	}
	hosts := parseJSONLines(t, stdout)
	// "::1" and "[::1]:<default port>" are one target; "[::1]:1" another.
	if len(hosts) != 2 || hosts["::1"].Status != "unreachable" || hosts["[::1]:1"].Status != "unreachable" {
		t.Errorf("hosts %+v; want ::1 and [::1]:1 unreachable", hosts)
	}
	if a := hosts["::1"].Address; a != "::1" {
		t.Errorf("address %q, want ::1", a)
	}
}
