package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/patchscan/patchscan/internal/testenv"
	"github.com/patchscan/patchscan/report"
	"github.com/patchscan/patchscan/scan"
	"github.com/spf13/pflag"
)

func writeRun(t *testing.T, dir string, meta report.Meta, hosts []scan.HostResult) {
	t.Helper()
	s, err := report.NewDir(dir, meta)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hosts {
		if err := s.Write(h); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// execute runs the CLI as main does, returning the exit code and stderr.
func execute(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	// Flag values live in package variables: reset them between runs.
	for _, c := range rootCmd.Commands() {
		c.Flags().VisitAll(func(f *pflag.Flag) {
			_ = f.Value.Set(f.DefValue)
			f.Changed = false
		})
	}
	defer rootCmd.SetOut(nil)
	defer rootCmd.SetErr(nil)
	return runCommand(rootCmd, nil, hfnetchk(args)...)
}

func xsdCheck(t *testing.T, xsd, file string) {
	t.Helper()
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		testenv.MissingPart(t, "xmllint not found (Debian package libxml2-utils): schema check skipped")
		return
	}
	if out, err := exec.Command(xmllint, "--noout", "--nonet", "--schema", xsd, file).CombinedOutput(); err != nil {
		t.Errorf("%s does not validate against %s: %v\n%s", file, xsd, err, out)
	}
}

func TestRollupTwoRunsNewestWins(t *testing.T) {
	siteA, siteB := t.TempDir(), t.TempDir()
	// Site A scanned WS01 yesterday (missing MS17-010); site B today (installed).
	writeRun(t, siteA, report.Meta{CatalogVersion: "2026.11.1", Generated: testT0.Add(-24 * time.Hour)},
		testHosts("WS01", testT0.Add(-24*time.Hour), true))
	writeRun(t, siteB, report.Meta{CatalogVersion: "2026.11.1", Generated: testT0},
		append(testHosts("WS01", testT0, false)[:1], testHosts("SRV02", testT0, true)[0]))
	out := filepath.Join(t.TempDir(), "all.xml")
	for _, order := range [][]string{{siteA, siteB}, {siteB, siteA}} {
		code, _, stderr := execute(t, append([]string{"rollup", "--out", out}, order...)...)
		if code != 0 {
			t.Fatalf("rollup %v: exit %d: %s", order, code, stderr)
		}
		doc, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		xsdCheck(t, filepath.Join("..", "..", "report", "rollup.xsd"), out)
		s := string(doc)
		for _, want := range []string{
			`catalogVersion="2026.11.1"`,
			`<Summary hosts="3" scanned="2" failed="1" compliant="1" missing="1" warning="0" vulnerable="0" exploited="0"/>`,
			`<Host name="WS01" address="127.0.0.21" computerName="WS01" status="scanned" missing="0"`,
			`<Host name="DOWN" address="127.0.0.22" status="unreachable"`,
			`<Bulletin id="MS17-010" kb="KB4012212" severity="Critical" missing="1">`,
			`<Host name="SRV02"`,
		} {
			if !strings.Contains(s, want) {
				t.Errorf("rollup %v lacks %s:\n%s", order, want, s)
			}
		}
	}
}

func TestRollupErrors(t *testing.T) {
	good := t.TempDir()
	writeRun(t, good, report.Meta{CatalogVersion: "1", Generated: testT0}, testHosts("WS01", testT0, true))
	bad := t.TempDir()
	if err := os.WriteFile(filepath.Join(bad, "broken.xml"), []byte(`<ScanReport xmlns="urn:patchscan:report:1" generated="2026-11-22T10:00:00Z"><Host name="x"`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bad, "notes.txt"), []byte("ignored"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bad, "other.xml"), []byte(`<html/>`), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := t.TempDir()

	t.Run("bad file is named, rollup still written, exit 65", func(t *testing.T) {
		code, stdout, stderr := execute(t, "rollup", good, bad)
		if code != ExitBadCatalog {
			t.Errorf("exit %d, want %d", code, ExitBadCatalog)
		}
		if !strings.Contains(stderr, filepath.Join(bad, "broken.xml")) || !strings.Contains(stderr, "1 of 4 inputs") {
			t.Errorf("stderr does not name the bad file: %s", stderr)
		}
		if !strings.Contains(stderr, "skipping "+filepath.Join(bad, "other.xml")) {
			t.Errorf("stderr does not say other.xml was skipped: %s", stderr)
		}
		if !strings.Contains(stdout, `<Summary hosts="2"`) {
			t.Errorf("rollup not written to stdout: %s", stdout)
		}
	})
	t.Run("missing dir", func(t *testing.T) {
		code, _, stderr := execute(t, "rollup", filepath.Join(empty, "nope"), "--out", "-")
		if code != ExitUsage || !strings.Contains(stderr, "nope") {
			t.Errorf("exit %d, stderr %s", code, stderr)
		}
	})
	t.Run("no reports", func(t *testing.T) {
		code, _, stderr := execute(t, "rollup", empty, "--out", "-")
		if code != ExitUsage || !strings.Contains(stderr, "no ScanReport files") {
			t.Errorf("exit %d, stderr %s", code, stderr)
		}
	})
	t.Run("no args", func(t *testing.T) {
		if code, _, _ := execute(t, "rollup"); code != ExitUsage {
			t.Errorf("exit %d", code)
		}
	})
	t.Run("rollup.xml and files given directly", func(t *testing.T) {
		code, stdout, stderr := execute(t, "rollup", filepath.Join(good, "WS01.xml"), good, "--out", "-")
		if code != 0 || !strings.Contains(stdout, `<Summary hosts="2"`) {
			t.Errorf("exit %d, stdout %s, stderr %s", code, stdout, stderr)
		}
	})
	t.Run("unwritable out is 70", func(t *testing.T) {
		code, _, stderr := execute(t, "rollup", good, "--out", filepath.Join(empty, "no", "such", "dir", "r.xml"))
		if code != ExitWrite || !strings.Contains(stderr, "--out") {
			t.Errorf("exit %d (want %d), stderr %s", code, ExitWrite, stderr)
		}
	})
}

// TestRollupUnreadableInputs: inputs that exist but cannot be read (a
// directory without read permission, a symlink loop) are named on stderr
// and the rest is still rolled up, with exit 65 (issue 13.15: it was 64,
// as for a typo).
func TestRollupUnreadableInputs(t *testing.T) {
	good := t.TempDir()
	writeRun(t, good, report.Meta{CatalogVersion: "1", Generated: testT0}, testHosts("WS01", testT0, true))
	locked := t.TempDir()
	loop := filepath.Join(t.TempDir(), "loop.xml")
	if err := os.Symlink(loop, loop); err != nil {
		t.Fatal(err)
	}
	// Root reads every directory whatever its mode, so the directory is
	// made unreadable the way a non-root operator meets it.
	orig := rollupReadDir
	t.Cleanup(func() { rollupReadDir = orig })
	rollupReadDir = func(name string) ([]os.DirEntry, error) {
		if name == locked {
			return nil, &os.PathError{Op: "open", Path: name, Err: syscall.EACCES}
		}
		return orig(name)
	}
	code, stdout, stderr := execute(t, "rollup", good, locked, loop)
	if code != ExitBadCatalog {
		t.Errorf("exit %d, want %d; stderr %s", code, ExitBadCatalog, stderr)
	}
	for _, want := range []string{"cannot read directory " + locked, "permission denied", "cannot read " + loop, "2 of 4 inputs"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if !strings.Contains(stdout, `<Summary hosts="2"`) {
		t.Errorf("the readable reports were not rolled up: %s", stdout)
	}
}

// TestRollupWarnsMixedCatalogs: hosts judged by different catalogs are
// said to be, once, with the versions (issue 13.15).
func TestRollupWarnsMixedCatalogs(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	writeRun(t, a, report.Meta{CatalogVersion: "2026.10.1", Generated: testT0}, testHosts("WS01", testT0, true)[:1])
	writeRun(t, b, report.Meta{CatalogVersion: "2026.11.1", Generated: testT0}, testHosts("SRV02", testT0, false)[:1])
	code, _, stderr := execute(t, "rollup", a, b)
	if code != 0 || !strings.Contains(stderr, "warning: the reports were made with 2 catalog versions (2026.10.1: 1 host(s), 2026.11.1: 1 host(s))") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	code, _, stderr = execute(t, "rollup", a)
	if code != 0 || strings.Contains(stderr, "warning") {
		t.Errorf("one catalog: exit %d, stderr %q", code, stderr)
	}
}
