package mssecure

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/catalog"
)

const oneCheck = `<RegKeys><RegKey Name="Installed"><RegChanges><RegChange RegChangeID="1" RegChangeValue="1" CommandID="r" LocationID="20"/></RegChanges></RegKey></RegKeys>`

func onW2K(name, sq, extra string) string {
	return `<Patch PatchName="` + name + `" SQNumber="` + sq + `" ` + extra + `><AffectedProduct ProductID="5"/><RegChgs><RegChg RegChangeID="1"/></RegChgs></Patch>`
}

// TestSupersedence: SupercededBy rows, kept on the replacing side, become
// SupersededBy on the replaced patch, by the replacing patch's KB; a
// chain that would come back is cut; a replacing bulletin outside the file
// keeps the KB its patch name holds.
func TestSupersedence(t *testing.T) {
	doc := mini("", oneCheck+`<Bulletins>
<Bulletin BulletinID="MS00-001" Title="T" DatePosted="2000/01/01"><Patches>`+onW2K("old.exe", "Q1", `SBID="1"`)+onW2K("other.exe", "Q5", `SBID="4"`)+`</Patches></Bulletin>
<Bulletin BulletinID="MS00-002" Title="T" DatePosted="2000/02/01"><Patches>`+onW2K("Q299999_W2K_SP2_x86_en.EXE", "", `SBID="2"`)+`</Patches></Bulletin>
<Bulletin BulletinID="MS00-003" Title="T" DatePosted="2000/03/01"><Patches>`+onW2K("new.exe", "Q3", `SBID="3"`)+`</Patches></Bulletin>
</Bulletins>
<SupercededBys>
<SupercededBy SBID="1" Description="MS00-002"><SupercededBulletins><SupercededBulletin BulletinID="MS00-002 "><SupercededPatches><SupercededPatch PatchName="q299999_w2k_sp2_x86_en.exe"/></SupercededPatches></SupercededBulletin></SupercededBulletins></SupercededBy>
<SupercededBy SBID="2" Description="MS00-003 and one outside"><SupercededBulletins><SupercededBulletin BulletinID="MS00-003"><SupercededPatches><SupercededPatch PatchName="new.exe"/></SupercededPatches></SupercededBulletin>
  <SupercededBulletin BulletinID="MS02-099"><SupercededPatches><SupercededPatch PatchName="Q327777_W2K_SP4_x86_en.EXE"/></SupercededPatches></SupercededBulletin></SupercededBulletins></SupercededBy>
<SupercededBy SBID="3" Description="back to MS00-001 (a cycle)"><SupercededBulletins><SupercededBulletin BulletinID="MS00-001"><SupercededPatches><SupercededPatch PatchName="old.exe"/></SupercededPatches></SupercededBulletin></SupercededBulletins></SupercededBy>
<SupercededBy SBID="4" Description="a patch MS00-002 does not have"><SupercededBulletins><SupercededBulletin BulletinID="MS00-002"><SupercededPatches><SupercededPatch PatchName="gone.exe"/></SupercededPatches></SupercededBulletin></SupercededBulletins></SupercededBy>
</SupercededBys>`)
	c, rep := convertBack(t, doc)
	got := map[string][]catalog.Supersedence{}
	for _, b := range c.Bulletins {
		for _, p := range b.Patches {
			got[p.SQNumber] = p.SupersededBy
		}
	}
	want := map[string][]catalog.Supersedence{
		"Q1":      {{BulletinID: "MS00-002", SQNumber: "Q299999"}},
		"Q5":      {{BulletinID: "MS00-002", SQNumber: "Q299999"}},
		"Q299999": {{BulletinID: "MS02-099", SQNumber: "Q327777"}, {BulletinID: "MS00-003", SQNumber: "Q3"}},
		"Q3":      nil, // MS00-003 -> MS00-001 would close MS00-001 -> MS00-002 -> MS00-003
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("supersedence %+v, want %+v", got, want)
	}
	all := strings.Join(rep.Warnings, "\n")
	for _, w := range []string{"supersedence by MS00-001 Q1 would close a cycle", `names patch "gone.exe" of MS00-002, which that bulletin does not have; any of its patches counts`} {
		if !strings.Contains(all, w) {
			t.Errorf("warnings lack %q:\n%s", w, all)
		}
	}
}

// TestQuirks: what real files hold is tolerated: two date forms, trailing
// spaces and repeated QNumbers, a bulletin given twice, Severity "NA",
// MBSA 1.2's MSSeverities and CVE candidates, Supported="No", KB numbers
// found where SQNumber is empty.
func TestQuirks(t *testing.T) {
	doc := mini("", oneCheck+`<Bulletins>
<Bulletin BulletinID=" MS01-001 " Title=" Title  with  spaces " DatePosted="1/30/2001" Issue="What it is."><QNumbers><QNumber QNumber="Q300001 "/><QNumber QNumber="q300001"/><QNumber QNumber="Q300002"/></QNumbers>
<Patches>`+onW2K("p.exe", "", `MSSeverityID="1" CVEID="CAN-2001-0001, CVE-2001-0002 bogus"`)+onW2K("q300009_w2k.exe", "", `MSSeverityID="7"`)+`</Patches></Bulletin>
<Bulletin BulletinID="MS01-002" Title="T" DatePosted="not a date" DateRevised="2001/03/04" Supported="No"><Patches>`+onW2K("r.exe", "Q300003", "")+`</Patches></Bulletin>
<Bulletin BulletinID="ms01-001" Title="again" DatePosted="2001/01/30"><Patches>`+onW2K("s.exe", "Q300004", "")+`</Patches></Bulletin>
</Bulletins>
<Severities><Severity SeverityID="0" Description="NA"/></Severities>
<MSSeverities><MSSeverity MSSeverityID="1" Name="Critical"/><MSSeverity MSSeverityID="2" Name="Important"/></MSSeverities>`)
	c, rep := convertBack(t, doc)
	if len(c.Bulletins) != 2 {
		t.Fatalf("%d bulletins, want 2 (MS01-001 given twice)", len(c.Bulletins))
	}
	b := bulletinOf(t, c, "MS01-001")
	if b.Title != "Title with spaces" || b.DatePosted != "2001-01-30" || b.Summary != "What it is." || !reflect.DeepEqual(b.QNumbers, []string{"Q300001", "Q300002"}) || len(b.Patches) != 3 {
		t.Errorf("MS01-001: %+v", b)
	}
	p := b.Patches[0]
	if p.SQNumber != "Q300001" || p.SeverityID != 1 || !reflect.DeepEqual(p.CVEs, []string{"CVE-2001-0001", "CVE-2001-0002"}) {
		t.Errorf("p.exe: %+v (the bulletin's first QNumber, its severity, CAN- read as CVE-)", p)
	}
	if q := b.Patches[1]; q.SQNumber != "Q300009" || q.SeverityID != 5 {
		t.Errorf("q300009_w2k.exe: KB %s from the name, severity %d (not rated: 7 is undefined)", q.SQNumber, q.SeverityID)
	}
	if !reflect.DeepEqual(c.Severities, []catalog.Severity{{ID: 1, Name: "Critical"}, {ID: 2, Name: "Important"}, {ID: 5, Name: "Not rated (mssecure.xml gives no severity)"}}) {
		t.Errorf("severities %+v", c.Severities)
	}
	b2 := bulletinOf(t, c, "MS01-002")
	if b2.DatePosted != "2001-03-04" || !strings.Contains(b2.Patches[0].Note, `the source marks bulletin MS01-002 Supported="No"`) {
		t.Errorf("MS01-002: %+v", b2)
	}
	all := strings.Join(rep.Warnings, "\n")
	for _, w := range []string{
		`bulletin MS01-002: DatePosted "not a date" is not a date (YYYY/MM/DD or M/D/YYYY); its DateRevised is used`,
		"BulletinID ms01-001 is given again; its patches are added to the first",
		`CVEID "bogus" is not a CVE identifier; it is left out`,
		"MSSeverityID 7 is not in the file's MSSeverities; the patch is not rated",
	} {
		if !strings.Contains(all, w) {
			t.Errorf("warnings lack %q:\n%s", w, all)
		}
	}
}

func TestNormDate(t *testing.T) {
	for in, want := range map[string]string{"1998/06/01": "1998-06-01", "10/04/2001": "2001-10-04", "6/6/2001": "2001-06-06",
		"2001-6-6": "2001-06-06", "2001/06/06 00:00:00": "2001-06-06", "": "", "13/40/2001": "", "1/1/1970": ""} {
		if got, ok := normDate(in); got != want || ok != (want != "") {
			t.Errorf("normDate(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

// TestOverlap: two rows of one package (same name and KB) for the same
// product and service pack would be judged twice on a host; the later one
// gives way, with a warning.
func TestOverlap(t *testing.T) {
	doc := mini("", oneCheck+`<Bulletins><Bulletin BulletinID="MS01-001" Title="T" DatePosted="2001/01/01"><Patches>`+
		onW2K("same.exe", "Q1", "")+
		`<Patch PatchName="SAME.EXE" SQNumber="Q1"><AffectedProduct ProductID="5"/><AffectedProduct ProductID="6"/><RegChgs><RegChg RegChangeID="1"/></RegChgs></Patch>`+
		`</Patches></Bulletin></Bulletins>`)
	c, rep := convertBack(t, doc)
	ps := bulletinOf(t, c, "MS01-001").Patches
	if len(ps) != 2 || len(ps[0].Affected) != 1 || len(ps[1].Affected) != 1 || ps[1].Affected[0].ProductID != 6 {
		t.Errorf("patches %+v", ps)
	}
	if !strings.Contains(strings.Join(rep.Warnings, "\n"), "patch Q1 of MS01-001: the same package already applies to ProductID 5") {
		t.Errorf("warnings %q", rep.Warnings)
	}
}

// TestHostileValues: values no real file has, but a damaged or hostile one
// could, still convert into a catalog the loader accepts.
func TestHostileValues(t *testing.T) {
	doc := mini(`<Product ProductID="2147483647" Name="Internet Explorer 5.01"><ProductFamilies><ProductFamily ProductFamilyID="77"/></ProductFamilies><AvailableSPs><AvailableSP ServicePackID="71"/><AvailableSP ServicePackID="12"/></AvailableSPs></Product>
<Product ProductID="0" Name="Zero"/><Product ProductID="3000" Name="   "/>`,
		oneCheck+`<ProductFamilies><ProductFamily ProductFamilyID="77" Name=""/><ProductFamily ProductFamilyID="2" Name="Windows 2000"/><ProductFamily ProductFamilyID="2" Name="Windows 2000"/></ProductFamilies>
<Files><File Name="a&lt;b.dll" LocationID="6"><FileChanges><FileChange FileChangeID="1" Version="1.0" CommandID="c"/></FileChanges></File>
<File Name="..\..\x.dll" LocationID="6"><FileChanges><FileChange FileChangeID="2" Version="1.0" CommandID="c"/></FileChanges></File></Files>
<Bulletins><Bulletin BulletinID="MS&#x81;01 002" Title="" DatePosted=""><QNumbers><QNumber QNumber=" Q 1 "/></QNumbers><Patches>
<Patch PatchName="" SQNumber=""><AffectedProduct ProductID="2147483647" FixedInSP="12"/><AffectedProduct ProductID="3000"/><AffectedProduct ProductID="0"/><FileChgs><FileChg FileChangeID="1"/></FileChgs></Patch>
<Patch PatchName="x" SQNumber="Q2"><AffectedProduct ProductID="5"/><FileChgs><FileChg FileChangeID="2"/></FileChgs></Patch>
</Patches></Bulletin></Bulletins>`)
	c, _ := convertBack(t, doc)
	b := c.Bulletins[0]
	if b.ID != "MS01-002" || b.Title != "MS01-002" || b.DatePosted != "2001-06-06" {
		t.Errorf("bulletin %+v", b)
	}
	for _, p := range b.Patches {
		if p.Note == "" {
			t.Errorf("patch %+v: a file name Windows forbids is a note", p)
		}
	}
	if p := productNamed(t, c, "Internet Explorer 5.01 Gold"); p.ID == 2147483647 || p.ID < 1 {
		t.Errorf("derived product ID %d", p.ID)
	}
}

// TestTooManyElements: a conversion that would outgrow a native catalog
// stops with an error.
func TestTooManyElements(t *testing.T) {
	defer func(n int) { maxElements = n }(maxElements)
	maxElements = 2 // the first bulletin writes 3: a patch, its product, its check
	d, err := Parse(bytes.NewReader(mini("", oneCheck+`<Bulletins>
<Bulletin BulletinID="MS00-001" Title="T" DatePosted="2000/01/01"><Patches>`+onW2K("a.exe", "Q1", "")+`</Patches></Bulletin>
<Bulletin BulletinID="MS00-002" Title="T" DatePosted="2000/01/01"><Patches>`+onW2K("b.exe", "Q2", "")+`</Patches></Bulletin></Bulletins>`)), "t.xml", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := Convert(d); err == nil || !strings.Contains(err.Error(), "more than 2 elements") || !strings.Contains(err.Error(), "stopped at bulletin MS00-002") {
		t.Errorf("Convert: %v", err)
	}
}
