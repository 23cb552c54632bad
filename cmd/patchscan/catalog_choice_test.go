package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/patchscan/patchscan/catalog"
)

// TestDefaultCatalog: a scan without --catalog uses the newer of the
// cached and the embedded catalog, says which and its date, and warns
// when the data is more than 35 days old.
func TestDefaultCatalog(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	embedded, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	date, _ := time.Parse("2006-01-02", embedded.LastDataUpdate)

	var stderr bytes.Buffer
	cat, err := defaultCatalog(&stderr, date.AddDate(0, 0, 10))
	if err != nil || cat.LastDataUpdate != embedded.LastDataUpdate {
		t.Fatalf("catalog %v, err %v", cat, err)
	}
	if want := "patchscan: using the catalog built into patchscan data of " + embedded.LastDataUpdate + "\n"; stderr.String() != want {
		t.Errorf("stderr %q, want %q", stderr.String(), want)
	}

	stderr.Reset()
	if _, err := defaultCatalog(&stderr, date.AddDate(0, 0, 40)); err != nil || !strings.Contains(stderr.String(), "warning: the catalog's newest data is 40 days old") {
		t.Errorf("40 days later: stderr %q, err %v", stderr.String(), err)
	}

	src, err := os.ReadFile("../../catalog/default/catalog.xml")
	if err != nil {
		t.Fatal(err)
	}
	newer := bytes.Replace(src, []byte(`LastDataUpdate="`+embedded.LastDataUpdate+`"`), []byte(`LastDataUpdate="2099-12-31"`), 1)
	path := filepath.Join(cache, "patchscan", "catalog.xml")
	os.MkdirAll(filepath.Dir(path), 0o755)
	if err := os.WriteFile(path, newer, 0o644); err != nil {
		t.Fatal(err)
	}
	stderr.Reset()
	cat, err = defaultCatalog(&stderr, time.Date(2100, 1, 2, 0, 0, 0, 0, time.UTC))
	if err != nil || cat.LastDataUpdate != "2099-12-31" || stderr.String() != "patchscan: using the catalog from patchscan catalog update, "+path+", data of 2099-12-31\n" {
		t.Errorf("cached: date %s, stderr %q, err %v", cat.LastDataUpdate, stderr.String(), err)
	}
}
