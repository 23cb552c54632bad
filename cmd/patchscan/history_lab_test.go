package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/patchscan/patchscan/internal/lab"
)

// runCmd runs a fresh command (history, diff, report) in-process.
func runCmd(t *testing.T, c *cobra.Command, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return runCommand(c, nil, args...)
}

// setRegistry changes a value on a running lab host, as an administrator
// would on Windows between two scans.
func setRegistry(t *testing.T, h *lab.Host, key, name, typ, value string) {
	t.Helper()
	cmd := exec.Command(lab.NET, "-s", h.Conf(), "registry", "setvalue", key, name, typ, value)
	cmd.Env = append(os.Environ(), "_NO_WINBINDD=1", "WINBINDD_SOCKET_DIR=/nonexistent")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("net registry setvalue: %v: %s", err, out)
	}
}

type diffLine struct {
	Kind, Host, Address, Bulletin, KB, Before, After, Due string
	Overdue                                               *bool
}

// TestHistoryLabDiff: two scans of real Samba lab hosts into one store,
// with one registry value changed on one host in between: diff shows
// exactly that one change, history lists both runs and the host's
// timeline, and the old missing Critical patch on the other host is
// overdue with the right due date in every format.
func TestHistoryLabDiff(t *testing.T) {
	l := lab.Start(t, lab.StandardHostsNamed(lab.Patched, lab.OldFile)...)
	t.Setenv(envPassword, l.Password)
	db := filepath.Join(t.TempDir(), "history.db")
	out := filepath.Join(t.TempDir(), "reports")
	patched, old := l.Host(lab.Patched), l.Host(lab.OldFile)
	scanArgs := []string{"-u", l.Domain + `\` + l.User, "--catalog", labCatalog, "--checksums", "on", "--db", db,
		"--out", out, "--format", "json", patched.IP, old.IP}

	code, stdout, stderr := runScanCLI(t, "", scanArgs...)
	if code != ExitMissing {
		t.Fatalf("first scan: exit %d\nstderr: %s", code, stderr)
	}
	// MS17-010 (DatePosted 2017-03-14, Critical) on the old-file host: due
	// 2017-03-15, overdue, in JSON and in the host's XML file.
	hosts := parseJSONLines(t, stdout)
	var found bool
	for _, r := range hosts[old.IP].Results {
		if r.KB == "KB4012212" {
			found = true
			if r.Status != "missing" || r.Due != "2017-03-15" || r.Overdue == nil || !*r.Overdue {
				t.Errorf("old-file MS17-010: %s due %q overdue %v, want missing, 2017-03-15, true", r.Status, r.Due, r.Overdue)
			}
		}
	}
	if !found {
		t.Fatalf("no KB4012212 result for %s: %s", old.IP, stdout)
	}
	xmlFiles := runFiles(t, out)
	var xmlHit bool
	for _, f := range xmlFiles {
		b, _ := os.ReadFile(f)
		xmlHit = xmlHit || bytes.Contains(b, []byte(`kb="KB4012212"`)) && bytes.Contains(b, []byte(`status="missing" `)) &&
			bytes.Contains(b, []byte(`due="2017-03-15" overdue="true"`))
	}
	if !xmlHit {
		t.Errorf("no per-host XML file carries due=\"2017-03-15\" overdue=\"true\" (%v)", xmlFiles)
	}

	// Between the scans, the patched host loses its KB4012212 registry
	// value; nothing else changes.
	setRegistry(t, patched, `HKLM\SOFTWARE\Microsoft\Updates\Windows 7\SP1\KB4012212`, "Installed", "dword", "0")
	if code, _, stderr = runScanCLI(t, "", scanArgs...); code != ExitMissing {
		t.Fatalf("second scan: exit %d\nstderr: %s", code, stderr)
	}

	code, stdout, stderr = runCmd(t, newDiffCmd(), "--db", db, "--format", "json")
	if code != 0 {
		t.Fatalf("diff: exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 1 {
		t.Fatalf("diff: %d changes, want exactly 1:\n%s", len(lines), stdout)
	}
	var d diffLine
	if err := json.Unmarshal([]byte(lines[0]), &d); err != nil {
		t.Fatal(err)
	}
	if d.Kind != "missing" || d.Address != patched.IP || d.Bulletin != "MS17-010" || d.KB != "KB4012212" ||
		d.Before != "installed" || d.After != "missing" || d.Due != "2017-03-15" || d.Overdue == nil || !*d.Overdue {
		t.Errorf("diff: %s", lines[0])
	}
	if code, stdout, _ = runCmd(t, newDiffCmd(), "--db", db, "--exit-code"); code != 1 || !strings.Contains(stdout, "1 change(s)") {
		t.Errorf("diff --exit-code: exit %d\n%s", code, stdout)
	}
	t.Logf("patchscan diff:\n%s", stdout)

	code, stdout, stderr = runCmd(t, newHistoryCmd(), "--db", db)
	if code != 0 || strings.Count(stdout, "complete") != 2 {
		t.Errorf("history: exit %d\n%s%s", code, stdout, stderr)
	}
	t.Logf("patchscan history:\n%s", stdout)
	code, stdout, stderr = runCmd(t, newHistoryCmd(), "--db", db, patched.IP)
	if code != 0 || !strings.Contains(stdout, "+KB4012212 missing") {
		t.Errorf("history %s: exit %d\n%s%s", patched.IP, code, stdout, stderr)
	}
	t.Logf("patchscan history %s:\n%s", patched.IP, stdout)

	// The HTML report, from the store and from the report files.
	page := filepath.Join(t.TempDir(), "fleet.html")
	if code, _, stderr = runCmd(t, newReportCmd(), "html", "--db", db, "-o", page); code != 0 {
		t.Fatalf("report html: exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(page)
	if err != nil || !bytes.Contains(b, []byte(`id="sum-hosts">2<`)) || !bytes.Contains(b, []byte(`id="sum-overdue">2<`)) {
		t.Errorf("report html from the store: %v\n%.2000s", err, b)
	}
	if code, _, stderr = runCmd(t, newReportCmd(), "html", out, "-o", page); code != 0 {
		t.Fatalf("report html DIR: exit %d: %s", code, stderr)
	}
	if b, _ = os.ReadFile(page); !bytes.Contains(b, []byte(`id="sum-missing">2<`)) {
		t.Errorf("report html from the files:\n%.2000s", b)
	}
}
