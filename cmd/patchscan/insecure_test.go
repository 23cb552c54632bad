package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestInsecureModesRecorded: every safeguard the operator turns off is
// said once on stderr and recorded in the run's metadata: the per-host
// XML files, rollup.xml (both valid against their XSDs), the XML stream
// and JSON Lines. Flags that change nothing (WinRM flags with SMB) are
// not recorded. The targets are a closed loopback port and an unreachable
// DC: the metadata does not depend on any host answering.
func TestInsecureModesRecorded(t *testing.T) {
	t.Setenv(envPassword, "pw-not-shown-6")
	port := itoa(closedPort(t))
	host := "127.0.0.1:" + port
	domain := []string{"--domain", "lab.test", "--dc", host}
	tests := []struct {
		name string
		args []string
		want string // the insecure attribute, "" for none
	}{
		{"winrm-http", []string{"--transport", "winrm", "--winrm-https=false", host}, "winrm-http"},
		{"winrm-unverified-basic", []string{"--transport", "winrm", "--winrm-insecure", "--winrm-basic", host}, "winrm-basic winrm-tls-unverified"},
		{"auto-basic", []string{"--transport", "auto", "--smb-port", port, "--winrm-basic", "127.0.0.1"}, "winrm-basic"},
		{"smb-ignores-winrm-flags", []string{"--transport", "smb", "--smb-port", port, "--winrm-insecure", "127.0.0.1"}, ""},
		{"ldap-unverified", append([]string{"--insecure-ldap", "--smb-port", port, "127.0.0.1"}, domain...), "ldap-tls-unverified"},
		{"ldap-no-tls", append([]string{"--ldap-tls", "none", "--smb-port", port, "127.0.0.1"}, domain...), "ldap-no-tls"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, format := range []string{"xml", "json"} {
				out := filepath.Join(t.TempDir(), "reports")
				args := append([]string{"-u", `LAB\scanner`, "--timeout", "5s", "--format", format, "--out", out}, tt.args...)
				code, stdout, stderr := runScanCLI(t, "", args...)
				if code != ExitNotScanned {
					t.Fatalf("exit %d, want %d (the host is unreachable)\nstderr: %s", code, ExitNotScanned, stderr)
				}
				warned := regexp.MustCompile(`patchscan: warning: --[a-z-]+(=false| none)?: .*\(recorded in the reports as insecure="[a-z-]+"\)`).FindAllString(stderr, -1)
				if n := len(strings.Fields(tt.want)); len(warned) != n {
					t.Errorf("%s: %d insecure-mode warnings on stderr, want %d (one per mode):\n%s", format, len(warned), n, stderr)
				}
				checkInsecure(t, format+" stdout", stdout, format, tt.want)
				files := runFiles(t, out)
				if len(files) == 0 {
					t.Fatalf("no per-host file in %s", out)
				}
				for _, f := range append(files, filepath.Join(runDir(t, out), "rollup.xml")) {
					b, err := os.ReadFile(f)
					if err != nil {
						t.Fatal(err)
					}
					checkInsecure(t, filepath.Base(f), string(b), "xml", tt.want)
					xsd := reportXSD
					if filepath.Base(f) == "rollup.xml" {
						xsd = rollupXSD
					}
					xsdCheck(t, xsd, f)
				}
			}
		})
	}
}

// checkInsecure checks the insecure metadata of an XML document's root
// or of every JSON Lines object.
func checkInsecure(t *testing.T, what, doc, format, want string) {
	t.Helper()
	if format == "xml" {
		root := regexp.MustCompile(`<(ScanReport|Rollup) [^>]*>`).FindString(doc)
		got := ""
		if m := regexp.MustCompile(` insecure="([^"]*)"`).FindStringSubmatch(root); m != nil {
			got = m[1]
		}
		if root == "" || got != want {
			t.Errorf("%s: insecure=%q, want %q (root %s)", what, got, want, root)
		}
		return
	}
	lines := strings.Split(strings.TrimSpace(doc), "\n")
	for _, line := range lines {
		var h struct{ Insecure []string }
		if err := json.Unmarshal([]byte(line), &h); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if got := strings.Join(h.Insecure, " "); got != want {
			t.Errorf("%s: insecure %q, want %q", what, got, want)
		}
	}
}
