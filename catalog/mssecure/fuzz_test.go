package mssecure

import (
	"bytes"
	"errors"
	"testing"

	"github.com/patchscan/patchscan/catalog"
)

// seedDoc has a row of every table, with the quirks of real files.
const seedDoc = `<?xml version="1.0"?>
<BulletinDatastore DataVersion="1.0.1.148" LastDataUpdate="10/04/2001" SchemaVersion="1.0.0.11" ToolVersion="3.1">
<Bulletins><Bulletin BulletinID="MS01-005" BulletinLocationID="73" Title="T " DatePosted="2001/01/30" Supported="Yes">
<BulletinComments><BulletinComment CommentID="1"/></BulletinComments><QNumbers><QNumber QNumber="Q281767 "/><QNumber QNumber="Q281767"/></QNumbers>
<Patches><Patch PatchName="Q281767_W2K_SP2_x86_en.EXE" PatchLocationID="2" SBID="1" SQNumber="" NoReboot="0" MSSeverityID="1" CVEID="CAN-2001-0001">
<PatchComments><PatchComment CommentID="1"/></PatchComments>
<AffectedProduct ProductID="5" FixedInSP="2"><AffectedServicePack ServicePackID="1"/></AffectedProduct>
<AffectedProduct ProductID="52" FixedInSP="75"><AffectedServicePack ServicePackID="12"/></AffectedProduct>
<AffectedProduct ProductID="56" FixedInSP="0"/>
<RegChgs><RegChg RegChangeID="1092"/><RegChg RegChangeID="9"/></RegChgs><FileChgs><FileChg FileChangeID="177"/><FileChg FileChangeID="3"/></FileChgs>
</Patch></Patches></Bulletin></Bulletins>
<Products><Product ProductID="5" Name="Windows 2000 Professional" CurrentServicePackID="2"><ProductFamilies><ProductFamily ProductFamilyID="2"/></ProductFamilies><AvailableSPs><AvailableSP ServicePackID="74"/><AvailableSP ServicePackID="1"/><AvailableSP ServicePackID="2"/></AvailableSPs></Product>
<Product ProductID="52" Name="Internet Explorer 5.01"><AvailableSPs><AvailableSP ServicePackID="71"/><AvailableSP ServicePackID="12"/></AvailableSPs><AvailableSP ServicePackID="75"/></Product>
<Product ProductID="56" Name="Works 2000 "/></Products>
<ProductFamilies><ProductFamily ProductFamilyID="2" Name="Windows 2000"/><ProductFamily ProductFamilyID="2" Name="W2K"/></ProductFamilies>
<ServicePacks><ServicePack ServicePackID="74" Name="Windows 2000 Gold"/><ServicePack ServicePackID="1" Name="Windows 2000 Service Pack 1"/><ServicePack ServicePackID="2" Name="Windows 2000 Service Pack 2" ReleaseDate="2001/05/16"/>
<ServicePack ServicePackID="71" Name="Internet Explorer 5.01 Gold"/><ServicePack ServicePackID="12" Name="Internet Explorer 5.01 SP1"/><ServicePack ServicePackID="75" Name="Internet Explorer 5.01 SP2"/></ServicePacks>
<RegKeys><RegKey RegKeyID="19" Name="Type" Type="0"><RegChanges><RegChange RegChangeID="1092" RegChangeValue="Update" CommandID="r" RegKeyID="199" LocationID="304"/><RegChange RegChangeID="9" RegChangeValue="0x1" CommandID="d" LocationID="9"/></RegChanges></RegKey></RegKeys>
<Files><File FileID="1" Name="smb.dll" LocationID="6"><FileChanges><FileChange FileChangeID="177" Date="2000/10/30" Version="4.0.354.1" Size="" CommandID="e" Checksum="176928"/><FileChange FileChangeID="3" Version="na" CommandID="c" Checksum="1"/></FileChanges></File>
<File FileID="1" Name="pbserver.dll" LocationID="7"><FileChanges><FileChange FileChangeID="177" Version="7.1.2195.2478" CommandID="e"/></FileChanges></File></Files>
<Commands><Command CommandID="e" Name="change if exists, ignore if not"/></Commands>
<Locations><Location LocationID="304" Path="HKLM\SOFTWARE\Microsoft\Updates\Windows 2000\SP1\Q281767" AbsolutePath="False"/><Location LocationID="6" Path="%windir%\system32"/><Location LocationID="7" Path="%ExchSrvr%\bin"/><Location LocationID="9" Path="HKCR\CLSID\{X}"/><Location LocationID="73" Path="http://www.microsoft.com/technet/security/bulletin"/></Locations>
<Comments><Comment CommentID="1" Text="This patch applies to Windows 2000 Gold"/></Comments>
<Severities><Severity SeverityID="0" Description="NA"/></Severities><MSSeverities><MSSeverity MSSeverityID="1" Name="Critical"/></MSSeverities>
<SupercededBys><SupercededBy SBID="1" Description="MS01-024"><SupercededBulletins><SupercededBulletin BulletinID="MS01-024"><SupercededPatches><SupercededPatch PatchName="q294391_W2K_SP3_x86_en.EXE"/></SupercededPatches></SupercededBulletin></SupercededBulletins></SupercededBy></SupercededBys>
<WellKnownURLs><WellKnownURL URLID="1" URL="http://windowsupdate.microsoft.com"/></WellKnownURLs>
</BulletinDatastore>`

// FuzzParse feeds hostile documents to the parser and the converter:
// neither panics, a document the parser refuses comes back as a
// ValidationError with problems, and what the converter makes is a native
// catalog the loader accepts (the import writes nothing it would refuse).
func FuzzParse(f *testing.F) {
	f.Add([]byte(seedDoc))
	f.Add([]byte(`<BulletinDatastore ToolVersion="3.1"><Bulletins><Bulletin BulletinID="a"/></Bulletins></BulletinDatastore>`))
	f.Add([]byte("<a"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Parse(bytes.NewReader(data), "f.xml", Limits{MaxBytes: 1 << 20, MaxDepth: 16})
		if err != nil {
			var ve *catalog.ValidationError
			if !errors.As(err, &ve) || len(ve.Problems) == 0 {
				t.Fatalf("error is not a ValidationError with problems: %v", err)
			}
			return
		}
		if len(d.Bulletins) == 0 {
			t.Fatal("a document without bulletins was accepted")
		}
		c, rep, err := Convert(d)
		if err != nil {
			if !errors.Is(err, ErrNoBulletins) || rep == nil {
				t.Fatalf("Convert: %v", err)
			}
			return
		}
		var w bytes.Buffer
		if err := catalog.Write(&w, c); err != nil {
			t.Fatalf("Write of the converted catalog: %v", err)
		}
		if _, err := catalog.LoadOptions(&w, "converted.xml", catalog.Options{MaxBytes: 8 << 20}); err != nil {
			t.Fatalf("the converted catalog does not load: %v\n%s", err, w.String())
		}
	})
}
