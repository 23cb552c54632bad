package mssecure

import (
	"reflect"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/catalog"
)

// TestConvertSample: the real file converts into a catalog the loader
// accepts, with the source's counts reported (taken with python3's
// ElementTree: 26 patches name a RegChg or FileChg).
func TestConvertSample(t *testing.T) {
	c, rep := convertBack(t, sampleXML(t))
	want := Report{DataVersion: "1.0.1.148", DataDate: "2001-10-04", SourceBulletins: 40, SourcePatches: 62, SourceChecked: 26, SourceProducts: 104}
	got := Report{DataVersion: rep.DataVersion, DataDate: rep.DataDate, SourceBulletins: rep.SourceBulletins,
		SourcePatches: rep.SourcePatches, SourceChecked: rep.SourceChecked, SourceProducts: rep.SourceProducts}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("report %+v, want %+v", got, want)
	}
	if rep.Detected+rep.Undetectable != 104 || rep.Bulletins != 40 || rep.Judged+rep.Notes != rep.Patches || rep.Judged == 0 {
		t.Errorf("report %s", rep)
	}
	if c.FormatVersion != 2 || c.LastDataUpdate != "2001-10-04" || len(c.Bulletins) != 40 {
		t.Errorf("catalog format %d, date %s, %d bulletins", c.FormatVersion, c.LastDataUpdate, len(c.Bulletins))
	}
	// MS98-002: an Installed value and a file checked only where it is.
	p := bulletinOf(t, c, "MS98-002").Patches[0]
	wantReg := []catalog.Rule{{Kind: catalog.RuleRegValue, Key: `HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Hotfix\Q148427`, Name: "Installed", Op: catalog.OpEquals, Value: "1", Line: p.RegChecks[0].Line}}
	if p.SQNumber != "Q148427" || p.Note != "" || !reflect.DeepEqual(p.RegChecks, wantReg) || len(p.FileChecks) != 1 ||
		p.FileChecks[0].Path != `%windir%\system32\SCHANNEL.DLL` || p.FileChecks[0].Version.String() != "4.84.1800.1381" || !p.FileChecks[0].IfExists {
		t.Errorf("MS98-002: %+v", p)
	}
	// MS98-004 is superseded by MS99-025 (SBID 43, held from MS99-025's side).
	if s := bulletinOf(t, c, "MS98-004").Patches[0].SupersededBy; len(s) != 1 || s[0] != (catalog.Supersedence{BulletinID: "MS99-025", SQNumber: "Q184375"}) {
		t.Errorf("MS98-004 superseded by %+v", s)
	}
	for _, w := range rep.Warnings {
		if !strings.HasPrefix(w, "t.xml:") || strings.Count(w, ":") < 3 {
			t.Errorf("warning without a position: %q", w)
		}
	}
}

// TestConvertMS01005: the example. Windows 2000 at SP1, fixed in
// SP2, decided by the Type value under the update's key.
func TestConvertMS01005(t *testing.T) {
	c, _ := convertBack(t, withMS01005(t))
	b := bulletinOf(t, c, "MS01-005")
	if b.DatePosted != "2001-02-07" || !reflect.DeepEqual(b.QNumbers, []string{"Q281767"}) || len(b.Patches) != 1 {
		t.Fatalf("bulletin %+v", b)
	}
	p := b.Patches[0]
	if p.SQNumber != "Q281767" || p.Name != "Q281767_W2K_SP2_x86_en.EXE" || p.Note != "" {
		t.Errorf("patch %+v", p)
	}
	for i, id := range []int{5, 6, 7} {
		if a := p.Affected[i]; a.ProductID != id || a.FixedInSP != 2 || !reflect.DeepEqual(a.ServicePackIDs, []int{1}) {
			t.Errorf("affected %d: %+v", i, a)
		}
	}
	r := p.RegChecks[0]
	if len(p.RegChecks) != 1 || r.Key != `HKLM\SOFTWARE\Microsoft\Updates\Windows 2000\SP1\Q281767` || r.Name != "Type" || r.Op != catalog.OpEquals || r.Value != "Update" {
		t.Errorf("checks %+v", p.RegChecks)
	}
	levels := map[int]int{}
	for _, sp := range c.ServicePacks {
		levels[sp.ID] = sp.Level
	}
	if levels[1] != 1 || levels[2] != 2 {
		t.Errorf("service pack levels %v", levels)
	}
	pro := productNamed(t, c, "Windows 2000 Professional")
	if pro.CurrentServicePackID != 2 || len(pro.Detection) != 2 || pro.Detection[0].Value != "5.0" || pro.Detection[1].Value != "WinNT" {
		t.Errorf("Windows 2000 Professional: %+v", pro)
	}
}

// TestConvertCommands: every command letter, for registry values and
// files, becomes its check, or a note, or is left out as HFNetChk did.
func TestConvertCommands(t *testing.T) {
	c, rep := convertBack(t, commandsDoc())
	ps := map[string]catalog.Patch{}
	for _, p := range bulletinOf(t, c, "MS01-100").Patches {
		ps[p.SQNumber] = p
	}
	key := `HKLM\SOFTWARE\Microsoft\Updates\Windows 2000\SP1\Q1`
	var gotReg []string
	for _, r := range ps["Q1"].RegChecks {
		gotReg = append(gotReg, r.Kind.String()+" "+r.Key+`\`+r.Name+" "+string(r.Op)+" "+r.Value)
	}
	wantReg := []string{
		"RegValue " + key + `\Installed equals 1`,                                          // r
		"RegValue " + key + `\Installed equals 16`,                                         // c, a REG_DWORD in hexadecimal
		"RegValue " + key + `\Installed absent `,                                           // d
		`RegValue HKLM\SOFTWARE\Classes\CLSID\{1}\Installed equals 1`,                      // a, HKCR
		`RegKey HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Hotfix\Q300001\ exists `, // no value name: the key
		"RegValue " + key + `\Type equals Update`,                                          // trailing spaces
		"RegValue " + key + `\Type exists `,                                                // no data: exists
	}
	if !reflect.DeepEqual(gotReg, wantReg) {
		t.Errorf("registry checks:\n%s\nwant:\n%s", strings.Join(gotReg, "\n"), strings.Join(wantReg, "\n"))
	}
	var gotFiles []string
	for _, f := range ps["Q1"].FileChecks {
		gotFiles = append(gotFiles, f.Path+" "+f.Version.String()+map[bool]string{true: " if present"}[f.IfExists])
	}
	wantFiles := []string{`%windir%\system32\a.dll 5.0.2195.1`, `%windir%\system32\a.dll 5.0.2195.2`, `%windir%\system32\b.dll 5.0.2195.3 if present`, `%ProgramFiles%\App\app.exe 2.0`}
	if !reflect.DeepEqual(gotFiles, wantFiles) {
		t.Errorf("file checks %q, want %q", gotFiles, wantFiles)
	}
	for kb, want := range map[string]string{
		"Q2":  "registry value Installed is to be changed only if it exists (command e), which a RegCheck cannot express",
		"Q3":  `the patch deletes b.dll (command d), and a FileCheck cannot test that a file is absent`,
		"Q4":  `FileChangeID 7 has command "x", which is not one of c, a, e, d, u`,
		"Q5":  `registry key "HKCU\\Software\\App" hive HKCU is not supported`,
		"Q6":  `%ExchSrvr%\bin\store.exe is under %ExchSrvr%, Exchange's installation folder, which HFNetChk found by itself and patchscan does not resolve`,
		"Q7":  "the source gives no registry value or file to check for it",
		"Q8":  "the source gives no file version for c.dll (HFNetChk compared its own checksum, which patchscan does not compute)",
		"Q9":  "RegChangeID 404 is not defined in the file",
		"Q10": "FileChangeID 10 is defined 2 times with different content, so which one HFNetChk checked is unknown",
	} {
		p := ps[kb]
		if !strings.HasPrefix(p.Note, "patchscan cannot check this patch as HFNetChk did: ") || !strings.Contains(p.Note, want) || len(p.RegChecks)+len(p.FileChecks) != 0 {
			t.Errorf("%s: note %q, want one saying %q", kb, p.Note, want)
		}
	}
	if rep.Unsupported != 4 || rep.ChecksumOnly != 2 { // Q1 and Q7 name RegChange 5 and FileChange 6; Q1 and Q8 FileChange 5
		t.Errorf("unsupported %d, checksum only %d; want 4, 2", rep.Unsupported, rep.ChecksumOnly)
	}
}

// commandsDoc has a patch per command letter, and Q1 with every check
// that can be expressed.
func commandsDoc() []byte {
	regs := `<RegKeys>
<RegKey RegKeyID="1" Name="Installed" Type="0x10001"><RegChanges>
 <RegChange RegChangeID="1" RegChangeValue="1" CommandID="r" LocationID="20"/><RegChange RegChangeID="2" RegChangeValue="0x10" CommandID="c" LocationID="20"/>
 <RegChange RegChangeID="3" RegChangeValue="1" CommandID="d" LocationID="20"/><RegChange RegChangeID="4" RegChangeValue="1" CommandID="e" LocationID="20"/>
 <RegChange RegChangeID="5" RegChangeValue="1" CommandID="u" LocationID="20"/><RegChange RegChangeID="6" RegChangeValue="1" CommandID="r" LocationID="22"/>
 <RegChange RegChangeID="7" RegChangeValue="1" CommandID="a" LocationID="21"/></RegChanges></RegKey>
<RegKey RegKeyID="2" Name="" Type="0"><RegChanges><RegChange RegChangeID="8" RegChangeValue="" CommandID="r" LocationID="23"/></RegChanges></RegKey>
<RegKey RegKeyID="3" Name="Type" Type="0"><RegChanges><RegChange RegChangeID="9" RegChangeValue=" Update " CommandID="r" LocationID="20"/><RegChange RegChangeID="10" RegChangeValue="" CommandID="r" LocationID="20"/></RegChanges></RegKey>
</RegKeys>
<Files>
<File FileID="1" Name="a.dll" LocationID="6"><FileChanges><FileChange FileChangeID="1" Version="5.0.2195.1" CommandID="c"/><FileChange FileChangeID="2" Version="5,0,2195,2" CommandID="a"/></FileChanges></File>
<File FileID="2" Name="b.dll" LocationID="6"><FileChanges><FileChange FileChangeID="3" Version="5.0.2195.3" CommandID="e"/><FileChange FileChangeID="4" Version="5.0.2195.4" CommandID="d"/></FileChanges></File>
<File FileID="3" Name="c.dll" LocationID="6"><FileChanges><FileChange FileChangeID="5" Version="na" CommandID="c" Checksum="1234"/><FileChange FileChangeID="6" Version="1.0" CommandID="u"/><FileChange FileChangeID="7" Version="1.0" CommandID="x"/></FileChanges></File>
<File FileID="4" Name="store.exe" LocationID="8"><FileChanges><FileChange FileChangeID="8" Version="5.5.1.1" CommandID="c"/></FileChanges></File>
<File FileID="5" Name="app.exe" LocationID="10"><FileChanges><FileChange FileChangeID="9" Version="2.0" CommandID="c"/><FileChange FileChangeID="9" Version="2.0" CommandID="c"/></FileChanges></File>
<File FileID="6" Name="d.dll" LocationID="6"><FileChanges><FileChange FileChangeID="10" Version="1.0" CommandID="c"/></FileChanges></File>
<File FileID="6" Name="e.dll" LocationID="6"><FileChanges><FileChange FileChangeID="10" Version="2.0" CommandID="c"/></FileChanges></File>
</Files>`
	patch := func(kb, chgs string) string {
		return `<Patch PatchName="` + kb + `.exe" SQNumber="` + kb + `"><AffectedProduct ProductID="5"/>` + chgs + `</Patch>`
	}
	reg := func(ids ...string) string {
		s := "<RegChgs>"
		for _, id := range ids {
			s += `<RegChg RegChangeID="` + id + `"/>`
		}
		return s + "</RegChgs>"
	}
	files := func(ids ...string) string {
		s := "<FileChgs>"
		for _, id := range ids {
			s += `<FileChg FileChangeID="` + id + `"/>`
		}
		return s + "</FileChgs>"
	}
	doc := mini("", regs+`<Bulletins><Bulletin BulletinID="MS01-100" Title="T" DatePosted="2001/01/01"><Patches>`+
		patch("Q1", reg("1", "2", "3", "5", "7", "8", "9", "10")+files("1", "2", "3", "5", "6", "9"))+
		patch("Q2", reg("4"))+patch("Q3", files("4"))+patch("Q4", files("7"))+patch("Q5", reg("6"))+patch("Q6", files("8"))+
		patch("Q7", reg("5")+files("6"))+patch("Q8", files("5"))+patch("Q9", reg("404"))+patch("Q10", files("10"))+
		`</Patches></Bulletin></Bulletins>`)
	return doc
}
