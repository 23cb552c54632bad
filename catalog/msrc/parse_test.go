package msrc

import (
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

// shared names the real MSRC documents copied into the repository
// (catalog/default/msrc/README.md gives their provenance).
func shared(id string) string { return "../default/msrc/cvrfDocument-" + id + ".xml.gz" }

var sharedIDs = []string{"2021-Jul", "2025-Dec", "2026-Jan", "2026-Feb"}

func TestParseShared(t *testing.T) {
	for _, tc := range []struct {
		id, title, initial, current string
		products, vulns, fixes      int
	}{
		// Counts from the documents themselves (grep -c of
		// <prod:FullProductName (each listed twice), <vuln:Vulnerability
		// and Type="Vendor Fix").
		{"2021-Jul", "July 2021 Security Updates", "2021-07-13", "2021-07-28", 83, 154, 753},
		{"2025-Dec", "December 2025 Security Updates", "2025-12-09", "2026-01-03", 187, 343, 644},
		{"2026-Jan", "January 2026 Security Updates", "2026-01-13", "2026-01-30", 76, 150, 1022},
		{"2026-Feb", "February 2026 Security Updates", "2026-02-10", "2026-03-01", 125, 141, 549},
	} {
		d, err := ParseFile(shared(tc.id), Limits{})
		if err != nil {
			t.Fatal(err)
		}
		fixes := 0
		for _, v := range d.Vulnerabilities {
			fixes += len(v.Fixes)
		}
		got := []any{d.ID, d.Title, d.InitialRelease, d.CurrentRelease, len(d.Products), len(d.Vulnerabilities), fixes}
		want := []any{tc.id, tc.title, tc.initial, tc.current, tc.products, tc.vulns, tc.fixes}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %v, want %v", tc.id, got, want)
		}
	}
}

func TestParseFields(t *testing.T) {
	d, err := ParseFile(shared("2026-Feb"), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	var v *Vulnerability
	for i := range d.Vulnerabilities {
		if d.Vulnerabilities[i].CVE == "CVE-2026-21519" {
			v = &d.Vulnerabilities[i]
		}
	}
	if v == nil {
		t.Fatal("CVE-2026-21519 not found")
	}
	if v.Title != "Desktop Window Manager Elevation of Privilege Vulnerability" || !v.Exploited || v.Published != "2026-02-10" || v.Severity["11571"] != "Important" {
		t.Errorf("CVE-2026-21519 = title %q exploited %v published %q severity %q", v.Title, v.Exploited, v.Published, v.Severity["11571"])
	}
	want := Remediation{KB: "5075904", SubType: "Security Update", FixedBuild: "10.0.17763.8389",
		ProductIDs: []string{"11568", "11569", "11571", "11572"}, URL: "https://catalog.update.microsoft.com/v7/site/Search.aspx?q=KB5075904"}
	got := v.Fixes[0]
	got.Line = 0
	if !reflect.DeepEqual(got, want) {
		t.Errorf("first fix = %+v, want %+v", got, want)
	}
	if v.Fixes[1].KB != "5075906" || !reflect.DeepEqual(v.Fixes[1].Supersedes, []string{"5073457"}) {
		t.Errorf("second fix = %+v", v.Fixes[1])
	}
	for _, f := range v.Fixes {
		if f.KB == "" {
			t.Errorf("a Release Notes or Known Issue remediation was kept as a fix: %+v", f)
		}
	}
	var family string
	for _, p := range d.Products {
		if p.ID == "11571" {
			family = p.Family
		}
	}
	if family != "Windows" {
		t.Errorf("family of 11571 = %q, want Windows", family)
	}
}

func TestParseSynthetic(t *testing.T) {
	xml := sDoc("2030-Jan", "2030-01-14", sVuln{cve: "CVE-2030-0001", title: "T &amp;<b>x</b> text", sev: "Critical", exploited: true, published: "2029-12-30",
		fixes: []sFix{{kb: "KB5100001", sub: "Security Update", fb: "10.0.17763.9001", prods: []string{"11571"}, supersedes: "5000001, KB5000002;5000003"}}})
	d := mustParse(t, "\xef\xbb\xbf"+xml) // a byte order mark is tolerated
	v := d.Vulnerabilities[0]
	f := v.Fixes[0]
	if v.Title != "T & text" || v.Severity[""] != "Critical" || !v.Exploited || v.Published != "2029-12-30" ||
		f.KB != "5100001" || !reflect.DeepEqual(f.Supersedes, []string{"5000001", "5000002", "5000003"}) {
		t.Errorf("vulnerability = %+v", v)
	}
	if d.CurrentRelease != "2030-01-14" || d.InitialRelease != "2030-01-14" {
		t.Errorf("dates %q %q", d.InitialRelease, d.CurrentRelease)
	}
}

// TestParseHostile: every hostile or broken input gives a clear error
// (naming the problem and, when known, the line), never a panic, and is
// bounded by the limits.
func TestParseHostile(t *testing.T) {
	good := sDoc("2030-Jan", "2030-01-14", sVuln{cve: "CVE-2030-0001", fixes: []sFix{{kb: "5100001", sub: "Security Update", fb: "10.0.17763.9001", prods: []string{"11571"}}}})
	deep := `<cvrf:cvrfdoc xmlns:cvrf="http://www.icasi.org/CVRF/schema/cvrf/1.1">` + strings.Repeat("<a>", 100) + strings.Repeat("</a>", 100) + `</cvrf:cvrfdoc>`
	for _, tc := range []struct {
		name, in string
		lim      Limits
		want     string
	}{
		{"empty", "", Limits{}, "no XML element in the input"},
		{"truncated", good[:len(good)/2], Limits{}, "unexpected end of document"},
		{"not XML", "{\"value\": []}", Limits{}, "no XML element in the input"},
		{"not well-formed", `<cvrf:cvrfdoc xmlns:cvrf="http://www.icasi.org/CVRF/schema/cvrf/1.1"><a></b></cvrf:cvrfdoc>`, Limits{}, "not well-formed XML"},
		{"JSON-ish html", "<html><body>Service Unavailable</body></html>", Limits{}, "not a CVRF <cvrfdoc>"},
		{"too deep", deep, Limits{}, "nest deeper than 32"},
		{"too large", good, Limits{MaxBytes: 1000}, "larger than 1000 bytes"},
		{"text too long", good, Limits{MaxText: 10}, "text longer than 10 bytes"},
		{"too many items", good, Limits{MaxItems: 5}, "more than 5 products"},
		{"entity", `<!DOCTYPE x [<!ENTITY e "x">]><cvrf:cvrfdoc xmlns:cvrf="http://www.icasi.org/CVRF/schema/cvrf/1.1"><cvrf:DocumentTitle>&e;</cvrf:DocumentTitle></cvrf:cvrfdoc>`, Limits{}, "invalid character entity &e;"},
		{"charset", `<?xml version="1.0" encoding="ISO-8859-1"?><a/>`, Limits{}, "ISO-8859-1"},
		{"two roots", good + "<cvrf:cvrfdoc xmlns:cvrf=\"http://www.icasi.org/CVRF/schema/cvrf/1.1\"/>", Limits{}, "second root element"},
		{"no ID", strings.Replace(good, "<cvrf:ID>2030-Jan</cvrf:ID>", "", 1), Limits{}, "no DocumentTracking/Identification/ID"},
		{"bad date", strings.Replace(good, "2030-01-14T08", "yesterdayT08", 1), Limits{}, `InitialReleaseDate "yesterdayT08:00:00" is not a date`},
		{"product without ID", strings.Replace(good, `ProductID="11571"`, ``, 1), Limits{}, "has no ProductID"},
	} {
		_, err := Parse(strings.NewReader(tc.in), "hostile.xml", tc.lim)
		var pe *ParseError
		if err == nil || !errors.As(err, &pe) || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "hostile.xml:") {
			t.Errorf("%s: err = %v, want a ParseError containing %q", tc.name, err, tc.want)
		}
	}
}

// TestParseStreams: a document is read as it arrives, and the size limit
// stops an endless one.
func TestParseStreams(t *testing.T) {
	endless := io.MultiReader(strings.NewReader(`<cvrf:cvrfdoc xmlns:cvrf="http://www.icasi.org/CVRF/schema/cvrf/1.1"><cvrf:DocumentNotes>`), endlessReader{})
	_, err := Parse(endless, "endless.xml", Limits{MaxBytes: 1 << 20})
	if err == nil || !strings.Contains(err.Error(), "larger than 1048576 bytes") {
		t.Errorf("endless document: err = %v", err)
	}
}

type endlessReader struct{}

func (endlessReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}

func TestParseFileErrors(t *testing.T) {
	if _, err := ParseFile("testdata/does-not-exist.xml", Limits{}); err == nil {
		t.Error("a missing file parsed")
	}
	if _, err := ParseFile("parse_test.go.gz", Limits{}); err == nil {
		t.Error("a missing .gz file parsed")
	}
}
