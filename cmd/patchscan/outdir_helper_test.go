package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// runDir is the directory that holds the reports of the newest run
// written with --out out. Tests that read report files go through it.
func runDir(t *testing.T, out string) string {
	t.Helper()
	return out
}

// runFiles lists the per-host XML files of the newest run under out
// (rollup.xml left out).
func runFiles(t *testing.T, out string) []string {
	t.Helper()
	all, err := filepath.Glob(filepath.Join(runDir(t, out), "*.xml"))
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, f := range all {
		if !strings.EqualFold(filepath.Base(f), "rollup.xml") {
			files = append(files, f)
		}
	}
	return files
}
