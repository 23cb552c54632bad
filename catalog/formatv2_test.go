package catalog

import (
	"reflect"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/internal/version"
)

// TestLoadV2: every format-2 item is read into the model, as written
// (CVEs and KBs upper-cased).
func TestLoadV2(t *testing.T) {
	c := mustLoadFile(t, testdata+"v2-example.xml")
	if c.FormatVersion != 2 || len(c.Warnings) != 0 {
		t.Fatalf("format %d, warnings %q", c.FormatVersion, c.Warnings)
	}
	wantV := []Vulnerability{
		{CVE: "CVE-2026-21510", Title: "Windows Shell Security Feature Bypass Vulnerability", SeverityID: 2, Exploited: true, Published: "2026-02-10"},
		{CVE: "CVE-2026-21519"},
	}
	if !reflect.DeepEqual(c.Vulnerabilities, wantV) {
		t.Errorf("vulnerabilities:\n got %+v\nwant %+v", c.Vulnerabilities, wantV)
	}
	ps := c.Bulletins[0].Patches
	if p := ps[0]; p.FixedBuild.Compare(version.MustParse("10.0.17763.8389")) != 0 || p.FixedBuild.Len() != 4 ||
		p.ReleaseDate != "2026-02-10" || p.SubType != "Security Update" || p.Note != "" || !p.FileChecks[0].Cumulative ||
		p.FileChecks[0].IfExists || !p.FileChecks[1].IfExists || p.FileChecks[1].Cumulative {
		t.Errorf("KB5075904: %+v", p)
	}
	if a, b := ps[1].Alternatives, ps[2].Alternatives; !reflect.DeepEqual(a, []string{"KB5075942"}) || !reflect.DeepEqual(b, []string{"5075899"}) {
		t.Errorf("alternatives %q, %q", a, b)
	}
	if ps[2].SubType != "Security Hotpatch Update" || ps[2].FixedBuild.String() != "10.0.26100.32313" {
		t.Errorf("KB5075942: %+v", ps[2])
	}
	if ps[3].Note != "MSRC gives FixedBuild 1.000 for this product: the update cannot be checked." || ps[3].FixedBuild.Len() != 0 {
		t.Errorf("KB5075999: %+v", ps[3])
	}
}

// TestFormatVersionWarning: a catalog using format-2 items says so, or
// gets a warning naming the first item (it still loads: this patchscan
// reads them).
func TestFormatVersionWarning(t *testing.T) {
	patch := func(attrs string) string {
		return `<Bulletin BulletinID="B" Title="T" DatePosted="2026-02-10"><Patches><Patch SQNumber="KB1" MSSeverityID="1" ` + attrs +
			`><AffectedProduct ProductID="1"/><RegChecks><RegCheck Key="HKLM\SOFTWARE\A"/></RegChecks></Patch></Patches></Bulletin>`
	}
	for _, tt := range []struct {
		name, doc, warn string
	}{
		{"format 1 item, no FormatVersion", minimal(okProduct, patch(`SubType="Security Update"`)), `<Patch> SubType is a format 2 item, but <BulletinDatastore> does not say FormatVersion="2"`},
		{"FixedBuild in a catalog that says 1", strings.Replace(minimal(okProduct, patch(`FixedBuild="10.0.17763.1"`)), "<BulletinDatastore", `<BulletinDatastore FormatVersion="1"`, 1),
			"<Patch> FixedBuild is a format 2 item"},
		{"declared", strings.Replace(minimal(okProduct, patch(`FixedBuild="10.0.17763.1"`)), "<BulletinDatastore", `<BulletinDatastore FormatVersion="2"`, 1), ""},
		{"format 1 only", minimal(okProduct, patch("")), ""},
		{"IfExists, no FormatVersion", minimal(okProduct, strings.Replace(patch(""), `<RegChecks>`, `<FileChecks><FileCheck Path="%SystemRoot%\a.dll" Version="1.0" IfExists="true"/></FileChecks><RegChecks>`, 1)),
			`<FileCheck> IfExists is a format 2 item, but <BulletinDatastore> does not say FormatVersion="2"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(strings.NewReader(tt.doc), "w.xml")
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Join(c.Warnings, "\n")
			if tt.warn == "" && got != "" || !strings.Contains(got, tt.warn) {
				t.Errorf("warnings %q, want %q", got, tt.warn)
			}
		})
	}
}
