package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/patchscan/patchscan/report"
	"github.com/patchscan/patchscan/scan"
	"github.com/patchscan/patchscan/scan/transport"
)

// TestScanStoreUnreachable: a store that cannot be reached does not lose
// the scan: the host's report file and the rollup are written, stderr
// says what failed, the exit status is 75, and the password given in the
// URL appears nowhere.
func TestScanStoreUnreachable(t *testing.T) {
	t.Setenv(envPassword, "pw-not-shown-75")
	out := filepath.Join(t.TempDir(), "reports")
	dead := itoa(closedPort(t))
	code, stdout, stderr := runScanCLI(t, "", "-u", `LAB\scanner`, "--smb-port", dead, "--out", out, "--format", "json",
		"--db", "postgres://scanner:Db-Secret-9@127.0.0.1:"+dead+"/patchscan?sslmode=disable", "127.0.0.1")
	if code != ExitStore {
		t.Fatalf("exit %d, want %d\nstderr: %s", code, ExitStore, stderr)
	}
	if !strings.Contains(stderr, "history store postgres://scanner@127.0.0.1:"+dead+"/patchscan") || !strings.Contains(stderr, "unreachable") ||
		!strings.Contains(stderr, "the report files hold every host") {
		t.Errorf("stderr does not say what failed:\n%s", stderr)
	}
	if strings.Contains(stdout+stderr, "Db-Secret-9") || strings.Contains(stdout+stderr, "pw-not-shown-75") {
		t.Error("a password is shown")
	}
	files, _ := filepath.Glob(filepath.Join(runDir(t, out), "*.xml"))
	if len(files) != 2 { // the host and rollup.xml
		t.Errorf("report files %v, want the host's and the rollup", files)
	}
	if len(parseJSONLines(t, stdout)) != 1 {
		t.Errorf("stdout lost the host:\n%s", stdout)
	}
}

// TestScanFlagsOfTheStore: what the store's flags refuse, before anything
// is scanned.
func TestScanFlagsOfTheStore(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--shard", "1/4"}, "--shard 1/4 needs --run-label"},
		{[]string{"--shard", "4/4", "--run-label", "w1"}, "I must be from 0 to 3"},
		{[]string{"--run-label", "2026-W48"}, "run label"},
		{[]string{"--fail-on", "warning"}, `--fail-on "warning"`},
		{[]string{"--deadlines", "critical=36h"}, "multiple of 24"},
		{[]string{"--deadlines", "@/nonexistent/deadlines.conf"}, "no such file"},
		{[]string{"--db", "x.db", "--no-db"}, "contradict"},
		{[]string{"--db", "postgres://u:pw@/db"}, "no host"},
	} {
		code, _, stderr := runScanCLI(t, "", append(tc.args, "--no-files", "127.0.0.1")...)
		if code != ExitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, %q; want 64 saying %q", tc.args, code, stderr, tc.want)
		}
	}
}

// TestReportHTMLFromFiles: report html over a directory of per-host files
// with one that is not a report: the page is written from the good ones,
// the bad one is named, exit 65.
func TestReportHTMLFromFiles(t *testing.T) {
	dir := t.TempDir()
	meta := report.Meta{Generated: time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC), CatalogVersion: "lab.1"}
	h := scan.HostResult{Target: "10.0.0.5", Name: "<script>x</script>", Address: "10.0.0.5", Status: transport.Unreachable,
		Error: errors.New("no answer"), Started: meta.Generated, Finished: meta.Generated.Add(time.Second)}
	f, err := os.Create(filepath.Join(dir, "a.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := report.WriteHostXML(f, meta, h); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := os.WriteFile(filepath.Join(dir, "b.xml"), []byte("<ScanReport xmlns=\"urn:patchscan:report:2\" generated=\"x\">"), 0o600); err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(t.TempDir(), "fleet.html")
	code, _, stderr := runCmd(t, newReportCmd(), "html", dir, "-o", page)
	if code != ExitBadCatalog || !strings.Contains(stderr, "b.xml") {
		t.Fatalf("exit %d, want 65 naming b.xml: %s", code, stderr)
	}
	b, err := os.ReadFile(page)
	if err != nil || !strings.Contains(string(b), `id="sum-notscanned">1<`) || strings.Contains(string(b), "<script>x") {
		t.Errorf("page (%v):\n%.1500s", err, b)
	}
	// With no store at the default place, history says so: exit 75.
	if code, _, stderr := runCmd(t, newHistoryCmd(), "--db", filepath.Join(t.TempDir(), "none.db")); code != ExitStore || !strings.Contains(stderr, "no such file") {
		t.Errorf("history of a missing store: exit %d: %s", code, stderr)
	}
}
