package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/internal/imagelab"
	"github.com/patchscan/patchscan/report"
)

// TestOutReusedByScheduledScans: two runs into the same --out, the second
// with fewer hosts, as a scheduled scan whose host list shrank. Each run
// has its own folder; latest points to the second; no host file of the
// first run sits beside the second's; `patchscan rollup DIR` of the --out
// directory says exactly what the second run's rollup.xml says; and stderr
// says where the reports went (issue 13.12).
func TestOutReusedByScheduledScans(t *testing.T) {
	os19 := imagelab.Server2019(8388)
	good := imagelab.Build(t, imagelab.Spec{Reg: []string{os19.Reg()}})
	gone := imagelab.Build(t, imagelab.Spec{}) // no hives: an error host, known by its path
	t.Setenv(envPassword, "")
	out := filepath.Join(t.TempDir(), "SecurityScans")

	_, _, stderr1 := runScanCLI(t, "", "--image", good, "--image", gone, "--format", "json", "--out", out)
	first := runDir(t, out)
	if n := len(runFiles(t, out)); n != 2 {
		t.Fatalf("first run: %d host files, want 2\nstderr: %s", n, stderr1)
	}
	_, _, stderr2 := runScanCLI(t, "", "--image", good, "--format", "json", "--out", out)
	runs := report.Runs(out)
	if len(runs) != 2 {
		t.Fatalf("runs in %s: %v, want two folders", out, runs)
	}
	second, _ := filepath.EvalSymlinks(runDir(t, out))
	if second != runs[1] || second == first {
		t.Errorf("latest -> %s, want the second run %s", second, runs[1])
	}
	if files := runFiles(t, out); len(files) != 1 {
		t.Errorf("the second run's folder holds %v, want its one host file", files)
	}
	if !regexp.MustCompile(`patchscan: reports: ` + regexp.QuoteMeta(runs[1]) + ` \(per-host XML and rollup.xml\); ` + regexp.QuoteMeta(filepath.Join(out, "latest")) + ` points to it\n`).MatchString(stderr2) {
		t.Errorf("stderr does not say where the reports went:\n%s", stderr2)
	}

	code, stdout, stderr := execute(t, "rollup", out)
	if code != 0 {
		t.Fatalf("rollup %s: exit %d\n%s", out, code, stderr)
	}
	generated := regexp.MustCompile(` generated="[^"]*"`)
	want := generated.ReplaceAllString(string(readRunFile(t, out, report.RollupFile)), "")
	if got := generated.ReplaceAllString(stdout, ""); got != want {
		t.Errorf("patchscan rollup %s disagrees with the latest run's rollup.xml\n--- rollup DIR ---\n%s\n--- rollup.xml ---\n%s", out, got, want)
	}
	if strings.Contains(stdout, gone) {
		t.Errorf("the rollup of %s counts a host of the older run:\n%s", out, stdout)
	}
	// A run's folder, named directly, is read as it is.
	if code, stdout, _ := execute(t, "rollup", runs[0]); code != 0 || !strings.Contains(stdout, gone) {
		t.Errorf("rollup of the first run's folder: exit %d\n%s", code, stdout)
	}
}

// TestOutLatestNotALink: a "latest" of the operator's own in --out is
// never replaced: the scan stops before scanning (exit 70) and says why.
func TestOutLatestNotALink(t *testing.T) {
	out := t.TempDir()
	if err := os.Mkdir(filepath.Join(out, "latest"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv(envPassword, "")
	code, _, stderr := runScanCLI(t, "", "--image", t.TempDir(), "--format", "json", "--out", out)
	if code != ExitWrite || !strings.Contains(stderr, "is not a link") {
		t.Errorf("exit %d (want %d), stderr %q", code, ExitWrite, stderr)
	}
	if runs := report.Runs(out); len(runs) != 0 {
		t.Errorf("run folders %v made in an --out that cannot be used", runs)
	}
}

// TestRollupOfInterruptedRunsOnly: an --out whose runs were all
// interrupted has no latest link; rollup says so and names the run to
// read instead of only "no ScanReport files".
func TestRollupOfInterruptedRunsOnly(t *testing.T) {
	out := t.TempDir()
	d, err := report.NewRunDir(out, report.Meta{Generated: testT0})
	if err != nil {
		t.Fatal(err)
	}
	d.MarkIncomplete()
	for _, h := range testHosts("WS01", testT0, true) {
		if err := d.Write(h); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := execute(t, "rollup", out)
	if code != ExitUsage || !strings.Contains(stderr, "no complete run") || !strings.Contains(stderr, d.Path()) {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	if code, stdout, _ := execute(t, "rollup", d.Path()); code != 0 || !strings.Contains(stdout, `name="WS01"`) {
		t.Errorf("rollup of the run's folder: exit %d\n%s", code, stdout)
	}
}
