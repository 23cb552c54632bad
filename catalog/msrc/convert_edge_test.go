package msrc

import (
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/catalog"
)

func convertXML(t *testing.T, docs ...string) (*catalog.Catalog, []Warning) {
	t.Helper()
	var ds []*Document
	for _, x := range docs {
		ds = append(ds, mustParse(t, x))
	}
	c, w, err := Convert(ds)
	if err != nil {
		t.Fatal(err)
	}
	return c, w
}

func onlyPatch(t *testing.T, c *catalog.Catalog, kb string, product int) catalog.Patch {
	t.Helper()
	var out []catalog.Patch
	for _, b := range c.Bulletins {
		for _, p := range b.Patches {
			for _, a := range p.Affected {
				if p.SQNumber == kb && a.ProductID == product {
					out = append(out, p)
				}
			}
		}
	}
	if len(out) != 1 {
		t.Fatalf("%d patches %s for product %d, want 1", len(out), kb, product)
	}
	return out[0]
}

// TestConvertBadBuilds: each kind of bad FixedBuild gives a note naming
// the problem and one warning naming the CVE and KB; none is checked.
func TestConvertBadBuilds(t *testing.T) {
	for _, tc := range []struct {
		name, fb, note string
	}{
		{"three parts", "1.000", `FixedBuild 1.000 for KB5100001, which is not a build of the Windows release it is listed for (10.0.17763.x)`},
		{"short", "10.0.3", `FixedBuild 10.0.3 for KB5100001, which is not a build`},
		{"another release", "10.0.14393.7000", `FixedBuild 10.0.14393.7000 for KB5100001, which is not a build`},
		{"UBR 0", "10.0.17763.0", `FixedBuild 10.0.17763.0 for KB5100001`},
		{"text", "see KB article", `FixedBuild see KB article for KB5100001`},
		{"missing", "-", `MSRC gives no fixed build for KB5100001`},
	} {
		c, warns := convertXML(t, sDoc("2030-Jan", "2030-01-14", sVuln{cve: "CVE-2030-0001", sev: "Critical",
			fixes: []sFix{{kb: "5100001", sub: "Security Update", fb: tc.fb, prods: []string{"11571", "11572"}}}}))
		p := onlyPatch(t, c, "KB5100001", 11571)
		if !strings.Contains(p.Note, tc.note) || p.FixedBuild.Len() != 0 || len(p.Affected) != 2 {
			t.Errorf("%s: note %q fixed %s affected %d", tc.name, p.Note, p.FixedBuild, len(p.Affected))
		}
		if len(warns) != 1 || warns[0].KB != "5100001" || !reflect.DeepEqual(warns[0].CVEs, []string{"CVE-2030-0001"}) ||
			!reflect.DeepEqual(warns[0].Products, []string{"Windows Server 2019", "Windows Server 2019 (Server Core installation)"}) {
			t.Errorf("%s: warnings %v", tc.name, warns)
		}
	}
}

// TestConvertBuildFromOtherFix: a fix without a FixedBuild takes the one
// another CVE's fix of the same KB and product gives; conflicting builds
// make a note.
func TestConvertBuildFromOtherFix(t *testing.T) {
	c, warns := convertXML(t, sDoc("2030-Jan", "2030-01-14",
		sVuln{cve: "CVE-2030-0001", fixes: []sFix{{kb: "5100001", sub: "Security Update", fb: "-", prods: []string{"11571"}}, {kb: "5100002", sub: "Security Update", fb: "10.0.17763.9001", prods: []string{"11569"}}}},
		sVuln{cve: "CVE-2030-0002", fixes: []sFix{{kb: "5100001", sub: "Security Update", fb: "10.0.17763.9001", prods: []string{"11571"}}, {kb: "5100002", sub: "Security Update", fb: "10.0.17763.9002", prods: []string{"11569"}}}}))
	p := onlyPatch(t, c, "KB5100001", 11571)
	if p.FixedBuild.String() != "10.0.17763.9001" || p.Note != "" || len(p.CVEs) != 2 {
		t.Errorf("KB5100001: fixed %s note %q cves %v", p.FixedBuild, p.Note, p.CVEs)
	}
	q := onlyPatch(t, c, "KB5100002", 11569)
	if !strings.Contains(q.Note, "different fixed builds for KB5100002 (10.0.17763.9001, 10.0.17763.9002)") {
		t.Errorf("KB5100002: note %q", q.Note)
	}
	if len(warns) != 1 || warns[0].KB != "5100002" {
		t.Errorf("warnings %v", warns)
	}
}

// TestConvertBuildFromOtherDocument: a KB without a FixedBuild in one
// document takes the one another document gives it for the same product.
func TestConvertBuildFromOtherDocument(t *testing.T) {
	c, warns := convertXML(t,
		sDoc("2030-Jan", "2030-01-14", sVuln{cve: "CVE-2030-0001", fixes: []sFix{{kb: "5100001", sub: "Security Update", fb: "-", prods: []string{"11571"}}}}),
		sDoc("2030-Feb", "2030-02-11", sVuln{cve: "CVE-2030-0001", fixes: []sFix{{kb: "5100001", sub: "Security Update", fb: "10.0.17763.9001", prods: []string{"11571"}}}}))
	for _, b := range c.Bulletins {
		for _, p := range b.Patches {
			if p.FixedBuild.String() != "10.0.17763.9001" || p.Note != "" {
				t.Errorf("%s %s: fixed %s note %q", b.ID, p.SQNumber, p.FixedBuild, p.Note)
			}
		}
	}
	if len(warns) != 1 || warns[0].Doc != "2030-Jan" || !strings.Contains(warns[0].Text, "10.0.17763.9001, which another document gives this KB, is checked") {
		t.Errorf("warnings %v", warns)
	}
}

// TestConvertEnablementPackage: a 22H2 fix given with 21H2's 19044 build
// is checked on 19045 at the same UBR, with a warning.
func TestConvertEnablementPackage(t *testing.T) {
	c, warns := convertXML(t, sDoc("2030-Jan", "2030-01-14", sVuln{cve: "CVE-2030-0001",
		fixes: []sFix{{kb: "5100001", sub: "Security Update", fb: "10.0.19044.7001", prods: []string{"11931", "12097"}}}}))
	if got := onlyPatch(t, c, "KB5100001", 12097).FixedBuild.String(); got != "10.0.19045.7001" {
		t.Errorf("22H2 checks %s", got)
	}
	if got := onlyPatch(t, c, "KB5100001", 11931).FixedBuild.String(); got != "10.0.19044.7001" {
		t.Errorf("21H2 checks %s", got)
	}
	if len(warns) != 1 || !strings.Contains(warns[0].String(), "KB5100001 (CVE-2030-0001) on Windows 10 Version 22H2 for x64-based Systems: FixedBuild 10.0.19044.7001 is build 19044") {
		t.Errorf("warnings %v", warns)
	}
}

// TestConvertAlternatives: a hotpatch is an alternative of the standard
// update only for the CVEs it fixes too.
func TestConvertAlternatives(t *testing.T) {
	c, _ := convertXML(t, sDoc("2030-Jan", "2030-01-14",
		sVuln{cve: "CVE-2030-0001", fixes: []sFix{
			{kb: "5100001", sub: "Security Update", fb: "10.0.26100.40100", prods: []string{"12436"}},
			{kb: "5100002", sub: "Security Hotpatch Update", fb: "10.0.26100.40050", prods: []string{"12436"}}}},
		sVuln{cve: "CVE-2030-0002", fixes: []sFix{
			{kb: "5100001", sub: "Security Update", fb: "10.0.26100.40100", prods: []string{"12436"}}}}))
	su := onlyPatch(t, c, "KB5100001", 12436)
	hp := onlyPatch(t, c, "KB5100002", 12436)
	if len(su.Alternatives) != 0 {
		t.Errorf("the hotpatch does not fix CVE-2030-0002, yet is an alternative: %v", su.Alternatives)
	}
	if !reflect.DeepEqual(hp.Alternatives, []string{"KB5100001"}) || hp.SubType != "Security Hotpatch Update" {
		t.Errorf("hotpatch alternatives %v subtype %q", hp.Alternatives, hp.SubType)
	}
}

// TestConvertAcrossDocuments: supersedence across documents, a CVE's row
// merged from both, the newer copy of a document given twice.
func TestConvertAcrossDocuments(t *testing.T) {
	jan := sDoc("2030-Jan", "2030-01-14", sVuln{cve: "CVE-2030-0001", title: "Old title", sev: "Important", published: "2030-01-14",
		fixes: []sFix{{kb: "5100001", sub: "Security Update", fb: "10.0.17763.9001", prods: []string{"11571"}}}})
	feb := sDoc("2030-Feb", "2030-02-11", sVuln{cve: "CVE-2030-0001", title: "New title", sev: "Critical", exploited: true,
		fixes: []sFix{{kb: "5100002", sub: "Security Update", fb: "10.0.17763.9100", prods: []string{"11571"}, supersedes: "5100001"}}})
	janOld := strings.Replace(jan, "T09:00:00Z", "T07:00:00Z", 1)
	c, warns := convertXML(t, feb, janOld, jan)
	if c.Bulletins[0].ID != "2030-Jan" || c.Bulletins[1].ID != "2030-Feb" {
		t.Errorf("bulletins out of release order: %s, %s", c.Bulletins[0].ID, c.Bulletins[1].ID)
	}
	p := onlyPatch(t, c, "KB5100001", 11571)
	if !reflect.DeepEqual(p.SupersededBy, []catalog.Supersedence{{BulletinID: "2030-Feb", SQNumber: "KB5100002"}}) || p.SeverityID != 2 {
		t.Errorf("KB5100001 superseded by %v, severity %d", p.SupersededBy, p.SeverityID)
	}
	want := catalog.Vulnerability{CVE: "CVE-2030-0001", Title: "New title", SeverityID: 1, Exploited: true, Published: "2030-01-14"}
	if len(c.Vulnerabilities) != 1 || c.Vulnerabilities[0] != want {
		t.Errorf("vulnerabilities %+v, want %+v", c.Vulnerabilities, want)
	}
	if len(warns) != 1 || !strings.Contains(warns[0].Text, "given twice") || c.LastDataUpdate != "2030-02-11" {
		t.Errorf("warnings %v, last update %s", warns, c.LastDataUpdate)
	}
}

// TestConvertLeftOut: what cannot become a patch is left out with a
// warning, never guessed.
func TestConvertLeftOut(t *testing.T) {
	unknownRelease := "Windows 11 Version 29H2 for x64-based Systems"
	oddOS := "Windows Server 2031 Datacenter: Azure Edition"
	saved := sProducts
	defer func() { sProducts = saved }()
	sProducts = append(append([][2]string{}, saved...), [2]string{"30001", unknownRelease}, [2]string{"30002", oddOS}, [2]string{"30003", "Windows 11 Version 31H2 for x64-based Systems"})
	doc := sDoc("2030-Jan", "2030-01-14",
		sVuln{cve: "", fixes: []sFix{{kb: "5100001", sub: "Security Update", fb: "10.0.17763.9001", prods: []string{"11571"}}}},
		sVuln{cve: "CVE-2030-0002", fixes: []sFix{{kb: "Release Notes", sub: "Security Update", fb: "10.0.17763.9001", prods: []string{"11571"}}}},
		sVuln{cve: "CVE-2030-0003", fixes: []sFix{{kb: "5100003", sub: "Security Update", fb: "10.0.29000.100", prods: []string{"30001", "30002", "11571"}}}},
		sVuln{cve: "CVE-2030-0004", fixes: []sFix{{kb: "5100004", sub: "Security Update", fb: "-", prods: []string{"30003"}}}},
		sVuln{cve: "CVE-2030-0005", fixes: []sFix{{kb: "5100005", sub: "Security Update", fb: "10.0.17763.9005", prods: []string{"20847"}}}})
	c, warns := convertXML(t, doc)
	lineOf := func(s string) string { return strconv.Itoa(strings.Count(doc[:strings.Index(doc, s)], "\n") + 1) }
	all := ""
	for _, w := range warns {
		all += w.String() + "\n"
	}
	for _, want := range []string{
		"2030-Jan KB5100001 on Windows Server 2019: line " + lineOf(`<vuln:Vulnerability Ordinal="0">`) + ": a Vulnerability without a CVE ID lists this fix; it is left out",
		`2030-Jan (CVE-2030-0002) on Windows Server 2019: line ` + lineOf(`<vuln:Description>Release Notes`) + `: the Vendor Fix names "Release Notes", not a KB number; it is left out`,
		"on Windows Server 2031 Datacenter: Azure Edition: looks like a Windows release but its name has a shape patchscan does not know",
		"MSRC data on Windows 11 Version 29H2 for x64-based Systems: a release patchscan's build table does not know: build 29000 inferred from 1 of its 1 FixedBuilds",
		"2030-Jan KB5100004 (CVE-2030-0004) on Windows 11 Version 31H2 for x64-based Systems: the release's build is unknown",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("no warning %q in:\n%s", want, all)
		}
	}
	p := onlyPatch(t, c, "KB5100003", 30001)
	if p.FixedBuild.String() != "10.0.29000.100" {
		t.Errorf("inferred release checks %s", p.FixedBuild)
	}
	for _, pr := range c.Products {
		if pr.ID == 30002 || pr.ID == 30003 || pr.ID == 20847 {
			t.Errorf("product %d %q kept", pr.ID, pr.Name)
		}
	}
	if len(c.Bulletins[0].Patches) != 2 {
		t.Errorf("%d patches, want KB5100003 for 29H2 and for Server 2019", len(c.Bulletins[0].Patches))
	}
}

func TestConvertUnratedAndEmpty(t *testing.T) {
	c, _ := convertXML(t, sDoc("2030-Jan", "2030-01-14", sVuln{cve: "CVE-2030-0001",
		fixes: []sFix{{kb: "5100001", sub: "Security Update", fb: "10.0.17763.9001", prods: []string{"11571"}}}}))
	if p := onlyPatch(t, c, "KB5100001", 11571); p.SeverityID != unrated || c.Severities[len(c.Severities)-1].Name != "Unrated" || c.Bulletins[0].Baseline {
		t.Errorf("severity %d, severities %v, baseline %v", p.SeverityID, c.Severities, c.Bulletins[0].Baseline)
	}
	d := mustParse(t, sDoc("2030-Jan", "2030-01-14", sVuln{cve: "CVE-2030-0001",
		fixes: []sFix{{kb: "5100001", sub: "Security Update", fb: "1.0", prods: []string{"20847"}}}}))
	if _, _, err := Convert([]*Document{d}); !errors.Is(err, ErrNoWindowsUpdates) {
		t.Errorf("a document without Windows updates: err = %v", err)
	}
}
