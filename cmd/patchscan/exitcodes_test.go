package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestExitCodesDocumented: README's exit-code table, `scan --help` and
// the constants agree (issue 13.15: scan --help did not list 70).
func TestExitCodesDocumented(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	table := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^\| (\d+) \|`).FindAllSubmatch(readme, -1) {
		table[string(m[1])] = true
	}
	for _, code := range []int{ExitCompliant, ExitMissing, ExitNotScanned, ExitBoth, ExitUsage, ExitBadCatalog, ExitWrite, ExitUnavailable} {
		if !table[itoa(code)] {
			t.Errorf("exit code %d is not in README's table", code)
		}
	}
	long := newScanCmd().Long
	help := long[strings.Index(long, "Exit status:"):]
	for code := range table {
		if code == itoa(ExitUnavailable) {
			continue // catalog update only
		}
		if !regexp.MustCompile(`\b` + code + `\b`).MatchString(help) {
			t.Errorf("scan --help's exit status does not list %s: %q", code, help)
		}
	}
}

// TestVersionFlag: `patchscan --version` works and says what `patchscan
// version` says (issue 13.15).
func TestVersionFlag(t *testing.T) {
	out := func(args ...string) string {
		var b bytes.Buffer
		rootCmd.SetOut(&b)
		rootCmd.SetArgs(args)
		if err := rootCmd.Execute(); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		return b.String()
	}
	flag, cmd := out("--version"), out("version")
	if !strings.HasPrefix(flag, "patchscan ") || flag != cmd {
		t.Errorf("--version printed %q, version printed %q", flag, cmd)
	}
}

// TestUnwritableOutIs70: an --out that cannot be created is exit 70
// (reports could not be written), not a usage error (issue 13.15).
func TestUnwritableOutIs70(t *testing.T) {
	t.Setenv(envPassword, "pw-not-shown-15")
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runScanCLI(t, "", "-u", "audit", "--format", "json", "--out", filepath.Join(file, "reports"), "127.0.0.1:1")
	if code != ExitWrite || !strings.Contains(stderr, "--out") {
		t.Errorf("exit %d (want %d), stderr %q", code, ExitWrite, stderr)
	}
}
