package catalog

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/patchscan/patchscan/catalog/internal/gen"
	"github.com/patchscan/patchscan/internal/version"
)

var update = flag.Bool("update", false, "rewrite catalog/testdata/write.golden.xml")

// roundTripCatalogs are the valid catalogs Write must give back unchanged:
// every valid catalog of testdata, the embedded default and a generated one.
func roundTripCatalogs(t *testing.T) map[string][]byte {
	t.Helper()
	docs := map[string][]byte{"default": defaultXML}
	files, err := filepath.Glob(testdata + "*.xml")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasPrefix(filepath.Base(f), "bad-") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs[filepath.Base(f)] = b
	}
	var g bytes.Buffer
	if err := gen.Write(&g, 300); err != nil {
		t.Fatal(err)
	}
	docs["generated"] = g.Bytes()
	return docs
}

// TestWriteModel: a catalog built in code, as an importer builds one, with
// every attribute of formats 1 and 2, comes back from Write and Load as it
// was.
func TestWriteModel(t *testing.T) {
	want := writeSample()
	var b bytes.Buffer
	if err := Write(&b, want); err != nil {
		t.Fatal(err)
	}
	got, err := Load(&b, "model.xml")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Warnings) != 2 { // the two SupersededBy naming bulletins not in the catalog
		t.Errorf("warnings: %q", got.Warnings)
	}
	if d := diffCatalogs(want, got); d != "" {
		t.Errorf("Load(Write(c)) differs from c: %s", d)
	}
}

// TestWriteRoundTrip: Load(Write(c)) equals c, but for Source, Line fields
// and Warnings (whose positions change); writing is deterministic and
// writing what was written gives the same bytes.
func TestWriteRoundTrip(t *testing.T) {
	docs := roundTripCatalogs(t)
	if len(docs) < 5 {
		t.Fatalf("only %d catalogs", len(docs))
	}
	for name, doc := range docs {
		t.Run(name, func(t *testing.T) {
			c, err := Load(bytes.NewReader(doc), name)
			if err != nil {
				t.Fatal(err)
			}
			var w1, w2, w3 bytes.Buffer
			if err := Write(&w1, c); err != nil {
				t.Fatal(err)
			}
			if err := Write(&w2, c); err != nil || !bytes.Equal(w1.Bytes(), w2.Bytes()) {
				t.Fatalf("a second Write differs (%v)", err)
			}
			back, err := Load(bytes.NewReader(w1.Bytes()), "written.xml")
			if err != nil {
				t.Fatalf("Load(Write(c)): %v", err)
			}
			if err := Write(&w3, back); err != nil || !bytes.Equal(w1.Bytes(), w3.Bytes()) {
				t.Errorf("Write(Load(Write(c))) differs from Write(c) (%v)", err)
			}
			if len(back.Warnings) > len(c.Warnings) {
				t.Errorf("the written catalog has new warnings: %q", back.Warnings)
			}
			if d := diffCatalogs(c, back); d != "" {
				t.Errorf("Load(Write(c)) differs from c: %s", d)
			}
		})
	}
}

// diffCatalogs compares two catalogs but for Source, Warnings and Line
// fields, and compiled regexps by pattern, and returns the first difference
// ("" when none). It clears those fields of both catalogs.
func diffCatalogs(a, b *Catalog) string {
	for _, c := range []*Catalog{a, b} {
		c.Source, c.Warnings = "", nil
		for i := range c.Products {
			normRules(c.Products[i].Detection)
		}
		for i := range c.Bulletins {
			bu := &c.Bulletins[i]
			bu.Line = 0
			for j := range bu.Patches {
				p := &bu.Patches[j]
				p.Line = 0
				normRules(p.RegChecks)
				for k := range p.FileChecks {
					p.FileChecks[k].Line = 0
				}
			}
		}
	}
	switch {
	case reflect.DeepEqual(a, b):
		return ""
	case !reflect.DeepEqual(a.Products, b.Products):
		return "products differ"
	case !reflect.DeepEqual(a.Bulletins, b.Bulletins):
		for i := range a.Bulletins {
			if i < len(b.Bulletins) && !reflect.DeepEqual(a.Bulletins[i], b.Bulletins[i]) {
				return "bulletin " + a.Bulletins[i].ID + " differs"
			}
		}
		return "bulletins differ"
	}
	return "header or tables differ"
}

// normRules clears Line, and replaces a compiled regexp by its pattern.
func normRules(rs []Rule) {
	for i := range rs {
		rs[i].Line = 0
		if rs[i].Regexp != nil {
			rs[i].Value += "\x00compiled:" + rs[i].Regexp.String()
			rs[i].Regexp = nil
		}
	}
}

// writeSample is a catalog with every element and attribute Write knows,
// format v2 included, and strings that need escaping.
func writeSample() *Catalog {
	return &Catalog{
		DataVersion: `2026.11 "test" <&>`, LastDataUpdate: "2026-11-28", FormatVersion: 2,
		ProductFamilies: []ProductFamily{{ID: 1, Name: "Windows"}},
		ServicePacks:    []ServicePack{{ID: 1, Name: "Gold", Level: 0}, {ID: 2, Name: "Service Pack 1", Level: 1, ReleaseDate: "2011-02-22"}},
		Severities:      []Severity{{ID: 1, Name: "Critical"}},
		Products: []Product{{ID: 10, Name: "Windows Server 2019", FamilyID: 1, CurrentServicePackID: 2, Detection: []Rule{
			{Kind: RuleRegValue, Key: `HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion`, Name: "CurrentBuildNumber", Op: OpEquals, Value: "17763"},
			{Kind: RuleRegValue, Key: `HKLM\SOFTWARE\X`, Name: "", Op: OpExists},
			{Kind: RuleRegValue, Key: `HKLM\SOFTWARE\X`, Name: " spaced ", Op: OpMatches, Value: "a\tb\nc\r\u202e\u0085\x7f", Regexp: regexp.MustCompile("a\tb\nc\r\u202e\u0085\x7f")},
			{Kind: RuleRegKey, Key: `HKLM\SOFTWARE\Y`, Op: OpAbsent},
			{Kind: RuleFile, Path: `%SystemRoot%\System32\x.dll`, Op: OpVersionLT, Value: "10.0", Version: version.MustParse("10.0")},
			{Kind: RuleFile, Path: `%SystemRoot%\System32\y.dll`, Op: OpExists},
		}}},
		Vulnerabilities: []Vulnerability{
			{CVE: "CVE-2026-21510", Title: "Windows Shell Security Feature Bypass", SeverityID: 1, Exploited: true, Published: "2026-02-10"},
			{CVE: "CVE-2026-21511"},
		},
		Bulletins: []Bulletin{{
			ID: "2026-Feb", Title: "February 2026 Security Updates", DatePosted: "2026-02-10", Baseline: true, Summary: "Patch Tuesday & more",
			QNumbers: []string{"KB5075942"}, References: []string{"https://msrc.microsoft.com/update-guide/releaseNote/2026-Feb"},
			Patches: []Patch{{
				Name: "windows10.0-kb5075942-x64.msu", SQNumber: "KB5075942", SeverityID: 1, CVEs: []string{"CVE-2026-21510", "CVE-2026-21511"}, NoReboot: true,
				FixedBuild: version.MustParse("10.0.17763.8389"), Alternatives: []string{"KB5075945"},
				ReleaseDate: "2026-02-10", SubType: "Security Update", Note: "",
				Affected:  []AffectedProduct{{ProductID: 10}, {ProductID: 10, FixedInSP: 2, ServicePackIDs: []int{1, 2}}},
				RegChecks: []Rule{{Kind: RuleRegValue, Key: `HKLM\SOFTWARE\Z`, Name: "Installed", Op: OpNumberGE, Value: "1"}, {Kind: RuleRegKey, Key: `HKLM\SOFTWARE\Z`, Op: OpExists}},
				FileChecks: []FileCheck{{Path: `%SystemRoot%\System32\ntoskrnl.exe`, Version: version.MustParse("10.0.17763.8389"), SHA256: strings.Repeat("ab", 32), Language: "1033", Cumulative: true},
					{Path: `%ProgramFiles%\App\app.dll`, Version: version.MustParse("1.2"), IfExists: true}},
				SupersededBy: []Supersedence{{BulletinID: "2026-Jan", SQNumber: "KB5073723"}, {BulletinID: "2025-Dec"}},
			}, {
				SQNumber: "KB5075945", SeverityID: 1, Note: "MSRC gives FixedBuild 1.000 for this product",
				Affected: []AffectedProduct{{ProductID: 10}},
			}},
		}},
	}
}

// TestWriteGolden: the document Write makes of writeSample, byte for byte
// (go test ./catalog -run TestWriteGolden -update rewrites it; review the
// diff).
func TestWriteGolden(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, writeSample()); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "write.golden.xml")
	if *update {
		if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b.Bytes(), want) {
		t.Errorf("Write output differs from %s (rerun with -update and review the diff):\n%s", golden, b.String())
	}
}

// TestWriteEscapes: what XML 1.0 can carry comes back as it was; what it
// cannot is refused with where it is.
func TestWriteEscapes(t *testing.T) {
	carried := []string{"", "plain", `<&>"'`, "tab\tline\nreturn\r", "\u0085\u009f\x7f", "bidi \u202e\u2066\u200f", "é € 😀 \ufffd", "\ue000\U0010ffff"}
	for _, s := range carried {
		c := writeSample()
		rule := &c.Products[0].Detection[2] // RegValue Name and Value are not trimmed
		rule.Name, rule.Value, rule.Op = s, s, OpEquals
		var b bytes.Buffer
		if err := Write(&b, c); err != nil {
			t.Errorf("%q: %v", s, err)
			continue
		}
		if bytes.ContainsAny(b.Bytes(), "\r\t\u0085\u202e") {
			t.Errorf("%q: a control character is written raw", s)
		}
		back, err := Load(&b, "w.xml")
		if err != nil {
			t.Errorf("%q: %v", s, err)
			continue
		}
		if got := back.Products[0].Detection[2]; got.Name != s || got.Value != s {
			t.Errorf("%q came back as Name %q, Value %q", s, got.Name, got.Value)
		}
	}
	refused := []struct{ s, says string }{
		{"nul\x00", "U+0000 at byte 3"},
		{"bell\a", "U+0007 at byte 4"},
		{"\ufffe", "U+FFFE at byte 0"},
		{"bad \xff utf-8", "the byte 0xff (not UTF-8) at byte 4"},
		{"surrogate \xed\xa0\x80", "the byte 0xed (not UTF-8) at byte 10"},
	}
	for _, tt := range refused {
		c := writeSample()
		c.Bulletins[0].Patches[0].SubType = tt.s
		err := Write(&bytes.Buffer{}, c)
		want := "catalog.Write: bulletin 2026-Feb, patch KB5075942, <Patch>: SubType holds " + tt.says
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want %q", tt.s, err, want)
		}
	}
	c := writeSample()
	c.Bulletins[0].Patches[0].RegChecks[0].Kind = RuleFile
	if err := Write(&bytes.Buffer{}, c); err == nil || !strings.Contains(err.Error(), "a RegCheck tests the registry") {
		t.Errorf("a file rule as a RegCheck: %v", err)
	}
}

// FuzzWrite: any string either comes back unchanged through Write and Load
// (trimmed where the loader trims) or is refused, and only when it holds a
// character outside XML 1.0's Char production.
func FuzzWrite(f *testing.F) {
	for _, s := range []string{"x", " a\tb ", "<&>", "\x00", "\xff", "\u202e", "\r\n", "\u0085x\u00a0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := writeSample()
		rule := &c.Products[0].Detection[2]
		rule.Name, rule.Value, rule.Op, rule.Regexp = s, s, OpEquals, nil
		b := &c.Bulletins[0]
		b.Title, b.Summary = "T"+s, s
		var buf bytes.Buffer
		err := Write(&buf, c)
		if err != nil {
			if xmlCanCarry(s) {
				t.Fatalf("%q refused: %v", s, err)
			}
			return
		}
		if !xmlCanCarry(s) {
			t.Fatalf("%q written", s)
		}
		back, err := Load(&buf, "w.xml")
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		got, gb := back.Products[0].Detection[2], back.Bulletins[0]
		if got.Name != s || got.Value != s || gb.Title != strings.TrimSpace("T"+s) || gb.Summary != strings.TrimSpace(s) {
			t.Fatalf("%q came back as %q, %q, %q, %q", s, got.Name, got.Value, gb.Title, gb.Summary)
		}
	})
}

// xmlCanCarry is XML 1.0's Char production, checked rune by rune.
func xmlCanCarry(s string) bool {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return false
			}
		}
		ok := r == 0x9 || r == 0xA || r == 0xD || r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
		if !ok {
			return false
		}
	}
	return true
}
