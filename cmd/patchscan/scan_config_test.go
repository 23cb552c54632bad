package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/internal/lab"
)

// TestScanConfigChecks scans the configuration lab through the CLI: the
// checks a run evaluates follow --checks, their failures of severity
// Critical or Important make the exit code 1, and a bad --baseline-file
// or --checks stops the run before anything is scanned.
func TestScanConfigChecks(t *testing.T) {
	weak := lab.ConfigHost("cliweak")
	weak.Reg = append(weak.Reg, "testdata/lab/config-weak.reg")
	hard := lab.HostSpec{Name: "clihard", Reg: []string{lab.BaseReg, "testdata/lab/config-hardened.reg"}, Administrators: []string{lab.Account}}
	l := lab.Start(t, weak, hard)
	t.Setenv(envPassword, l.Password)
	base := []string{"-u", l.Domain + `\` + l.User, "--no-files", "--format", "json"}

	bad := filepath.Join(t.TempDir(), "bad.xml")
	if err := os.WriteFile(bad, []byte(`<Baseline Name="b" Version="1"><Check ID="X" Severity="Low"/></Baseline>`), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name          string
		args          []string
		code          int
		config, patch bool // the JSON carries configuration / patch results
		stderr        string
	}{
		// runScanCLI adds --checks patches to a command line that has no
		// --checks (the older tests' HFNetChk mode): the default, both, is
		// spelt out here.
		{"both (the default)", []string{"--checks", "patches,config", l.Host("cliweak").IP}, ExitMissing, true, true, ""},
		{"config only, weak host", []string{"--checks", "config", l.Host("cliweak").IP}, ExitMissing, true, false, ""},
		{"config only, hardened host", []string{"--checks", "config", l.Host("clihard").IP}, ExitCompliant, true, false, ""},
		{"patches only (HFNetChk)", []string{"--checks", "patches", "--catalog", labCatalog, l.Host("clihard").IP}, ExitMissing, false, true, ""},
		{"bad baseline", []string{"--checks", "patches,config", "--baseline-file", bad, l.Host("clihard").IP}, ExitBadCatalog, false, false, `bad.xml:1:32: <Check>: ID "X"`},
		{"bad checks", []string{"--checks", "patches,passwords", l.Host("clihard").IP}, ExitUsage, false, false, `"passwords"`},
		{"baseline without config", []string{"--checks", "patches", "--baseline-file", bad, l.Host("clihard").IP}, ExitUsage, false, false, "add config to --checks"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runScanCLI(t, "", append(append([]string{}, base...), tc.args...)...)
			if code != tc.code || !strings.Contains(stderr, tc.stderr) {
				t.Fatalf("exit %d, want %d; stderr %q (want %q)", code, tc.code, stderr, tc.stderr)
			}
			if tc.code != ExitCompliant && tc.code != ExitMissing {
				return
			}
			var h struct {
				Results  []json.RawMessage `json:"results"`
				Config   []struct{ ID, Status, Severity string }
				Baseline string
			}
			if err := json.Unmarshal([]byte(strings.SplitN(stdout, "\n", 2)[0]), &h); err != nil {
				t.Fatalf("%v: %s", err, stdout)
			}
			if (len(h.Config) == 20) != tc.config || (h.Baseline != "") != tc.config || (len(h.Results) > 0) != tc.patch {
				t.Errorf("%d config results (baseline %q), %d patch results", len(h.Config), h.Baseline, len(h.Results))
			}
		})
	}
}
