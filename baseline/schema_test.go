package baseline

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/internal/testenv"
)

// TestSchema validates the embedded baseline against baseline.xsd with
// xmllint, and checks that the schema is not vacuous: documents it must
// refuse are refused.
func TestSchema(t *testing.T) {
	xmllint := testenv.Xmllint(t)
	dir := t.TempDir()
	write := func(name, doc string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := string(defaultXML)
	tests := []struct {
		name  string
		doc   string
		valid bool
	}{
		{"default.xml", good, true},
		{"bad-op.xml", strings.Replace(good, `Op="number-ge"`, `Op="greater"`, 1), false},
		{"bad-measure.xml", strings.Replace(good, `Name="guest-enabled"`, `Name="guests"`, 1), false},
		{"no-advice.xml", strings.Replace(good, "<Advice>", "<Hint>", 1), false},
		{"bad-id.xml", strings.Replace(good, `ID="wdigest"`, `ID="WDigest"`, 1), false},
	}
	for _, tc := range tests {
		out, err := exec.Command(xmllint, "--noout", "--schema", "baseline.xsd", write(tc.name, tc.doc)).CombinedOutput()
		if (err == nil) != tc.valid {
			t.Errorf("%s: valid=%v, xmllint says: %s", tc.name, err == nil, out)
		}
	}
}
