package main

import (
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/catalog"
)

const msrcDocs = "../../catalog/default/msrc/"

func gunzip(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(z)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestCatalogImportMSRC: the four shared documents become a catalog that
// loads, with the data's problems on stderr.
func TestCatalogImportMSRC(t *testing.T) {
	out := filepath.Join(t.TempDir(), "msrc.xml")
	files, _ := filepath.Glob(msrcDocs + "*.xml.gz")
	code, stdout, stderr := runCatalogCLI(t, "", append([]string{"import", "msrc", "-o", out}, files...)...)
	if code != 0 || stdout != "" {
		t.Fatalf("exit %d, stdout %q, stderr:\n%s", code, stdout, stderr)
	}
	for _, want := range []string{
		"patchscan: warning: 2021-Jul KB5004948 (CVE-2021-34527) on Windows 10 Version 1607 for 32-bit Systems",
		"MSRC gives no fixed build for KB5004948",
		"patchscan: imported MSRC 2021-Jul to 2026-Feb (4 documents) (data of 2026-03-01): 62 products, 4 bulletins, 160 patches (54 notes: data that cannot be checked), 247 CVEs; 10 warnings",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	c, err := catalog.LoadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if c.LastDataUpdate != "2026-03-01" || len(c.Bulletins) != 4 || len(c.Products) != 62 {
		t.Errorf("loaded %s: %s, %d bulletins, %d products", out, c.LastDataUpdate, len(c.Bulletins), len(c.Products))
	}
	code, stdout, stderr = runCatalogCLI(t, "", "validate", out)
	if code != 0 || !strings.Contains(stdout, "valid: 4 bulletins, 160 patches, 62 products") {
		t.Errorf("validate: exit %d, stdout %q, stderr %s", code, stdout, stderr)
	}
}

func TestCatalogImportMSRCStdin(t *testing.T) {
	code, stdout, stderr := runCatalogCLI(t, gunzip(t, msrcDocs+"cvrfDocument-2026-Feb.xml.gz"), "import", "msrc", "-")
	if code != 0 || !strings.HasPrefix(stdout, `<?xml version="1.0" encoding="utf-8"?>`) || !strings.Contains(stdout, `BulletinID="2026-Feb"`) {
		t.Fatalf("exit %d, stdout %.200q, stderr %s", code, stdout, stderr)
	}
	if _, err := catalog.Load(strings.NewReader(stdout), "<stdout>"); err != nil {
		t.Error(err)
	}
}

func TestCatalogImportMSRCErrors(t *testing.T) {
	notCVRF := filepath.Join(t.TempDir(), "catalog.xml")
	os.WriteFile(notCVRF, []byte(`<BulletinDatastore/>`), 0o644)
	out := filepath.Join(t.TempDir(), "out.xml")
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"import", "msrc"}, ExitUsage, "requires at least 1 arg"},
		{[]string{"import", "msrc", "-", "-"}, ExitUsage, `"-" (standard input) can be given only once`},
		{[]string{"import", "msrc", notCVRF, "-o", out}, ExitBadCatalog, "root element is <BulletinDatastore>"},
		{[]string{"import", "msrc", filepath.Join(t.TempDir(), "missing.xml")}, ExitBadCatalog, "no such file"},
		{[]string{"import", "msrc", msrcDocs + "cvrfDocument-2026-Feb.xml.gz", "-o", filepath.Join(t.TempDir(), "no", "dir.xml")}, ExitInternal, "writing the catalog"},
	} {
		code, _, stderr := runCatalogCLI(t, "", tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d, %q", tc.args, code, stderr, tc.code, tc.want)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a failed import wrote its output")
	}
}
