// Package mssecuretest gives tests Microsoft's real mssecure.xml sample
// (testdata/mssecure, first 40 bulletins of DataVersion 1.0.1.148) and that
// sample with a Bulletin row for MS01-005, the example, which the
// 40 bulletins do not include although the file's tables hold its rows.
package mssecuretest

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"runtime"
)

// SamplePath is the sample's file (gzip-compressed), wherever the test
// runs from.
func SamplePath() string {
	_, self, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(self), "..", "..", "..", "testdata", "mssecure", "mssecure-sample.xml.gz")
}

// Sample is the sample, decompressed.
func Sample() ([]byte, error) {
	f, err := os.Open(SamplePath())
	if err != nil {
		return nil, err
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(z)
}

// MS01005 is a Bulletin row for MS01-005, written for tests in the file's
// own schema: Windows 2000 (products 5, 6, 7) at Service Pack 1
// (ServicePackID 1), fixed in Service Pack 2 (ServicePackID 2), installed
// when RegChange 1092 holds (value Type = Update, command r, under Location
// 304, HKLM\SOFTWARE\Microsoft\Updates\Windows 2000\SP1\Q281767); those
// rows are the file's own. Its date is in the M/D/YYYY form, its QNumber
// has a trailing space and its SQNumber is empty, as real rows are.
const MS01005 = `		<Bulletin BulletinID="MS01-005" BulletinLocationID="73" FAQLocationID="73" FAQPageName="FQ01-005.asp" Title="MS01-005 (a Bulletin row written for patchscan's tests; its RegChange and Locations are the file's own)" DatePosted="2/7/2001" DateRevised="2/7/2001" Supported="Yes" Summary="" Issue="" ImpactSeverityID="0" PreReqSeverityID="0" MitigationSeverityID="0" PopularitySeverityID="0">
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

// WithMS01005 is the sample with the MS01-005 row added after its 40
// bulletins.
func WithMS01005() ([]byte, error) {
	s, err := Sample()
	if err != nil {
		return nil, err
	}
	i := bytes.Index(s, []byte("\t</Bulletins>"))
	if i < 0 {
		return nil, os.ErrInvalid
	}
	return append(append(append([]byte(nil), s[:i]...), MS01005...), s[i:]...), nil
}
