package mssecure

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/catalog"
)

// sampleXML is the sample, decompressed.
func sampleXML(t testing.TB) []byte {
	t.Helper()
	f, err := os.Open(sample)
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
	return b
}

// ms01005 is a Bulletin row for MS01-005, which the sample's 40 bulletins
// do not include although its rows do: RegChange 1092 (value Type =
// Update, command r) under Location 304,
// HKLM\SOFTWARE\Microsoft\Updates\Windows 2000\SP1\Q281767, for Windows
// 2000 (products 5, 6, 7) at Service Pack 1 (ServicePackID 1), fixed in
// Service Pack 2 (ServicePackID 2). Written for the tests in the file's
// own schema, with its date in the M/D/YYYY form.
const ms01005 = `		<Bulletin BulletinID="MS01-005" BulletinLocationID="73" FAQLocationID="73" FAQPageName="FQ01-005.asp" Title="MS01-005 (a Bulletin row written for patchscan's tests; its RegChange and Locations are the file's own)" DatePosted="2/7/2001" DateRevised="2/7/2001" Supported="Yes" Summary="" Issue="" ImpactSeverityID="0" PreReqSeverityID="0" MitigationSeverityID="0" PopularitySeverityID="0">
			<BulletinComments/>
			<QNumbers>
				<QNumber QNumber="Q281767 "/>
			</QNumbers>
			<Patches>
				<Patch PatchName="Q281767_W2K_SP2_x86_en.EXE" PatchLocationID="283" SBID="" SQNumber="" NoReboot="0">
					<PatchComments/>
					<AffectedProduct ProductID="5" FixedInSP="2">
						<AffectedServicePack ServicePackID="1"/>
					</AffectedProduct>
					<AffectedProduct ProductID="6" FixedInSP="2">
						<AffectedServicePack ServicePackID="1"/>
					</AffectedProduct>
					<AffectedProduct ProductID="7" FixedInSP="2">
						<AffectedServicePack ServicePackID="1"/>
					</AffectedProduct>
					<RegChgs>
						<RegChg RegChangeID="1092"/>
					</RegChgs>
				</Patch>
			</Patches>
		</Bulletin>
`

// withMS01005 is the sample with the MS01-005 row added after its 40
// bulletins.
func withMS01005(t testing.TB) []byte {
	s := string(sampleXML(t))
	i := strings.Index(s, "\t</Bulletins>")
	if i < 0 {
		t.Fatal("the sample has no </Bulletins>")
	}
	return []byte(s[:i] + ms01005 + s[i:])
}

// convertBack parses and converts a document, writes the catalog and loads
// it again: what Convert makes must be a valid native catalog.
func convertBack(t *testing.T, doc []byte) (*catalog.Catalog, *Report) {
	t.Helper()
	d, err := Parse(bytes.NewReader(doc), "t.xml", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	c, rep, err := Convert(d)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := catalog.Write(&b, c); err != nil {
		t.Fatal(err)
	}
	back, err := catalog.Load(&b, "native.xml")
	if err != nil {
		t.Fatalf("the converted catalog does not load: %v", err)
	}
	return back, rep
}

// windows are the real file's Windows products and service packs, for
// small documents.
const windows = `<Products>
<Product ProductID="1" Name="Windows NT Workstation 4.0" CurrentServicePackID="7"><ProductFamilies><ProductFamily ProductFamilyID="1"/></ProductFamilies><AvailableSPs><AvailableSP ServicePackID="69"/><AvailableSP ServicePackID="4"/><AvailableSP ServicePackID="5"/><AvailableSP ServicePackID="7"/></AvailableSPs></Product>
<Product ProductID="2" Name="Windows NT Server 4.0" CurrentServicePackID="7"><ProductFamilies><ProductFamily ProductFamilyID="1"/></ProductFamilies></Product>
<Product ProductID="5" Name="Windows 2000 Professional" CurrentServicePackID="2"><ProductFamilies><ProductFamily ProductFamilyID="2"/></ProductFamilies><AvailableSPs><AvailableSP ServicePackID="74"/><AvailableSP ServicePackID="1"/><AvailableSP ServicePackID="2"/></AvailableSPs></Product>
<Product ProductID="6" Name="Windows 2000 Server" CurrentServicePackID="2"><ProductFamilies><ProductFamily ProductFamilyID="2"/></ProductFamilies></Product>
%s
</Products>
<ProductFamilies><ProductFamily ProductFamilyID="1" Name="Windows NT"/><ProductFamily ProductFamilyID="2" Name="Windows 2000"/><ProductFamily ProductFamilyID="5" Name="Office"/></ProductFamilies>
<ServicePacks>
<ServicePack ServicePackID="74" Name="Windows 2000 Gold" ReleaseDate="2000/01/03"/><ServicePack ServicePackID="1" Name="Windows 2000 Service Pack 1" ReleaseDate="2000/07/31"/>
<ServicePack ServicePackID="2" Name="Windows 2000 Service Pack 2" ReleaseDate="2001/05/16"/>
<ServicePack ServicePackID="69" Name="Windows NT4 Service Pack 3"/><ServicePack ServicePackID="4" Name="Windows NT4 Service Pack 4"/>
<ServicePack ServicePackID="5" Name="Windows NT4 Service Pack 5"/><ServicePack ServicePackID="7" Name="Windows NT4 Service Pack 6a"/>
<ServicePack ServicePackID="71" Name="Internet Explorer 5.01 Gold"/><ServicePack ServicePackID="12" Name="Internet Explorer 5.01 SP1"/><ServicePack ServicePackID="75" Name="Internet Explorer 5.01 SP2"/>
<ServicePack ServicePackID="54" Name="Office 2000 Gold"/><ServicePack ServicePackID="10" Name="Office 2000 SR-1"/><ServicePack ServicePackID="11" Name="Office 2000 SR-1a"/>
<ServicePack ServicePackID="57" Name="Exchange Server 5.5 Gold"/><ServicePack ServicePackID="58" Name="Exchange Server 5.5 SP1"/>
<ServicePack ServicePackID="9" Name="None Available"/><ServicePack ServicePackID="129" Name="Personal Web Server 4.0 Gold"/>
</ServicePacks>
<Locations>
<Location LocationID="6" Path="%%windir%%\system32"/><Location LocationID="8" Path="%%ExchSrvr%%\bin"/><Location LocationID="10" Path="%%ProgramFiles%%\App\"/>
<Location LocationID="20" Path="HKLM\SOFTWARE\Microsoft\Updates\Windows 2000\SP1\Q1"/><Location LocationID="21" Path="HKCR\CLSID\{1}"/>
<Location LocationID="22" Path="HKCU\Software\App"/><Location LocationID="23" Path="HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Hotfix\Q300001"/>
<Location LocationID="73" Path="http://www.microsoft.com/technet/security/bulletin"/><Location LocationID="99" Path="ftp://ftp.microsoft.com/x.exe"/>
</Locations>`

// mini is a document with the Windows products and service packs above,
// extra products, and the given other sections.
func mini(products, sections string) []byte {
	return []byte(`<?xml version="1.0"?>
<BulletinDatastore DataVersion="1.0.0.1" LastDataUpdate="6/6/2001" SchemaVersion="1.0.0.11" ToolVersion="3.1">
` + strings.ReplaceAll(strings.Replace(windows, "%s", products, 1), "%%", "%") + "\n" + sections + `
</BulletinDatastore>
`)
}

// bulletinOf returns the converted bulletin id.
func bulletinOf(t *testing.T, c *catalog.Catalog, id string) *catalog.Bulletin {
	t.Helper()
	for i := range c.Bulletins {
		if c.Bulletins[i].ID == id {
			return &c.Bulletins[i]
		}
	}
	t.Fatalf("bulletin %s not converted", id)
	return nil
}

// productNamed returns the native product with that name.
func productNamed(t *testing.T, c *catalog.Catalog, name string) *catalog.Product {
	t.Helper()
	for i := range c.Products {
		if c.Products[i].Name == name {
			return &c.Products[i]
		}
	}
	var names []string
	for _, p := range c.Products {
		names = append(names, p.Name)
	}
	t.Fatalf("no product %q among %q", name, names)
	return nil
}
