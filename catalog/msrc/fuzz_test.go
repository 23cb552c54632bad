package msrc

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParse feeds hostile documents to the parser and, when one parses, to
// the converter: neither may panic, the parser's errors are ParseErrors,
// and a converted catalog only refers to products it defines.
func FuzzParse(f *testing.F) {
	f.Add(sDoc("2030-Jan", "2030-01-14", sVuln{cve: "CVE-2030-0001", sev: "Critical", exploited: true, published: "2030-01-10",
		fixes: []sFix{
			{kb: "5100001", sub: "Security Update", fb: "10.0.26100.40100", prods: []string{"12436", "12390"}, supersedes: "5000001"},
			{kb: "5100002", sub: "Security Hotpatch Update", fb: "10.0.26100.40050", prods: []string{"12436"}},
			{kb: "5100003", sub: "Monthly Rollup", fb: "6.3.9600.1", prods: []string{"10483"}},
			{kb: "5100004", sub: "Security Update", fb: "1.000", prods: []string{"11571"}},
		}}))
	f.Add(`<cvrf:cvrfdoc xmlns:cvrf="http://www.icasi.org/CVRF/schema/cvrf/1.1"><cvrf:DocumentTracking><cvrf:Identification><cvrf:ID>x</cvrf:ID></cvrf:Identification><cvrf:InitialReleaseDate>2020-01-01</cvrf:InitialReleaseDate></cvrf:DocumentTracking></cvrf:cvrfdoc>`)
	f.Add("<a")
	f.Add("")
	f.Fuzz(func(t *testing.T, in string) {
		d, err := Parse(strings.NewReader(in), "fuzz.xml", Limits{MaxBytes: 1 << 20, MaxItems: 10000})
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		c, _, err := Convert([]*Document{d})
		if err != nil {
			return
		}
		defined := map[int]bool{}
		for _, p := range c.Products {
			defined[p.ID] = true
		}
		for _, b := range c.Bulletins {
			for _, p := range b.Patches {
				if len(p.Affected) == 0 || (p.Note == "") == (p.FixedBuild.Len() == 0) {
					t.Fatalf("%s %s: %d products, note %q, fixed %s", b.ID, p.SQNumber, len(p.Affected), p.Note, p.FixedBuild)
				}
				for _, a := range p.Affected {
					if !defined[a.ProductID] {
						t.Fatalf("%s %s: product %d undefined", b.ID, p.SQNumber, a.ProductID)
					}
				}
			}
		}
	})
}
