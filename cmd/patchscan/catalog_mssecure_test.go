package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/catalog"
	"github.com/patchscan/patchscan/catalog/mssecure/mssecuretest"
	"github.com/patchscan/patchscan/internal/testenv"
)

// plainSample writes the real sample, decompressed, into a temporary file.
func plainSample(t *testing.T, withMS01005 bool) string {
	t.Helper()
	b, err := mssecuretest.Sample()
	if withMS01005 {
		b, err = mssecuretest.WithMS01005()
	}
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "mssecure.xml")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// xpathCount counts nodes of a document with xmllint, a reader nobody here
// wrote.
func xpathCount(t *testing.T, file, xpath string) int {
	t.Helper()
	xmllint := testenv.Xmllint(t)
	out, err := exec.Command(xmllint, "--xpath", "count("+xpath+")", file).Output()
	if err != nil {
		t.Fatalf("xmllint --xpath %s: %v", xpath, err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatalf("xmllint said %q", out)
	}
	return n
}

var mssecureSummary = regexp.MustCompile(`patchscan: imported mssecure.xml 1\.0\.1\.148 \(data of 2001-10-04\): (\d+) bulletins, (\d+) patches, (\d+) of them with registry or file checks, (\d+) products \((\d+) detected by rules, (\d+) cannot be recognised remotely\) -> (\d+) bulletins, (\d+) patches \((\d+) judged by checks, (\d+) notes\); (\d+) warnings`)

// TestCatalogImportMssecure: the real file imports without errors; the
// summary's counts of the source equal what xmllint counts in it, and the
// catalog written validates.
func TestCatalogImportMssecure(t *testing.T) {
	src := plainSample(t, true)
	out := filepath.Join(t.TempDir(), "native.xml")
	code, stdout, stderr := runCatalogCLI(t, "", "import", "mssecure", src, "-o", out)
	if code != 0 || stdout != "" {
		t.Fatalf("exit %d, stdout %q, stderr:\n%s", code, stdout, stderr)
	}
	m := mssecureSummary.FindStringSubmatch(stderr)
	if m == nil {
		t.Fatalf("no summary in stderr:\n%s", stderr)
	}
	n := func(i int) int { v, _ := strconv.Atoi(m[i]); return v }
	for _, c := range []struct {
		what  string
		got   int
		xpath string
	}{
		{"bulletins", n(1), "/BulletinDatastore/Bulletins/Bulletin"},
		{"patches", n(2), "/BulletinDatastore/Bulletins/Bulletin/Patches/Patch"},
		{"patches with registry or file checks", n(3), "/BulletinDatastore/Bulletins/Bulletin/Patches/Patch[RegChgs/RegChg or FileChgs/FileChg]"},
		{"products", n(4), "/BulletinDatastore/Products/Product"},
	} {
		if want := xpathCount(t, src, c.xpath); c.got != want {
			t.Errorf("%s: the summary says %d, xmllint counts %d", c.what, c.got, want)
		}
	}
	if n(5)+n(6) != n(4) || n(7) != n(1) || n(9)+n(10) != n(8) || n(9) == 0 || n(11) != strings.Count(stderr, "patchscan: warning: ") {
		t.Errorf("summary inconsistent: %s", m[0])
	}
	c, err := catalog.LoadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Bulletins) != n(7) || c.FormatVersion != 2 {
		t.Errorf("%d bulletins, format %d", len(c.Bulletins), c.FormatVersion)
	}
	code, stdout, stderr = runCatalogCLI(t, "", "validate", out)
	if code != 0 || !strings.Contains(stdout, "valid: 41 bulletins") {
		t.Errorf("validate: exit %d, stdout %q, stderr %s", code, stdout, stderr)
	}
}

// TestCatalogImportMssecureStdin: "-" reads standard input, gzip or not,
// and the catalog goes to standard output.
func TestCatalogImportMssecureStdin(t *testing.T) {
	b, err := os.ReadFile(mssecuretest.SamplePath())
	if err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCatalogCLI(t, string(b), "import", "mssecure", "-")
	if code != 0 || !strings.HasPrefix(stdout, `<?xml version="1.0" encoding="utf-8"?>`) || !strings.Contains(stdout, `BulletinID="MS98-001"`) {
		t.Fatalf("exit %d, stdout %.200q, stderr %s", code, stdout, stderr)
	}
	if _, err := catalog.Load(strings.NewReader(stdout), "<stdout>"); err != nil {
		t.Error(err)
	}
}

func TestCatalogImportMssecureErrors(t *testing.T) {
	dir := t.TempDir()
	damaged := filepath.Join(dir, "damaged.xml")
	os.WriteFile(damaged, []byte(`<BulletinDatastore ToolVersion="3.1">
<Bulletins><Bulletin Title="no ID"><Patches><Patch SBID="x"/></Patches></Bulletin></Bulletins>
</BulletinDatastore>`), 0o644)
	truncated := filepath.Join(dir, "truncated.xml")
	os.WriteFile(truncated, []byte("<BulletinDatastore ToolVersion=\"3.1\">\n<Bulletins><Bulletin BulletinID=\"MS01-001\""), 0o644)
	for _, tc := range []struct {
		args []string
		code int
		want []string
	}{
		{[]string{"import", "mssecure"}, ExitUsage, []string{"accepts 1 arg(s)"}},
		{[]string{"import", "mssecure", damaged}, ExitBadCatalog, []string{damaged + ": invalid: 2 problems",
			damaged + ":2:12: <Bulletin>: BulletinID is missing or empty", damaged + `:2:45: <Patch>: SBID="x" is not an ID`}},
		{[]string{"import", "mssecure", truncated}, ExitBadCatalog, []string{truncated + ":2:43: malformed XML: unexpected EOF"}},
		{[]string{"import", "mssecure", catalogs + "example.xml"}, ExitBadCatalog, []string{"neither SchemaVersion nor ToolVersion is given"}},
		{[]string{"import", "mssecure", filepath.Join(dir, "missing.xml")}, ExitBadCatalog, []string{"no such file"}},
		{[]string{"import", "mssecure", mssecuretest.SamplePath(), "-o", filepath.Join(dir, "no", "dir.xml")}, ExitInternal, []string{"writing the catalog"}},
	} {
		code, _, stderr := runCatalogCLI(t, "", tc.args...)
		if code != tc.code {
			t.Errorf("%v: exit %d, want %d\n%s", tc.args, code, tc.code, stderr)
		}
		for _, w := range tc.want {
			if !strings.Contains(stderr, w) {
				t.Errorf("%v: stderr lacks %q:\n%s", tc.args, w, stderr)
			}
		}
	}
}

// TestCatalogMssecureOnTheFly: validate and show read mssecure.xml as it
// is, converting it and saying so.
func TestCatalogMssecureOnTheFly(t *testing.T) {
	code, stdout, stderr := runCatalogCLI(t, "", "validate", mssecuretest.SamplePath())
	if code != 0 || !strings.Contains(stdout, "valid: 40 bulletins, 62 patches") {
		t.Errorf("validate: exit %d, stdout %q\n%s", code, stdout, stderr)
	}
	for _, w := range []string{"is Microsoft's mssecure.xml (HFNetChk 3.1), converted on the fly: mssecure.xml 1.0.1.148", "warning: " + mssecuretest.SamplePath() + ":"} {
		if !strings.Contains(stderr, w) {
			t.Errorf("validate: stderr lacks %q:\n%s", w, stderr)
		}
	}
	code, stdout, stderr = runCatalogCLI(t, "", "show", "--bulletin", "MS98-002", mssecuretest.SamplePath())
	for _, w := range []string{"Q148427", `%windir%\system32\SCHANNEL.DLL version 4.84.1800.1381, only if the file is present`,
		`HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Hotfix\Q148427\Installed equals "1"`, "Exchange Server 5.5 Gold on Windows NT 4.0"} {
		if !strings.Contains(stdout, w) {
			t.Errorf("show: stdout lacks %q:\n%s", w, stdout)
		}
	}
	if code != 0 || !strings.Contains(stderr, "converted on the fly") || strings.Contains(stderr, "is a note:") ||
		!strings.Contains(stderr, "warning: "+mssecuretest.SamplePath()+" (converted): SupersededBy names bulletin MS01-028") {
		t.Errorf("show: exit %d, stderr (the conversion's summary, not its warnings; the loader's, placed in the file) %s", code, stderr)
	}
	code, stdout, _ = runCatalogCLI(t, "", "show", "--bulletin", "MS98-007", mssecuretest.SamplePath())
	if code != 0 || !strings.Contains(stdout, "scans report a Note: patchscan cannot check this patch as HFNetChk did: %ExchSrvr%") {
		t.Errorf("show MS98-007: exit %d\n%s", code, stdout)
	}
	b, _ := os.ReadFile(mssecuretest.SamplePath())
	code, stdout, stderr = runCatalogCLI(t, string(b), "validate", "-")
	if code != 0 || !strings.Contains(stdout, "<stdin>: valid: 40 bulletins") || !strings.Contains(stderr, "<stdin> is Microsoft's mssecure.xml") {
		t.Errorf("validate -: exit %d, stdout %q, stderr %s", code, stdout, stderr)
	}
}
