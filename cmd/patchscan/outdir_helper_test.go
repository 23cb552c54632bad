package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/report"
)

// runDir is the folder of the newest complete run written with --out
// out: the one out/latest points to. A missing link fails the test.
// Tests that read report files go through it.
func runDir(t *testing.T, out string) string {
	t.Helper()
	dir, ok := report.LatestRun(out)
	if !ok {
		t.Fatalf("%s has no %s link to a run (runs: %v)", out, report.LatestLink, report.Runs(out))
	}
	return dir
}

// newestRun is the folder of the newest run written with --out out,
// complete or not (an interrupted run gets no latest link).
func newestRun(t *testing.T, out string) string {
	t.Helper()
	runs := report.Runs(out)
	if len(runs) == 0 {
		t.Fatalf("%s holds no run folder", out)
	}
	return runs[len(runs)-1]
}

// runFiles lists the per-host XML files of the newest complete run under
// out (rollup.xml left out).
func runFiles(t *testing.T, out string) []string {
	t.Helper()
	return hostFiles(t, runDir(t, out))
}

// hostFiles lists the per-host XML files in dir (rollup.xml left out).
func hostFiles(t *testing.T, dir string) []string {
	t.Helper()
	all, err := filepath.Glob(filepath.Join(dir, "*.xml"))
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, f := range all {
		if !strings.EqualFold(filepath.Base(f), report.RollupFile) {
			files = append(files, f)
		}
	}
	return files
}

// runFile is the path of a file of the newest complete run under out.
func runFile(t *testing.T, out, name string) string {
	t.Helper()
	return filepath.Join(runDir(t, out), name)
}

// readRunFile reads a file of the newest complete run under out.
func readRunFile(t *testing.T, out, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(runFile(t, out, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
