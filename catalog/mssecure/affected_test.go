package mssecure

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/catalog"
)

// TestAffectedProducts: how each shape of AffectedProduct becomes native
// ones: Windows service packs as levels, an application's Windows service
// packs through a product on that Windows, a product's own service packs
// through products told apart by version, or a note where patchscan cannot
// tell.
func TestAffectedProducts(t *testing.T) {
	products := `<Product ProductID="16" Name="Internet Information Server 4.0"><AvailableSPs><AvailableSP ServicePackID="69"/><AvailableSP ServicePackID="4"/></AvailableSPs></Product>
<Product ProductID="52" Name="Internet Explorer 5.01"><AvailableSPs><AvailableSP ServicePackID="71"/><AvailableSP ServicePackID="12"/><AvailableSP ServicePackID="75"/></AvailableSPs></Product>
<Product ProductID="42" Name="Office 2000"><ProductFamilies><ProductFamily ProductFamilyID="5"/></ProductFamilies><AvailableSPs><AvailableSP ServicePackID="54"/><AvailableSP ServicePackID="10"/><AvailableSP ServicePackID="11"/></AvailableSPs></Product>
<Product ProductID="35" Name="Exchange Server 5.5"><AvailableSPs><AvailableSP ServicePackID="57"/><AvailableSP ServicePackID="58"/></AvailableSPs></Product>
<Product ProductID="56" Name="Works 2000"/>
<Product ProductID="57" Name="PictureIt 2000"><ProductFamilies><ProductFamily ProductFamilyID="2"/></ProductFamilies></Product>
<Product ProductID="9" Name="Windows 95"/>
<Product ProductID="98" Name="Personal Web Server 4.0"/>`
	cases := affectedCases()
	var rows strings.Builder
	for i, tc := range cases {
		fmt.Fprintf(&rows, `<Patch PatchName="p%d.exe" SQNumber="Q%d">%s<RegChgs><RegChg RegChangeID="1"/></RegChgs></Patch>`, i, 100000+i, tc.ap)
	}
	doc := mini(products, `<RegKeys><RegKey Name="Installed"><RegChanges><RegChange RegChangeID="1" RegChangeValue="1" CommandID="r" LocationID="20"/></RegChanges></RegKey></RegKeys>
<Bulletins><Bulletin BulletinID="MS01-100" Title="T" DatePosted="2001/01/01"><Patches>`+rows.String()+`</Patches></Bulletin></Bulletins>`)
	c, _ := convertBack(t, doc)
	names := map[int]string{}
	for _, p := range c.Products {
		names[p.ID] = p.Name
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var p *catalog.Patch
			for j, x := range bulletinOf(t, c, "MS01-100").Patches {
				if x.SQNumber == fmt.Sprintf("Q%d", 100000+i) {
					p = &bulletinOf(t, c, "MS01-100").Patches[j]
				}
			}
			if p == nil {
				t.Fatal("not converted")
			}
			var got []string
			for _, a := range p.Affected {
				s := names[a.ProductID]
				if a.FixedInSP > 0 {
					s += fmt.Sprintf(" fixed %d", a.FixedInSP)
				}
				if len(a.ServicePackIDs) > 0 {
					s += fmt.Sprint(" at ", a.ServicePackIDs)
				}
				got = append(got, s)
			}
			if strings.Join(got, "; ") != tc.want {
				t.Errorf("affected %q, want %q", strings.Join(got, "; "), tc.want)
			}
			if tc.note == "" && p.Note != "" || !strings.Contains(p.Note, tc.note) {
				t.Errorf("note %q, want %q", p.Note, tc.note)
			}
		})
	}
	ie := productNamed(t, c, "Internet Explorer 5.01 SP1")
	wantRules := []string{"version-ge 5.0.2900", "version-lt 5.50", "version-ge 5.0.3103", "version-lt 5.0.3314"}
	var gotRules []string
	for _, r := range ie.Detection {
		gotRules = append(gotRules, string(r.Op)+" "+r.Value)
	}
	if !reflect.DeepEqual(gotRules, wantRules) || ie.Detection[0].Key != `HKLM\SOFTWARE\Microsoft\Internet Explorer` || ie.Detection[0].Name != "Version" {
		t.Errorf("IE 5.01 SP1 rules %q (%+v)", gotRules, ie.Detection)
	}
	iis := productNamed(t, c, "Internet Information Server 4.0 on Windows NT 4.0")
	if last := iis.Detection[len(iis.Detection)-1]; last.Name != "CurrentVersion" || last.Value != "4.0" {
		t.Errorf("IIS 4.0 on NT 4.0: %+v", iis.Detection)
	}
}

// affectedCase is an AffectedProduct row and what it must become.
type affectedCase struct {
	name, ap string
	want     string // the native AffectedProducts, by product name
	note     string // the note's reason, "" = judged
}

func affectedCases() []affectedCase {
	return []affectedCase{
		{"Windows at a service pack, fixed in a later one", `<AffectedProduct ProductID="5" FixedInSP="2"><AffectedServicePack ServicePackID="1"/></AffectedProduct>`,
			"Windows 2000 Professional fixed 2 at [1]", ""},
		{"no service pack includes the fix (0)", `<AffectedProduct ProductID="1" FixedInSP="0"/>`, "Windows NT Workstation 4.0", ""},
		{"an undefined FixedInSP is taken as none", `<AffectedProduct ProductID="1" FixedInSP="999"/>`, "Windows NT Workstation 4.0", ""},
		{"an application at Windows service packs: a product on that Windows", `<AffectedProduct ProductID="16" FixedInSP="4"><AffectedServicePack ServicePackID="69"/></AffectedProduct>`,
			"Internet Information Server 4.0 on Windows NT 4.0 fixed 4 at [69]", ""},
		{"a product's own service pack: a product for it", `<AffectedProduct ProductID="52" FixedInSP="0"><AffectedServicePack ServicePackID="12"/></AffectedProduct>`,
			"Internet Explorer 5.01 SP1", ""},
		{"fixed in the product's own service pack: every earlier one", `<AffectedProduct ProductID="52" FixedInSP="75"/>`,
			"Internet Explorer 5.01 Gold; Internet Explorer 5.01 SP1", ""},
		{"all of a product's service packs: the product", `<AffectedProduct ProductID="52"><AffectedServicePack ServicePackID="71"/><AffectedServicePack ServicePackID="12"/><AffectedServicePack ServicePackID="75"/></AffectedProduct>`,
			"Internet Explorer 5.01", ""},
		{"both: a product per service pack, on a Windows", `<AffectedProduct ProductID="35" FixedInSP="4"><AffectedServicePack ServicePackID="57"/></AffectedProduct>`,
			"Exchange Server 5.5 Gold on Windows NT 4.0 fixed 4", ""},
		{"a product's service pack patchscan cannot tell", `<AffectedProduct ProductID="42"><AffectedServicePack ServicePackID="10"/></AffectedProduct>`,
			"Office 2000", "which service pack of Office 2000 a host runs cannot be told remotely, and the patch applies to SR-1 only"},
		{"a Windows service pack of another Windows", `<AffectedProduct ProductID="5"><AffectedServicePack ServicePackID="4"/></AffectedProduct>`,
			"Windows 2000 Professional", "for Windows 2000 Professional, a service pack of Windows NT 4.0 is named for it"},
		{"a product that cannot be recognised: a note on every Windows of the file", `<AffectedProduct ProductID="56"/>`,
			"Windows NT Workstation 4.0; Windows NT Server 4.0; Windows 2000 Professional; Windows 2000 Server", "Works 2000 cannot be recognised remotely"},
		{"... on the Windows of its family", `<AffectedProduct ProductID="57"/>`,
			"Windows 2000 Professional; Windows 2000 Server", "PictureIt 2000 cannot be recognised remotely"},
		{"... on the Windows of its service packs", `<AffectedProduct ProductID="56" FixedInSP="5"><AffectedServicePack ServicePackID="4"/></AffectedProduct>`,
			"Windows NT Workstation 4.0 fixed 5 at [4]; Windows NT Server 4.0 fixed 5 at [4]", "Works 2000 cannot be recognised remotely"},
		{"an undefined product", `<AffectedProduct ProductID="404"/>`,
			"Windows NT Workstation 4.0; Windows NT Server 4.0; Windows 2000 Professional; Windows 2000 Server", "the source names ProductID 404, which its Products table does not define"},
		{"the first release of a product that lists no service packs: the product", `<AffectedProduct ProductID="98"><AffectedServicePack ServicePackID="129"/></AffectedProduct>`,
			"Personal Web Server 4.0", ""},
		{"Windows 95: never scanned, its service packs do not matter", `<AffectedProduct ProductID="9"><AffectedServicePack ServicePackID="74"/></AffectedProduct>`, "Windows 95", ""},
	}
}

// TestFixedInGold: a fix in a release's first version applies to no host;
// the AffectedProduct is left out with a warning, and a patch left with
// none is too.
func TestFixedInGold(t *testing.T) {
	doc := mini("", `<Bulletins><Bulletin BulletinID="MS00-001" Title="T" DatePosted="2000/01/01"><Patches>
<Patch PatchName="a.exe" SQNumber="Q1"><AffectedProduct ProductID="5" FixedInSP="74"/><AffectedProduct ProductID="1"/></Patch>
<Patch PatchName="b.exe" SQNumber="Q2"><AffectedProduct ProductID="5" FixedInSP="74"/></Patch>
</Patches></Bulletin></Bulletins>`)
	c, rep := convertBack(t, doc)
	b := bulletinOf(t, c, "MS00-001")
	if len(b.Patches) != 1 || len(b.Patches[0].Affected) != 1 || b.Patches[0].Affected[0].ProductID != 1 {
		t.Errorf("patches %+v", b.Patches)
	}
	all := strings.Join(rep.Warnings, "\n")
	for _, w := range []string{`t.xml:28:40: AffectedProduct Windows 2000 Professional: the fix is in "Windows 2000 Gold", the first release; it is left out`,
		"t.xml:29:1: patch Q2 of MS00-001 applies to no product patchscan could meet"} {
		if !strings.Contains(all, w) {
			t.Errorf("warnings lack %q:\n%s", w, all)
		}
	}
}
