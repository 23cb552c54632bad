package mssecure

import (
	"bytes"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/catalog"
	"github.com/patchscan/patchscan/catalog/mssecure/mssecuretest"
)

// sampleXML is the sample, decompressed.
func sampleXML(t testing.TB) []byte {
	t.Helper()
	b, err := mssecuretest.Sample()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// withMS01005 is the sample with a Bulletin row for MS01-005 (see
// mssecuretest.MS01005).
func withMS01005(t testing.TB) []byte {
	t.Helper()
	b, err := mssecuretest.WithMS01005()
	if err != nil {
		t.Fatal(err)
	}
	return b
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
