package mssecure

import (
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/catalog"
)

// sample is Microsoft's file (testdata/mssecure/README.md).
const sample = "../../testdata/mssecure/mssecure-sample.xml.gz"

// TestParseSample: every table of the real file is read, with positions.
// The counts were taken with python3's ElementTree (see the README).
func TestParseSample(t *testing.T) {
	d, err := ParseFile(sample, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		what      string
		got, want int
	}{
		{"bulletins", len(d.Bulletins), 40}, {"products", len(d.Products), 104}, {"families", len(d.Families), 9},
		{"service packs", len(d.ServicePacks), 128}, {"RegChanges", len(d.RegChanges), 350}, {"FileChanges", len(d.FileChanges), 1133},
		{"commands", len(d.Commands), 6}, {"locations", len(d.Locations), 733}, {"comments", len(d.Comments), 52},
		{"severities", len(d.Severities), 6}, {"SupercededBys", len(d.SupercededBys), 59},
	} {
		if c.got != c.want {
			t.Errorf("%s: %d, want %d", c.what, c.got, c.want)
		}
	}
	if d.DataVersion != "1.0.1.148" || d.LastDataUpdate != "10/04/2001" || d.SchemaVersion != "1.0.0.11" || d.ToolVersion != "3.1" {
		t.Errorf("root: %q %q %q %q", d.DataVersion, d.LastDataUpdate, d.SchemaVersion, d.ToolVersion)
	}
	b := d.Bulletins[0]
	if b.ID != "MS98-001" || b.Pos != (Pos{5, 3}) || b.DatePosted != "1998/06/01" || len(b.Patches) != 1 || b.Title != "Disabling Creation of Local Groups on a Domain by Non-Administrative Users" {
		t.Errorf("first bulletin: %+v", b)
	}
	p := b.Patches[0]
	if p.Name != "CREATALS_x86.exe" || p.SQNumber != "Q169556" || p.SBID != 0 || len(p.Affected) != 2 || p.Affected[0].ProductID != 3 ||
		len(p.Affected[0].ServicePacks) != 4 || p.Affected[1].FixedInSP != 0 {
		t.Errorf("first patch: %+v", p)
	}
	var r *RegChange
	for i := range d.RegChanges {
		if d.RegChanges[i].ID == 1092 {
			r = &d.RegChanges[i]
		}
	}
	if r == nil || r.Name != "Type" || r.Value != "Update" || r.Command != "r" || r.LocationID != 304 || r.Pos != (Pos{2243, 5}) {
		t.Errorf("RegChange 1092: %+v", r)
	}
	var outlook98 *Product
	for i := range d.Products {
		if d.Products[i].ID == 26 {
			outlook98 = &d.Products[i]
		}
	}
	if outlook98 == nil || len(outlook98.AvailableSPs) != 1 || outlook98.AvailableSPs[0] != 29 {
		t.Errorf("Outlook 98's AvailableSP outside its list: %+v", outlook98)
	}
	if w := d.findings.Warnings(); len(w) != 0 {
		t.Errorf("warnings reading the real file: %q", w)
	}
}

// doc wraps rows in a minimal mssecure.xml.
func doc(inner string) string {
	return `<?xml version="1.0"?>
<BulletinDatastore DataVersion="1" SchemaVersion="1.0.0.11" ToolVersion="3.1">
` + inner + `
</BulletinDatastore>
`
}

const oneBulletin = `<Bulletins><Bulletin BulletinID="MS00-001" Title="T" DatePosted="2000/01/01"><Patches><Patch PatchName="p.exe"/></Patches></Bulletin></Bulletins>`

// TestParseQuirks: what real files do, and a later schema's additions, are
// read with warnings at most, never refused.
func TestParseQuirks(t *testing.T) {
	in := doc(`  <Bulletins>
    <Bulletin BulletinID=" MS00-001 " Title="T " DatePosted="1/2/2000" NewAttr="x">
      <QNumbers><QNumber QNumber="Q1 "/><QNumber QNumber="Q1"/><QNumber QNumber=""/></QNumbers>
      <Patches><Patch PatchName="p.exe" SBID="" FixedInSP="" MSSeverityID="2" CVEID="CAN-2002-0001"><AffectedProduct ProductID="1" FixedInSP=""/></Patch></Patches>
      <Future/>
    </Bulletin>
  </Bulletins>
  <RegKeys><RegKey RegKeyID="5" Name=" Installed" Type="0x10001"><RegChanges><RegChange RegChangeID="7" RegChangeValue=" 1 " CommandID="r" RegKeyID="199" LocationID="9"/></RegChanges></RegKey></RegKeys>
  <MSSeverities><MSSeverity MSSeverityID="1" Name="Critical"/></MSSeverities>
  <WellKnownURLs><WellKnownURL URLID="1" URL="http://example.com/"/></WellKnownURLs>
  <NewTable><Row/></NewTable>`)
	d, err := Parse(strings.NewReader(in), "q.xml", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	b := d.Bulletins[0]
	if b.ID != "MS00-001" || b.Title != "T" || len(b.QNumbers) != 2 || b.Patches[0].SBID != NoID || b.Patches[0].MSSeverityID != 2 || b.Patches[0].CVEID != "CAN-2002-0001" {
		t.Errorf("bulletin %+v", b)
	}
	r := d.RegChanges[0]
	if r.Name != " Installed" || r.Value != " 1 " || r.Type != "0x10001" || r.Pos != (Pos{10, 78}) {
		t.Errorf("RegChange kept as written: %+v", r)
	}
	if len(d.MSSeverities) != 1 || d.MSSeverities[0].Name != "Critical" || len(d.WellKnownURLs) != 1 || d.WellKnownURLs[0].Attrs["URL"] != "http://example.com/" {
		t.Errorf("MBSA 1.2 tables: %+v %+v", d.MSSeverities, d.WellKnownURLs)
	}
	want := []string{
		`q.xml:4:5: unknown attribute NewAttr on <Bulletin> ignored`,
		`q.xml:6:16: unknown attribute FixedInSP on <Patch> ignored`,
		`q.xml:7:7: unknown element <Future> in <Bulletin> ignored`,
		`q.xml:13:3: unknown element <NewTable> in <BulletinDatastore> ignored`,
	}
	if got := d.findings.Warnings(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestParseProblems: a damaged file is refused with every problem listed,
// each at its line and column.
func TestParseProblems(t *testing.T) {
	for _, tt := range []struct {
		name, in string
		want     []string
	}{
		{"damaged rows", doc(`<Bulletins>
<Bulletin Title="no ID"><Patches><Patch SBID="x1"><AffectedProduct ProductID="-3"/></Patch></Patches></Bulletin>
<Bulletin BulletinID="MS00-002"><Patches><Patch><RegChgs><RegChg RegChangeID="1.5"/></RegChgs></Patch></Patches></Bulletin>
</Bulletins>
<Products><Product ProductID="Windows"/></Products>`), []string{
			`d.xml:4:1: <Bulletin>: BulletinID is missing or empty; every bulletin has one (MS01-005)`,
			`d.xml:4:34: <Patch>: SBID="x1" is not an ID (a number from 0 to 2147483647)`,
			`d.xml:4:51: <AffectedProduct>: ProductID="-3" is not an ID (a number from 0 to 2147483647)`,
			`d.xml:5:58: <RegChg>: RegChangeID="1.5" is not an ID (a number from 0 to 2147483647)`,
			`d.xml:7:11: <Product>: ProductID="Windows" is not an ID (a number from 0 to 2147483647)`,
		}},
		{"not mssecure.xml", `<BulletinDatastore DataVersion="1">` + oneBulletin + `</BulletinDatastore>`, []string{
			`d.xml:1:1: <BulletinDatastore>: neither SchemaVersion nor ToolVersion is given`}},
		{"wrong root", `<cvrfdoc/>`, []string{`d.xml:1:1: the root element is <cvrfdoc>; mssecure.xml's root element is <BulletinDatastore>`}},
		{"no bulletins", doc(`<Products/>`), []string{`d.xml: no <Bulletin> found`}},
		{"malformed", doc(oneBulletin + "\n<Bulletins><Bulletin BulletinID=\"MS00-003\"></Bulletins>"), []string{
			`d.xml:4:56: malformed XML: element <Bulletin> closed by </Bulletins>`}},
		{"truncated", doc(oneBulletin)[:150], []string{`d.xml:3:50: malformed XML: unexpected EOF`}},
		{"too deep", doc(strings.Repeat("<a>", 40) + strings.Repeat("</a>", 40)), []string{`elements are nested more than 32 deep`}},
		{"two roots", doc(oneBulletin) + `<BulletinDatastore/>`, []string{`malformed XML: more than one root element`}},
		{"not UTF-8", `<?xml version="1.0" encoding="windows-1252"?>` + doc(oneBulletin)[22:], []string{`encoding "windows-1252" is not supported`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tt.in), "d.xml", Limits{})
			var ve *catalog.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("want a *catalog.ValidationError, got %v", err)
			}
			if len(ve.Problems) != len(tt.want) {
				t.Errorf("%d problems, want %d:\n%v", len(ve.Problems), len(tt.want), err)
			}
			for i, w := range tt.want {
				if i < len(ve.Problems) && !strings.Contains(ve.Problems[i].String(), w) {
					t.Errorf("problem %d = %q, want %q", i, ve.Problems[i], w)
				}
			}
		})
	}
}

// TestParseLimits: size, tags and what is kept are bounded, gzip
// included, each refusal saying which limit and where.
func TestParseLimits(t *testing.T) {
	big := doc(oneBulletin + strings.Repeat(`<Locations><Location LocationID="1" Path="HKLM\SOFTWARE\X"/></Locations>`, 20000))
	var gz bytes.Buffer
	z := gzip.NewWriter(&gz)
	z.Write([]byte(big))
	z.Close()
	for _, tt := range []struct {
		name string
		in   []byte
		lim  Limits
		want string
	}{
		{"size", []byte(big), Limits{MaxBytes: 1 << 20}, "the catalog is larger than 1 MiB"},
		{"gzip bomb", gz.Bytes(), Limits{MaxBytes: 1 << 20}, "the catalog decompresses to more than 1 MiB"},
		{"kept rows", []byte(big), Limits{MaxKept: 1 << 20}, "the rows read so far would take more than 1 MiB of memory"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(bytes.NewReader(tt.in), "l.xml", tt.lim)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
	d, err := Parse(bytes.NewReader(gz.Bytes()), "l.xml.gz", Limits{})
	if err != nil || len(d.Locations) != 20000 {
		t.Fatalf("gzip within limits: %v", err)
	}
}

// TestParseFileErrors: files that cannot be opened or are not what their
// name says.
func TestParseFileErrors(t *testing.T) {
	dir := t.TempDir()
	notGz := dir + "/x.xml.gz"
	os.WriteFile(notGz, []byte(doc(oneBulletin)), 0o644)
	for path, want := range map[string]string{
		dir + "/missing.xml": "no such file",
		notGz:                "the name ends in .gz but the file is not gzip data",
	} {
		if _, err := ParseFile(path, Limits{}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want %q", path, err, want)
		}
	}
}
