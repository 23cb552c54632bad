package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestDefaultUpToDate regenerates the embedded catalog from its sources
// and compares it with the committed one: make catalog is reproducible,
// and nobody edited catalog.xml (or legacy.xml, or the documents) without
// running it.
func TestDefaultUpToDate(t *testing.T) {
	out := filepath.Join(t.TempDir(), "catalog.xml")
	if err := run("../../default", out); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("../../default/catalog.xml")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("catalog/default/catalog.xml is not what make catalog writes from legacy.xml and msrc/ (%d bytes, regenerated %d): run make catalog", len(want), len(got))
	}
}
