package catalog

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/catalog/internal/gen"
	"github.com/patchscan/patchscan/internal/testenv"
)

// TestSchema validates catalogs against catalog.xsd with xmllint: the
// hand-written example, the embedded catalog and a generated one must pass;
// broken ones the schema can see must fail (so the schema is not vacuous).
func TestSchema(t *testing.T) {
	xmllint := testenv.Xmllint(t)
	generated := filepath.Join(t.TempDir(), "generated.xml")
	f, err := os.Create(generated)
	if err != nil {
		t.Fatal(err)
	}
	if err := gen.Write(f, 200); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	// What catalog.Write makes of them validates too.
	var written []string
	for _, src := range []string{testdata + "example.xml", "default/catalog.xml", generated, testdata + "sp-variants.xml", testdata + "v2-example.xml"} {
		c, err := LoadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(t.TempDir(), "written-"+filepath.Base(src))
		var b bytes.Buffer
		if err := Write(&b, c); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(out, b.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		written = append(written, out)
	}
	tests := []struct {
		file  string
		valid bool
		says  string
	}{
		{written[0], true, ""},
		{written[1], true, ""},
		{written[2], true, ""},
		{written[3], true, ""},
		{written[4], true, ""},
		{testdata + "v2-example.xml", true, ""},
		{testdata + "bad-v2.xml", false, "FormatVersion"},
		{testdata + "example.xml", true, ""},
		{"default/catalog.xml", true, ""},
		{generated, true, ""},
		{testdata + "sp-variants.xml", true, ""},
		// XSD 1.0 cannot express "same package, overlapping service
		// packs"; the schema accepts it and the loader rejects it
		// (TestBadCatalogs).
		{testdata + "bad-overlap.xml", true, ""},
		{testdata + "bad-dups.xml", false, "Duplicate key-sequence ['10']"},
		{testdata + "bad-refs.xml", false, "keyref 'AffectedProductRef'"},
		{testdata + "bad-values.xml", false, "Missing child element"},
		{testdata + "bad-root.xml", false, "No matching global declaration"},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.file), func(t *testing.T) {
			out, err := exec.Command(xmllint, "--noout", "--nonet", "--schema", "catalog.xsd", tt.file).CombinedOutput()
			if tt.valid && err != nil {
				t.Fatalf("does not validate:\n%s", out)
			}
			if !tt.valid && (err == nil || !strings.Contains(string(out), tt.says)) {
				t.Fatalf("want a schema error saying %q, got %v:\n%s", tt.says, err, out)
			}
		})
	}
}
