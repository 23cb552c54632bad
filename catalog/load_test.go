package catalog

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/catalog/internal/gen"
	"github.com/patchscan/patchscan/internal/version"
)

const testdata = "../testdata/catalogs/"

func mustLoadFile(t *testing.T, path string) *Catalog {
	t.Helper()
	c, err := LoadFile(path)
	if err != nil {
		t.Fatalf("LoadFile(%s): %v", path, err)
	}
	return c
}

func TestLoadExample(t *testing.T) {
	c := mustLoadFile(t, testdata+"example.xml")
	if c.DataVersion != "2026.11.1" || c.LastDataUpdate != "2026-11-20" || c.Source != testdata+"example.xml" {
		t.Errorf("header: %+v", c)
	}
	if len(c.ProductFamilies) != 2 || len(c.ServicePacks) != 2 || len(c.Severities) != 4 || len(c.Products) != 3 || len(c.Bulletins) != 3 {
		t.Fatalf("counts: %d families, %d SPs, %d severities, %d products, %d bulletins",
			len(c.ProductFamilies), len(c.ServicePacks), len(c.Severities), len(c.Products), len(c.Bulletins))
	}
	if sp := c.ServicePacks[1]; sp != (ServicePack{ID: 2, Name: "Service Pack 1", Level: 1, ReleaseDate: "2011-02-22"}) {
		t.Errorf("service pack: %+v", sp)
	}
	w7 := c.Products[1]
	if w7.ID != 11 || w7.FamilyID != 1 || w7.CurrentServicePackID != 2 || len(w7.Detection) != 2 {
		t.Fatalf("Windows 7: %+v", w7)
	}
	// Value without Op means equals; HKEY_LOCAL_MACHINE is normalised.
	want := Rule{Kind: RuleRegValue, Key: `HKLM\SYSTEM\CurrentControlSet\Control\ProductOptions`, Name: "ProductType", Op: OpEquals, Value: "WinNT", Line: 32}
	if got := w7.Detection[1]; !reflect.DeepEqual(got, want) {
		t.Errorf("rule:\n got %+v\nwant %+v", got, want)
	}
	app := c.Products[2]
	kinds := []RuleKind{RuleRegKey, RuleRegValue, RuleRegValue, RuleFile, RuleFile}
	ops := []Op{OpExists, OpNumberGE, OpMatches, OpVersionGE, OpVersionLT}
	for i, r := range app.Detection {
		if r.Kind != kinds[i] || r.Op != ops[i] {
			t.Errorf("app rule %d: kind %v op %v, want %v %v", i, r.Kind, r.Op, kinds[i], ops[i])
		}
	}
	if re := app.Detection[2].Regexp; re == nil || !re.MatchString("Pro") || re.MatchString("Home") {
		t.Errorf("matches rule regexp not compiled right: %v", re)
	}
	if f := app.Detection[3]; f.Path != `%ProgramFiles%\Example\App\app.exe` || f.Version.Compare(version.MustParse("1.2")) != 0 || f.Value != "1.2.0.0" {
		t.Errorf("file rule: %+v", f)
	}

	ms := c.Bulletins[0]
	if ms.ID != "MS17-010" || !ms.Baseline || ms.DatePosted != "2017-03-14" || len(ms.QNumbers) != 1 || len(ms.References) != 2 || ms.Line != 46 {
		t.Errorf("bulletin: %+v", ms)
	}
	p := ms.Patches[0]
	if p.SQNumber != "KB4012212" || p.SeverityID != 1 || len(p.CVEs) != 6 || p.NoReboot || p.Line != 54 {
		t.Errorf("patch: %+v", p)
	}
	if !reflect.DeepEqual(p.Affected, []AffectedProduct{{ProductID: 10, ServicePackIDs: []int{2}}, {ProductID: 11, ServicePackIDs: []int{2}}}) {
		t.Errorf("affected: %+v", p.Affected)
	}
	if len(p.FileChecks) != 1 || p.FileChecks[0].Path != `%SystemRoot%\System32\drivers\srv.sys` || p.FileChecks[0].Version.String() != "6.1.7601.23689" {
		t.Errorf("file checks: %+v", p.FileChecks)
	}

	ex := c.Bulletins[1].Patches[0]
	if !ex.NoReboot || len(ex.RegChecks) != 2 {
		t.Fatalf("EX patch: %+v", ex)
	}
	if r := ex.RegChecks[0]; r.Kind != RuleRegValue || r.Op != OpEquals || r.Value != "1" {
		t.Errorf("RegCheck with Value, no Op: %+v", r)
	}
	if r := ex.RegChecks[1]; r.Kind != RuleRegKey || r.Op != OpExists {
		t.Errorf("RegCheck without Name: %+v", r)
	}
	if fc := ex.FileChecks[0]; fc.SHA256 != "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" || fc.Language != "1033" {
		t.Errorf("file check: %+v", fc)
	}
	if !reflect.DeepEqual(ex.SupersededBy, []Supersedence{{BulletinID: "EX-2026-002", SQNumber: "KB9000002"}}) {
		t.Errorf("SupersededBy: %+v", ex.SupersededBy)
	}
	// The historical spelling SupercededBy, naming a bulletin not in the
	// catalog: accepted, with a warning.
	if s := c.Bulletins[2].Patches[0].SupersededBy; len(s) != 1 || s[0].BulletinID != "EX-2027-001" {
		t.Errorf("SupercededBy: %+v", s)
	}
	if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], "example.xml:95:11: SupersededBy names bulletin EX-2027-001, which is not in this catalog") {
		t.Errorf("warnings: %q", c.Warnings)
	}
}

func TestDefault(t *testing.T) {
	c, err := Default()
	if err != nil {
		t.Fatalf("the embedded catalog does not load: %v", err)
	}
	if c.Source != DefaultName {
		t.Errorf("Source = %q", c.Source)
	}
	c2, _ := Default()
	if c == c2 {
		t.Error("Default returned a shared catalog; callers may modify theirs")
	}
}

type wantProblem struct {
	line int
	text string
}

// TestBadCatalogs checks that every problem of each broken catalog is
// reported, at its line, and nothing else.
func TestBadCatalogs(t *testing.T) {
	tests := []struct {
		file string
		want []wantProblem
	}{
		{"bad-syntax.xml", []wantProblem{{8, "8:14: malformed XML: element <Product> closed by </Products>"}}},
		{"bad-root.xml", []wantProblem{{2, "root element is <Catalog>"}}},
		{"bad-refs.xml", []wantProblem{
			{8, "ProductFamilyID 7 is not defined"},
			{8, "CurrentServicePackID 8 is not defined"},
			{15, "MSSeverityID 9 is not defined"},
			{16, "16:11: <AffectedProduct>: ProductID 99 is not defined"},
			{16, "16:43: <AffectedServicePack>: ServicePackID 5 is not defined"},
			{17, "SupersededBy: bulletin MS01-002 has no patch KB404"},
		}},
		{"bad-dups.xml", []wantProblem{
			{6, "duplicate ProductFamilyID 1 (first defined at line 5)"},
			{10, "duplicate ServicePackID 1 (first defined at line 9)"},
			{14, "duplicate MSSeverityID 1 (first defined at line 13)"},
			{18, "duplicate ProductID 10 (first defined at line 17)"},
			{24, "duplicate patch KB1 a.exe (first defined at line 23)"},
			{27, "duplicate BulletinID ms01-001 (first defined at line 21)"},
		}},
		{"bad-overlap.xml", []wantProblem{
			{18, "18:9: bulletin MS01-001: duplicate patch KB1 a.exe (first defined at line 16): both apply to P10 (ProductID 10) at service pack level 1,"},
			{19, "19:9: bulletin MS01-001: duplicate patch KB1 a.exe (first defined at line 16): both apply to P10 (ProductID 10) at service pack level 1,"},
		}},
		{"bad-cycle.xml", []wantProblem{
			{11, "11:9: supersedence cycle: MS01-001 KB1 -> MS01-002 KB2 -> MS01-001 KB1"},
			{25, "25:9: supersedence cycle: MS01-003 KB3 -> MS01-003 KB3"},
		}},
		{"bad-values.xml", []wantProblem{
			{3, `LastDataUpdate="yesterday" is not a date`},
			{6, `ServicePackID "x2" is not a positive decimal number`},
			{7, "required attribute Level is missing"},
			{9, "<MSSeverity>: required attribute Name is missing"},
			{13, `Op "bigger" is not an operator`},
			{14, "hive HKCU is not supported; only HKLM"},
			{15, `Key "SOFTWARE\A": must start with HKLM\`},
			{16, "<RegValue>: required attribute Name is missing"},
			{17, `bad version for version-ge: version "6.1.x"`},
			{18, `Value "ten" for number-le is not an unsigned 64-bit number`},
			{19, "bad regular expression"},
			{20, "Op exists takes no Value"},
			{21, "Op equals needs a Value"},
			{22, "Op equals cannot be used on RegKey"},
			{23, "Version without Op"},
			{24, "unknown path variable %UserProfile%"},
			{25, "must start with a path variable"},
			{26, "Op matches cannot be used on File"},
			{29, "<Product> 11 (No rules) has no detection rules"},
			{32, "<Bulletin>: required attribute Title is missing"},
			{32, `DatePosted="2001-13-01" is not a date`},
			{32, `Baseline="maybe" is not a boolean`},
			{33, "is not an http(s) URL"},
			{35, `CVEID "CAN-2001-2" is not a CVE identifier`},
			{35, `NoReboot="2" is not a boolean`},
			{36, `FixedInSP="-1" is not a service pack level`},
			{37, "Op number-ge cannot be used on RegCheck without Name"},
			{39, "has more than 8 parts"},
			{40, `SHA256 "abc" is not 64 hexadecimal digits`},
			{40, `Language "en-US" is not a decimal Windows LCID`},
			{41, "<FileCheck>: required attribute Path is missing"},
			{44, "<Patch>: required attribute SQNumber is missing"},
			{44, "has no <AffectedProduct>"},
			{47, "bulletin MS01-002 has no <Patch>"},
		}},
		{"bad-v2.xml", []wantProblem{
			{3, `3:1: <BulletinDatastore>: FormatVersion="3": this patchscan reads catalog formats 1 and 2`},
			{11, `11:5: <Vulnerability>: CVE "CAN-2026-1" is not a CVE identifier`},
			{12, `12:5: <Vulnerability>: Exploited="perhaps" is not a boolean`},
			{12, `12:5: <Vulnerability>: Published="10/02/2026" is not a date; use YYYY-MM-DD`},
			{12, `12:5: <Vulnerability>: MSSeverityID 7 is not defined`},
			{13, "13:5: duplicate Vulnerability CVE-2026-0001 (first defined at line 12)"},
			{14, "14:5: <Vulnerability>: required attribute CVE is missing"},
			{19, `19:9: <Patch>: FixedBuild "10.0.17763" is not an OS build of four parts`},
			{22, `22:9: <Patch>: FixedBuild "6.3.9600.23022": build 9600 is not a Windows 10 / Server 2016 or later build`},
			{25, `25:9: <Patch>: bad FixedBuild: version "1.000x"`},
			{25, `25:9: <Patch>: ReleaseDate="2026-02-10T08:00:00" is not a date`},
			{28, `28:9: <Patch>: Alternatives "hotpatch" is not a KB number`},
			{28, "28:9: <Patch> KB4: Alternatives names the patch's own KB KB4"},
			{28, "28:9: <Patch> KB4: Alternatives names KB404, which no patch of bulletin 2026-Feb has"},
			{34, `34:13: <FileCheck>: Cumulative="true" needs a Version of four parts`},
			{35, `35:13: <FileCheck>: Cumulative="yes" is not a boolean`},
			{36, `36:13: <FileCheck>: IfExists="if present" is not a boolean`},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := testdata + tt.file
			_, err := LoadFile(path)
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("want a *ValidationError, got %v", err)
			}
			assertProblems(t, ve, path, tt.want)
		})
	}
}

func assertProblems(t *testing.T, ve *ValidationError, file string, want []wantProblem) {
	t.Helper()
	used := make([]bool, len(ve.Problems))
	for _, w := range want {
		found := false
		for i, p := range ve.Problems {
			if !used[i] && p.Line == w.line && strings.Contains(p.String(), w.text) {
				used[i], found = true, true
				break
			}
		}
		if !found {
			t.Errorf("missing problem at line %d: %q", w.line, w.text)
		}
	}
	for i, p := range ve.Problems {
		if !used[i] {
			t.Errorf("unexpected problem: %s", p)
		}
		if p.File != file {
			t.Errorf("problem names file %q, want %q", p.File, file)
		}
	}
	// Error() lists every problem.
	msg := ve.Error()
	for _, p := range ve.Problems {
		if !strings.Contains(msg, p.Message) {
			t.Errorf("Error() does not list %q", p.Message)
		}
	}
}

// minimal wraps products and bulletins into an otherwise valid catalog.
func minimal(products, bulletins string) string {
	return `<?xml version="1.0"?>
<BulletinDatastore DataVersion="1">
<ServicePacks><ServicePack ServicePackID="1" Name="Gold" Level="0"/></ServicePacks>
<MSSeverities><MSSeverity MSSeverityID="1" Name="Critical"/></MSSeverities>
<Products>` + products + `</Products>
<Bulletins>` + bulletins + `</Bulletins>
</BulletinDatastore>
`
}

const okProduct = `<Product ProductID="1" Name="P"><Detection><RegKey Key="HKLM\SOFTWARE\P"/></Detection></Product>`

func okBulletin(id string) string {
	return `<Bulletin BulletinID="` + id + `" Title="T" DatePosted="2020-01-01"><Patches><Patch SQNumber="KB1" MSSeverityID="1"><AffectedProduct ProductID="1"/></Patch></Patches></Bulletin>`
}

func TestSyntaxErrors(t *testing.T) {
	deep := "<BulletinDatastore>" + strings.Repeat("<x>", 40) + strings.Repeat("</x>", 40) + "</BulletinDatastore>"
	tests := []struct {
		name      string
		doc       string
		line, col int
		text      string
		maxBytes  int64
		maxDepth  int
	}{
		{"unclosed", "<BulletinDatastore>\n  <Products>\n</BulletinDatastore>", 3, 21, "element <Products> closed by </BulletinDatastore>", 0, 0},
		{"bad attribute", "<BulletinDatastore>\n<Products a=1/>", 2, 14, "unquoted or missing attribute value", 0, 0},
		{"invalid UTF-8", "<BulletinDatastore DataVersion=\"\xff\"/>", 1, 35, "invalid UTF-8", 0, 0},
		{"UTF-16 declared", `<?xml version="1.0" encoding="utf-16"?><BulletinDatastore/>`, 1, 40, "save the catalog as UTF-8", 0, 0},
		{"empty", "", 0, 0, "no XML element found", 0, 0},
		{"text only", "hello", 0, 0, "no XML element found", 0, 0},
		{"two roots", "<BulletinDatastore/>\n<BulletinDatastore/>", 0, 0, "more than one root element", 0, 0},
		{"too deep", deep, 1, 0, "nested more than 32 deep", 0, 0},
		{"too deep custom", "<a><b><c/></b></a>", 1, 0, "nested more than 2 deep", 0, 2},
		{"too big", minimal(okProduct, okBulletin("A")), 0, 0, "larger than 0 MiB", 100, 0},
		{"undefined entity", "<BulletinDatastore DataVersion=\"&foo;\"/>", 1, 0, "invalid character entity &foo;", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadOptions(strings.NewReader(tt.doc), "t.xml", Options{MaxBytes: tt.maxBytes, MaxDepth: tt.maxDepth})
			var ve *ValidationError
			if !errors.As(err, &ve) || len(ve.Problems) != 1 {
				t.Fatalf("want one problem, got %v", err)
			}
			p := ve.Problems[0]
			if p.Line != tt.line || (tt.col != 0 && p.Column != tt.col) || !strings.Contains(p.Message, tt.text) {
				t.Errorf("got %s; want line %d col %d containing %q", p, tt.line, tt.col, tt.text)
			}
		})
	}
}

func TestWarnings(t *testing.T) {
	doc := minimal(
		`<Product ProductID="1" Name="P" Vendor="x"><Detection><RegKey Key="HKLM\SOFTWARE\P"/><Fancy/></Detection></Product>
<Product ProductID="2" Name="Q" Vendor="y"><Detection><RegKey Key="HKLM\SOFTWARE\Q"/><Fancy/></Detection></Product>`,
		okBulletin("A")+`<Extra/>`) +
		``
	doc = strings.Replace(doc, "<Products>", `<WellKnownURLs/><Products xmlns:ext="urn:x" ext:note="n">`, 1)
	c, err := Load(strings.NewReader(doc), "w.xml")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"w.xml:5:1: unknown element <WellKnownURLs> in <BulletinDatastore> ignored",
		"w.xml:5:17: unknown attribute ext:note on <Products> ignored",
		`w.xml:5:58: unknown attribute Vendor on <Product> ignored (2 times; first shown)`,
		"w.xml:5:143: unknown element <Fancy> in <Detection> ignored (2 times; first shown)",
		"w.xml:7:",
	}
	if len(c.Warnings) != len(want) {
		t.Fatalf("got %d warnings, want %d:\n%s", len(c.Warnings), len(want), strings.Join(c.Warnings, "\n"))
	}
	for i, w := range want {
		if !strings.HasPrefix(c.Warnings[i], w) {
			t.Errorf("warning %d = %q, want prefix %q", i, c.Warnings[i], w)
		}
	}
}

func gz(t *testing.T, b []byte) []byte { t.Helper(); return gzipBytes(t, b) }

func TestGzipAndStdin(t *testing.T) {
	plain, err := os.ReadFile(testdata + "example.xml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	compressed := gz(t, plain)
	corrupt := append([]byte(nil), compressed...)
	corrupt[len(corrupt)-5] ^= 0xff // breaks the CRC
	tests := []struct {
		name    string
		path    string
		wantErr string
	}{
		{"xml.gz", write("c.xml.gz", compressed), ""},
		{"gzip without .gz name", write("c.xml", compressed), ""},
		{"plain", write("p.xml", plain), ""},
		{".gz that is not gzip", write("p.xml.gz", plain), "not gzip data"},
		{"corrupt gzip", write("bad.xml.gz", corrupt), "bad gzip data"},
		{"missing file", filepath.Join(dir, "nope.xml"), "cannot open catalog"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := LoadFile(tt.path)
			if tt.wantErr == "" {
				if err != nil || len(c.Bulletins) != 3 {
					t.Fatalf("got %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), tt.path) {
				t.Fatalf("got %v, want an error naming the file and saying %q", err, tt.wantErr)
			}
		})
	}

	t.Run("stdin", func(t *testing.T) {
		f, err := os.Open(write("stdin.xml.gz", compressed))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		old := os.Stdin
		os.Stdin = f
		defer func() { os.Stdin = old }()
		c, err := LoadFile("-")
		if err != nil || c.Source != "<stdin>" || len(c.Bulletins) != 3 {
			t.Fatalf("stdin: %v", err)
		}
	})
}

// TestGzipBomb: a small compressed file that expands past the limit is
// refused without reading it all.
func TestGzipBomb(t *testing.T) {
	bomb := gz(t, bytes.Repeat([]byte(" "), 3<<20))
	if len(bomb) > 64<<10 {
		t.Fatalf("bomb is %d bytes", len(bomb))
	}
	_, err := LoadOptions(bytes.NewReader(bomb), "bomb.xml.gz", Options{MaxBytes: 1 << 20})
	var ve *ValidationError
	if !errors.As(err, &ve) || !strings.Contains(err.Error(), "decompresses to more than 1 MiB") {
		t.Fatalf("got %v", err)
	}
}

// A normCase is an input of a normalizer and what it must give: want, or
// an error containing err.
type normCase struct{ in, want, err string }

// checkNorm runs the normalizer called name on each case.
func checkNorm(t *testing.T, name string, norm func(string) (string, error), tests []normCase) {
	t.Helper()
	for _, tt := range tests {
		got, err := norm(tt.in)
		if tt.err == "" {
			if err != nil || got != tt.want {
				t.Errorf("%s(%q) = %q, %v; want %q", name, tt.in, got, err, tt.want)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("%s(%q) error = %v; want %q", name, tt.in, err, tt.err)
		}
	}
}

func TestNormKey(t *testing.T) {
	tests := []normCase{
		{`HKLM\SOFTWARE\X`, `HKLM\SOFTWARE\X`, ""},
		{`hklm\SOFTWARE\X\`, `HKLM\SOFTWARE\X`, ""},
		{`HKEY_LOCAL_MACHINE\SOFTWARE\X`, `HKLM\SOFTWARE\X`, ""},
		{` HKLM\a b\c `, `HKLM\a b\c`, ""},
		{`HKEY_CURRENT_USER\Software`, "", "hive HKEY_CURRENT_USER is not supported"},
		{`HKU\S-1-5-18`, "", "hive HKU is not supported"},
		{`HKCR\.exe`, "", "hive HKCR is not supported"},
		{`SOFTWARE\X`, "", `must start with HKLM\`},
		{`HKLM`, "", "names no subkey"},
		{`HKLM\`, "", "names no subkey"},
		{`HKLM\A\\B`, "", "empty key name"},
		{"HKLM\\A\x01", "", "control character"},
		{"HKLM\\\xff", "", "not valid UTF-8"},
		{`HKLM\` + strings.Repeat("k", 256), "", "longer than 255"},
		{"", "", `must start with HKLM\`},
	}
	checkNorm(t, "normKey", normKey, tests)
}

func TestNormPath(t *testing.T) {
	tests := []normCase{
		{`%SystemRoot%\System32\drivers\srv.sys`, `%SystemRoot%\System32\drivers\srv.sys`, ""},
		{`%systemroot%/System32/x.dll`, `%SystemRoot%\System32\x.dll`, ""},
		{`%WINDIR%\x.dll`, `%windir%\x.dll`, ""},
		{`%ProgramFiles(x86)%\A\b.exe`, `%ProgramFiles(x86)%\A\b.exe`, ""},
		{`%CommonProgramFiles(x86)%\A\b.dll`, `%CommonProgramFiles(x86)%\A\b.dll`, ""},
		{`%CommonProgramFiles%\A\b.dll`, `%CommonProgramFiles%\A\b.dll`, ""},
		{`%SystemDrive%\boot.ini`, `%SystemDrive%\boot.ini`, ""},
		{`c:\Windows\x.dll`, `C:\Windows\x.dll`, ""},
		{`%ProgramFiles%`, `%ProgramFiles%`, ""},
		{`%TEMP%\x.dll`, "", "unknown path variable %TEMP%"},
		{`%SystemRoot`, "", "unterminated"},
		{`%SystemRoot%System32`, "", `must be followed by \`},
		{`\\server\share\x.dll`, "", "UNC paths are not supported"},
		{`System32\x.dll`, "", "must start with a path variable"},
		{`C:x.dll`, "", "must start with a path variable"},
		{`%SystemRoot%\..\x.dll`, "", `contains ".."`},
		{`%SystemRoot%\a\\b.dll`, "", "empty name"},
		{`%SystemRoot%\a\%windir%\b.dll`, "", "only allowed at the start"},
		{`%SystemRoot%\100%.dll`, "", "stray %"},
		{`%SystemRoot%\a?.dll`, "", "does not allow"},
		{"%SystemRoot%\\a\x00.dll", "", "does not allow"},
		{"%SystemRoot%\\\xff", "", "not valid UTF-8"},
		{``, "", "must start with a path variable"},
	}
	checkNorm(t, "normPath", normPath, tests)
}

// TestGeneratedWithProblems: problems spread over a large generated
// catalog (a duplicate far from the first definition, a supersedence cycle
// between distant bulletins, unknown markup, a character reference) are all
// reported at their place, and the valid catalog loads whole.
func TestGeneratedWithProblems(t *testing.T) {
	var b bytes.Buffer
	if err := gen.Write(&b, 600); err != nil { // ~1.3 MB
		t.Fatal(err)
	}
	valid := b.Bytes()
	c, err := Load(bytes.NewReader(valid), "g.xml")
	if err != nil || len(c.Bulletins) != 600 || len(c.Warnings) != 0 {
		t.Fatalf("valid catalog: %v", err)
	}
	s := string(valid)
	s = strings.Replace(s, `<Bulletin BulletinID="SYN99-00599"`, `<Bulletin BulletinID="SYN00-00000"`, 1)
	s = strings.Replace(s, `Version="6.1.7601.17550"`, `Version="6.1.x"`, 1)
	s = strings.Replace(s, `<Bulletin BulletinID="SYN01-00001"`, `<Junk/><Bulletin Foo="1" BulletinID="SYN01-00001"`, 1)
	// A cycle: 0 -> 1 (generated) -> 500 -> 0.
	s = strings.Replace(s, `<RegChecks><RegCheck Key="HKLM\SOFTWARE\Microsoft\Updates\Synthetic\KB3000010"`, `<SupersededBy BulletinID="SYN00-00500" SQNumber="KB3005000"/><RegChecks><RegCheck Key="HKLM\SOFTWARE\Microsoft\Updates\Synthetic\KB3000010"`, 1)
	s = strings.Replace(s, `<SupersededBy BulletinID="SYN01-00501" SQNumber="KB3005010"/>`, `<SupersededBy BulletinID="SYN01-00501" SQNumber="KB3005010"/><SupersededBy BulletinID="SYN00-00000" SQNumber="KB3000000"/>`, 1)
	s = strings.Replace(s, `Title="Vulnerability in Synthetic Component 300 `, `Title="&#86;ulnerability in Synthetic Component 300 `, 1)
	s = strings.Replace(s, `<QNumbers><QNumber QNumber="KB3000002"/></QNumbers>`, `<References><Reference/></References><SupersededBy/>`, 1)
	_, err = Load(strings.NewReader(s), "g.xml")
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("want a *ValidationError, got %v", err)
	}
	assertProblems(t, ve, "g.xml", []wantProblem{
		{347, "347:9: supersedence cycle: SYN00-00000 KB3000000 -> SYN01-00001 KB3000010 -> SYN00-00500 KB3005000 -> SYN00-00000 KB3000000;"},
		{394, "394:19: <Reference>: required attribute URL is missing"},
		{14102, `14102:13: <FileCheck>: bad Version: version "6.1.x"`},
		{15319, "15319:5: duplicate BulletinID SYN00-00000 (first defined at line 343)"},
	})
	wantWarnings := []string{
		"g.xml:369:5: unknown element <Junk> in <Bulletins> ignored",
		"g.xml:369:12: unknown attribute Foo on <Bulletin> ignored",
		"g.xml:394:44: unknown element <SupersededBy> in <Bulletin> ignored",
		"g.xml:15305:11: SupersededBy names bulletin SYN99-00599, which is not in this catalog; that supersedence is ignored (2 times; first shown)",
	}
	if !reflect.DeepEqual(ve.Warnings, wantWarnings) {
		t.Errorf("warnings:\n%s", strings.Join(ve.Warnings, "\n"))
	}
}

// TestDocsExample keeps the documentation's full example and
// testdata/catalogs/example.xml (which the other tests load) identical.
func TestDocsExample(t *testing.T) {
	doc, err := os.ReadFile("../docs/catalog-format.md")
	if err != nil {
		t.Fatal(err)
	}
	example, err := os.ReadFile(testdata + "example.xml")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(doc), "## Full example")
	if !ok {
		t.Fatal("docs/catalog-format.md has no full example section")
	}
	_, block, ok := strings.Cut(after, "```xml\n")
	if !ok {
		t.Fatal("no xml block in the full example section")
	}
	block, _, _ = strings.Cut(block, "```")
	if block != string(example) {
		t.Error("the example in docs/catalog-format.md differs from testdata/catalogs/example.xml")
	}
}

func TestIsNumber(t *testing.T) {
	for s, want := range map[string]bool{
		"0": true, "4294967295": true, "18446744073709551615": true, "0x10": true, "0XfF": true,
		"": false, "-1": false, "+1": false, "18446744073709551616": false, "0x": false, "1.5": false, "ten": false,
	} {
		if got := isNumber(s); got != want {
			t.Errorf("isNumber(%q) = %v", s, got)
		}
	}
}

// TestHostileShapes: inputs that would be quadratic or explode in memory
// with a naive loader load quickly and report sensibly.
func TestHostileShapes(t *testing.T) {
	t.Run("many attributes", func(t *testing.T) {
		var b strings.Builder
		for i := 0; i < 30000; i++ {
			fmt.Fprintf(&b, ` a%d="x"`, i)
		}
		b.WriteString(` a7="dup"`)
		doc := minimal(okProduct, strings.Replace(okBulletin("A"), "<Bulletin ", "<Bulletin"+b.String()+" ", 1))
		_, err := Load(strings.NewReader(doc), "h.xml")
		var ve *ValidationError
		if !errors.As(err, &ve) || len(ve.Problems) != 1 || !strings.Contains(ve.Problems[0].Message, "attribute a7 appears more than once") {
			t.Fatalf("got %v", err)
		}
		if n := len(ve.Warnings); n != maxWarnings+1 || !strings.Contains(ve.Warnings[n-1], "more distinct warnings not shown") {
			t.Errorf("%d warnings, last %q", n, ve.Warnings[n-1])
		}
	})
	t.Run("wide supersedence", func(t *testing.T) {
		var big, refs strings.Builder
		big.WriteString(`<Bulletin BulletinID="BIG" Title="T" DatePosted="2020-01-01"><Patches>`)
		for i := 0; i < 3000; i++ {
			fmt.Fprintf(&big, `<Patch SQNumber="KB%d" MSSeverityID="1"><AffectedProduct ProductID="1"/></Patch>`, i)
			fmt.Fprintf(&refs, `<Patch SQNumber="KB%d" MSSeverityID="1"><AffectedProduct ProductID="1"/><SupersededBy BulletinID="BIG"/></Patch>`, i)
		}
		big.WriteString(`</Patches></Bulletin>`)
		doc := minimal(okProduct, big.String()+`<Bulletin BulletinID="OLD" Title="T" DatePosted="2019-01-01"><Patches>`+refs.String()+`</Patches></Bulletin>`)
		c, err := Load(strings.NewReader(doc), "h.xml")
		if err != nil || len(c.Bulletins[1].Patches) != 3000 {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("too many elements", func(t *testing.T) {
		doc := "<BulletinDatastore>" + strings.Repeat("<x/>", maxTags) + "</BulletinDatastore>"
		_, err := Load(strings.NewReader(doc), "h.xml")
		if err == nil || !strings.Contains(err.Error(), "more than the 2000000 a catalog") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("content over budget", func(t *testing.T) {
		// 920 KB of rules is 40,000 rules of 176 bytes: more than a catalog
		// of up to 1 MiB needs.
		rules := strings.Repeat("<RegKey Key=\"HKLM\\A\"/>\n", 40000)
		doc := minimal(`<Product ProductID="1" Name="P"><Detection>`+"\n"+rules+`</Detection></Product>`, okBulletin("A"))
		_, err := LoadOptions(strings.NewReader(doc), "h.xml", Options{MaxBytes: 1 << 20})
		var ve *ValidationError
		if !errors.As(err, &ve) || len(ve.Problems) != 1 || ve.Problems[0].Line < 6 ||
			!strings.Contains(ve.Problems[0].Message, "content would take more than 1.5 MiB of memory, more than a catalog of up to 1 MiB needs") {
			t.Fatalf("got %v", err)
		}
		if _, err := LoadOptions(strings.NewReader(doc), "h.xml", Options{MaxBytes: 8 << 20}); err != nil {
			t.Errorf("with a larger limit: %v", err)
		}
	})
	t.Run("huge regular expressions", func(t *testing.T) {
		// Each compiles to about 28 MB (estimated 37): refused before the
		// third is compiled.
		var rules strings.Builder
		for i := 0; i < 10; i++ {
			fmt.Fprintf(&rules, `<RegValue Key="HKLM\A" Name="" Op="matches" Value="%d%s"/>`+"\n", i, strings.Repeat("a{1000}", 584))
		}
		doc := minimal(`<Product ProductID="1" Name="P"><Detection>`+rules.String()+`</Detection></Product>`, okBulletin("A"))
		_, err := Load(strings.NewReader(doc), "h.xml")
		var ve *ValidationError
		if !errors.As(err, &ve) || len(ve.Problems) != 1 || ve.Problems[0].Line != 7 || !strings.Contains(ve.Problems[0].Message, "or for huge regular expressions") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("one pattern compiled once", func(t *testing.T) {
		rules := strings.Repeat(`<RegValue Key="HKLM\A" Name="" Op="matches" Value="^(a|b)+$"/>`, 1000)
		c, err := Load(strings.NewReader(minimal(`<Product ProductID="1" Name="P"><Detection>`+rules+`</Detection></Product>`, okBulletin("A"))), "h.xml")
		if err != nil {
			t.Fatal(err)
		}
		d := c.Products[0].Detection
		if len(d) != 1000 || d[0].Regexp == nil || d[999].Regexp != d[0].Regexp {
			t.Errorf("%d rules; regexps %p and %p", len(d), d[0].Regexp, d[999].Regexp)
		}
	})
	t.Run("too many problems", func(t *testing.T) {
		var b strings.Builder
		for i := 0; i < 2*maxProblems; i++ {
			b.WriteString(`<Product ProductID="x" Name="P"><Detection><RegKey Key="HKLM\A"/></Detection></Product>`)
		}
		_, err := Load(strings.NewReader(minimal(b.String(), okBulletin("A"))), "h.xml")
		var ve *ValidationError
		if !errors.As(err, &ve) || len(ve.Problems) != maxProblems+1 || !strings.Contains(ve.Problems[maxProblems].Message, "more problems not shown") {
			t.Fatalf("got %d problems", len(ve.Problems))
		}
	})
}

// TestWrongRoot: bulletins under a wrong root are not decoded, and a
// syntax error anywhere still wins.
func TestWrongRoot(t *testing.T) {
	for doc, want := range map[string]string{
		`<Catalog><Bulletins><Bulletin BulletinID="A"/></Bulletins></Catalog>`: "r.xml:1:1: the root element is <Catalog>",
		`<Catalog><Bulletins><Bulletin a=1/></Bulletins></Catalog>`:            "r.xml:1:34: malformed XML: unquoted or missing attribute value",
	} {
		_, err := Load(strings.NewReader(doc), "r.xml")
		var ve *ValidationError
		if !errors.As(err, &ve) || len(ve.Problems) != 1 || !strings.HasPrefix(ve.Problems[0].String(), want) {
			t.Errorf("%s: got %v, want one problem %q", doc, err, want)
		}
	}
}
