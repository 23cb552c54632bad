package report

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestRunDir: each run gets its own folder (two in one second too); a
// complete run moves the relative latest link to itself; an interrupted
// one leaves the link on the last complete run and its rollup.xml says
// interrupted="true" (valid against rollup.xsd).
func TestRunDir(t *testing.T) {
	root := filepath.Join(t.TempDir(), "out")
	run := func(interrupted bool) *RunDir {
		t.Helper()
		d, err := NewRunDir(root, testMeta) // the same start time each run
		if err != nil {
			t.Fatal(err)
		}
		if interrupted {
			d.MarkIncomplete()
		}
		feed(t, d, fixtureHosts()[:2])
		return d
	}
	first := run(false)
	if link, err := os.Readlink(filepath.Join(root, LatestLink)); err != nil || link != "2026-11-22T100000Z" || !first.Linked() {
		t.Fatalf("latest -> %q (%v), want the first run's folder, relative", link, err)
	}
	second := run(true)
	if second.Path() != filepath.Join(root, "2026-11-22T100000Z-2") || second.Linked() {
		t.Errorf("second run in %s (linked %v)", second.Path(), second.Linked())
	}
	if dir, ok := LatestRun(root); !ok || dir != filepath.Join(root, LatestLink) {
		t.Errorf("LatestRun = %s, %v", dir, ok)
	}
	if link, _ := os.Readlink(filepath.Join(root, LatestLink)); link != "2026-11-22T100000Z" {
		t.Errorf("an interrupted run moved latest to %s", link)
	}
	roll, err := os.ReadFile(filepath.Join(second.Path(), RollupFile))
	if err != nil || !bytes.Contains(roll, []byte(` interrupted="true"`)) {
		t.Errorf("interrupted run's rollup (%v):\n%s", err, roll)
	}
	validate(t, rollupXSD, roll)
	third := run(false)
	if link, _ := os.Readlink(filepath.Join(root, LatestLink)); link != filepath.Base(third.Path()) {
		t.Errorf("latest -> %s, want the third run", link)
	}
	if runs := Runs(root); len(runs) != 3 || runs[2] != third.Path() {
		t.Errorf("Runs = %v", runs)
	}
	ents, _ := os.ReadDir(root)
	if len(ents) != 4 { // three runs and the link: no temp link left
		t.Errorf("%s holds %d entries", root, len(ents))
	}
	if IsRunName("latest") || IsRunName("2026-11-22T10:00:00Z") || !IsRunName(time.Now().UTC().Format(runNameLayout)) {
		t.Error("IsRunName")
	}
}
