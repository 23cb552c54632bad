package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/internal/textsafe"
	"github.com/spf13/cobra"
)

const catalogs = "../../testdata/catalogs/"

// runCatalogCLI runs a fresh `catalog` command tree (no flag state shared
// between runs) and returns the exit code main would return.
func runCatalogCLI(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	root := &cobra.Command{Use: "patchscan"}
	root.AddCommand(newCatalogCmd())
	return runCommand(root, strings.NewReader(stdin), append([]string{"catalog"}, args...)...)
}

func TestCatalogCommands(t *testing.T) {
	example, err := os.ReadFile(catalogs + "example.xml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		stdin     string
		args      []string
		code      int
		stdout    []string
		stderr    []string
		notStdout []string
	}{
		{name: "validate example", args: []string{"validate", catalogs + "example.xml"}, code: 0,
			stdout: []string{"example.xml: valid: 3 bulletins, 3 patches, 3 products (data version 2026.11.1, updated 2026-11-20)"},
			stderr: []string{"warning: " + catalogs + "example.xml:95:11: SupersededBy names bulletin EX-2027-001"}},
		{name: "validate embedded", args: []string{"validate"}, code: 0, stdout: []string{"<embedded>: valid:"}},
		{name: "validate stdin", stdin: string(example), args: []string{"validate", "-"}, code: 0, stdout: []string{"<stdin>: valid: 3 bulletins"}},
		{name: "validate bad and good", args: []string{"validate", catalogs + "bad-refs.xml", catalogs + "example.xml"}, code: ExitBadCatalog,
			stdout: []string{"example.xml: valid"},
			stderr: []string{
				"bad-refs.xml: invalid: 6 problems",
				"bad-refs.xml:8:5: <Product>: ProductFamilyID 7 is not defined",
				"bad-refs.xml:8:5: <Product>: CurrentServicePackID 8 is not defined",
				"bad-refs.xml:15:9: <Patch>: MSSeverityID 9 is not defined",
				"bad-refs.xml:16:11: <AffectedProduct>: ProductID 99 is not defined",
				"bad-refs.xml:16:43: <AffectedServicePack>: ServicePackID 5 is not defined",
				"bad-refs.xml:17:11: SupersededBy: bulletin MS01-002 has no patch KB404",
				"1 of 2 catalogs invalid"},
			notStdout: []string{"bad-refs.xml"}},
		{name: "validate syntax error", args: []string{"validate", catalogs + "bad-syntax.xml"}, code: ExitBadCatalog,
			stderr: []string{"bad-syntax.xml:8:14: malformed XML"}},
		{name: "validate missing file", args: []string{"validate", "/nonexistent/c.xml"}, code: ExitBadCatalog,
			stderr: []string{"/nonexistent/c.xml: cannot open catalog"}},
		{name: "validate stdin twice", args: []string{"validate", "-", "-"}, code: ExitUsage, stderr: []string{"only once"}},
		{name: "validate help", args: []string{"validate", "--help"}, code: 0,
			stdout: []string{"Examples:", "patchscan catalog validate mssecure.xml", "Exit status: 0"}},
		{name: "show embedded", args: []string{"show"}, code: 0,
			stdout: []string{"BULLETIN", "SEVERITY", "BASELINE", "<embedded>: "}},
		{name: "show file", args: []string{"show", catalogs + "example.xml"}, code: 0,
			stdout: []string{
				"| MS17-010    | 2017-03-14 | Critical  | KB4013389, KB4012212 | Windows Server 2008 R2, Windows 7 | yes      |",
				"| EX-2026-001 | 2026-01-13 | Important | KB9000001",
			}},
		{name: "show bulletin", args: []string{"show", "--bulletin", "ex-2026-001", catalogs + "example.xml"}, code: 0,
			stdout: []string{
				"EX-2026-001  Example App update",
				"| KB9000001 | ExampleApp-1.2.5.msp | Important |",
				"EX-2026-002 KB9000002",
				`HKLM\SOFTWARE\Example\App\Updates\KB9000001\Installed equals "1"`,
				`key HKLM\SOFTWARE\Example\App\Updates\KB9000001 exists`,
				`%ProgramFiles%\Example\App\app.exe version 1.2.5.0 sha256 9f86d0`,
				"Example App 1.x [20]",
			}},
		{name: "show bulletin SP", args: []string{"show", "--bulletin", "MS17-010", catalogs + "example.xml"}, code: 0,
			stdout: []string{"Windows 7 [11] at Service Pack 1", `%SystemRoot%\System32\drivers\srv.sys version 6.1.7601.23689`}},
		{name: "show unknown bulletin", args: []string{"show", "--bulletin", "MS99-999", catalogs + "example.xml"}, code: ExitUsage,
			stderr: []string{"bulletin MS99-999 is not in catalog"}},
		{name: "show invalid", args: []string{"show", catalogs + "bad-dups.xml"}, code: ExitBadCatalog,
			stderr: []string{"bad-dups.xml: invalid: 6 problems", "duplicate BulletinID ms01-001"}},
		{name: "show two files", args: []string{"show", "a.xml", "b.xml"}, code: ExitUsage},
		{name: "show help", args: []string{"show", "--help"}, code: 0, stdout: []string{"Examples:", "patchscan catalog show --bulletin MS17-010"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCatalogCLI(t, tt.stdin, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, stdout, stderr)
			}
			for _, s := range tt.stdout {
				if !strings.Contains(stdout, s) {
					t.Errorf("stdout lacks %q:\n%s", s, stdout)
				}
			}
			for _, s := range tt.stderr {
				if !strings.Contains(stderr, s) {
					t.Errorf("stderr lacks %q:\n%s", s, stderr)
				}
			}
			for _, s := range tt.notStdout {
				if strings.Contains(stdout, s) {
					t.Errorf("stdout has %q:\n%s", s, stdout)
				}
			}
		})
	}
}

// TestCatalogValidateEveryProblem: every problem of the broken catalog is
// printed, one per line.
func TestCatalogValidateEveryProblem(t *testing.T) {
	code, _, stderr := runCatalogCLI(t, "", "validate", catalogs+"bad-values.xml")
	if code != ExitBadCatalog {
		t.Fatalf("exit %d", code)
	}
	n := len(regexp.MustCompile(`bad-values\.xml:\d+:\d+: `).FindAllString(stderr, -1))
	if !strings.Contains(stderr, "invalid: 34 problems") || n != 34 {
		t.Errorf("want 34 problems listed, got %d:\n%s", n, stderr)
	}
}

// TestCatalogThroughMain checks the wiring into the real root command and
// main's exit-code mapping.
func TestCatalogThroughMain(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.xml")
	if err := os.WriteFile(bad, []byte("<BulletinDatastore>"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	rootCmd.SetOut(&out)
	rootCmd.SetErr(&errb)
	defer func() { rootCmd.SetOut(nil); rootCmd.SetErr(nil) }()
	if code := run([]string{"catalog", "validate", catalogs + "example.xml"}); code != ExitCompliant {
		t.Errorf("valid catalog: exit %d\n%s", code, errb.String())
	}
	if code := run([]string{"catalog", "validate", bad}); code != ExitBadCatalog {
		t.Errorf("invalid catalog: exit %d", code)
	}
	if !strings.Contains(errb.String(), "bad.xml:1:20: malformed XML") {
		t.Errorf("stderr: %s", errb.String())
	}
}

// TestClean: catalog text cannot drive the terminal.
func TestClean(t *testing.T) {
	if got := textsafe.Line("MS\x1b[31m17\u0085-010\xff", maxCatalogText); got != "MS\ufffd[31m17 -010\ufffd" {
		t.Errorf("textsafe.Line = %q", got)
	}
}
