package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/patchscan/patchscan/catalog"
	"github.com/patchscan/patchscan/catalog/update"
)

// TestCatalogUpdate runs `catalog update` against a fake MSRC API on
// loopback serving the real February 2026 document: the catalog is
// written, a second run fetches nothing, and a failing source keeps it.
func TestCatalogUpdate(t *testing.T) {
	doc := gunzip(t, msrcDocs+"cvrfDocument-2026-Feb.xml.gz")
	var fail atomic.Bool
	var fetches atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case fail.Load():
			http.Error(w, "maintenance", http.StatusServiceUnavailable)
		case r.URL.Path == "/cvrf/v3.0/updates":
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"value":[{"ID":"2026-Feb","CurrentReleaseDate":"2026-03-01T01:01:55Z"}]}`)
		case r.URL.Path == "/cvrf/v3.0/cvrf/2026-Feb":
			fetches.Add(1)
			w.Header().Set("Content-Type", "application/xml")
			io.WriteString(w, doc)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	dir := t.TempDir()
	args := []string{"update", "--source", srv.URL + "/cvrf/v3.0/", "--since", "2026-02", "--cache-dir", dir}
	code, _, stderr := runCatalogCLI(t, "", args...)
	want := "patchscan: catalog updated: " + filepath.Join(dir, "catalog.xml") + ", 1 documents (2026-Feb to 2026-Feb), 1 fetched, 0 unchanged, data of 2026-03-01"
	if code != 0 || !strings.Contains(stderr, want) || !strings.Contains(stderr, "more than 35 days ago") {
		t.Fatalf("exit %d, stderr:\n%s\nwant %q", code, stderr, want)
	}
	c, err := catalog.LoadFile(filepath.Join(dir, "catalog.xml"))
	if err != nil || c.Bulletins[0].ID != "2026-Feb" {
		t.Fatalf("cached catalog: %v", err)
	}
	before, _ := os.ReadFile(filepath.Join(dir, "catalog.xml"))
	if code, _, stderr = runCatalogCLI(t, "", args...); code != 0 || !strings.Contains(stderr, "0 fetched, 1 unchanged") || fetches.Load() != 1 {
		t.Errorf("second run: exit %d, %d fetches, stderr:\n%s", code, fetches.Load(), stderr)
	}
	fail.Store(true)
	code, _, stderr = runCatalogCLI(t, "", args...)
	if code != ExitUnavailable || !strings.Contains(stderr, "HTTP 503 Service Unavailable") || !strings.Contains(stderr, "kept the last good catalog "+filepath.Join(dir, "catalog.xml")+" (data of 2026-03-01)") {
		t.Errorf("failing source: exit %d, stderr:\n%s", code, stderr)
	}
	if after, _ := os.ReadFile(filepath.Join(dir, "catalog.xml")); string(after) != string(before) {
		t.Error("the failing update changed the cached catalog")
	}
}

// TestCatalogUpdateNoDNS: under the loopback policy (the tests' and make
// demo's) the default source, MSRC's API, is never asked for: its name is
// not resolved by DNS, so the update fails at once and keeps nothing.
func TestCatalogUpdateNoDNS(t *testing.T) {
	dir := t.TempDir()
	start := time.Now()
	code, _, stderr := runCatalogCLI(t, "", "update", "--cache-dir", dir, "--since", "2026-01")
	if code != ExitUnavailable || !strings.Contains(stderr, "https://api.msrc.microsoft.com/cvrf/v3.0/updates") ||
		!strings.Contains(stderr, "refusing to ask the system's DNS servers") || !strings.Contains(stderr, "no catalog was written") {
		t.Errorf("exit %d, stderr %s", code, stderr)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
}

func TestCatalogUpdateUsage(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"update", "--source", "http://127.0.0.1:1/", "--since", "March", "--cache-dir", dir}, `--since "March": want a month as YYYY-MM`},
		{[]string{"update", "--source", filepath.Join(dir, "none"), "--cache-dir", dir}, "give an http(s) URL or a directory of CVRF documents"},
		{[]string{"update", "extra"}, "unknown command"},
	} {
		code, _, stderr := runCatalogCLI(t, "", tc.args...)
		if code != ExitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d, %q", tc.args, code, stderr, ExitUsage, tc.want)
		}
	}
}

// TestProgressLine: one line per document on a terminal, redrawn while it
// arrives.
func TestProgressLine(t *testing.T) {
	var b strings.Builder
	p := progressLine(&b)
	p(update.Progress{Done: 0, Total: 2, ID: "2026-Jan", State: "checking"})
	p(update.Progress{Done: 0, Total: 2, ID: "2026-Jan", State: "fetching", Bytes: 3 << 20})
	p(update.Progress{Done: 1, Total: 2, ID: "2026-Jan", State: "fetched"})
	p(update.Progress{Done: 2, Total: 2, ID: "2026-Feb", State: "unchanged"})
	want := "\r\x1b[K[1/2] 2026-Jan ...\r\x1b[K[1/2] 2026-Jan 3.0 MB\r\x1b[K[1/2] 2026-Jan fetched\n\r\x1b[K[2/2] 2026-Feb unchanged\n"
	if b.String() != want {
		t.Errorf("progress %q\nwant     %q", b.String(), want)
	}
}
