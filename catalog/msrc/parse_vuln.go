package msrc

import (
	"encoding/xml"
	"regexp"
	"sort"
	"strings"
)

// vulnerability reads one Vulnerability element.
func (p *parser) vulnerability() (*Vulnerability, error) {
	if err := p.item(); err != nil {
		return nil, err
	}
	line, _ := p.d.InputPos()
	v := &Vulnerability{Line: line}
	var dates []string
	err := p.children(func(se xml.StartElement) error {
		var err error
		switch se.Name.Local {
		case "Title":
			v.Title, err = p.text()
		case "CVE":
			v.CVE, err = p.text()
		case "Threats":
			err = p.children(func(c xml.StartElement) error {
				if c.Name.Local != "Threat" {
					return p.skip()
				}
				return p.threat(v, attr(c, "Type"))
			})
		case "Remediations":
			err = p.children(func(c xml.StartElement) error {
				if c.Name.Local != "Remediation" || attr(c, "Type") != "Vendor Fix" {
					return p.skip()
				}
				r, err := p.remediation()
				if err == nil {
					v.Fixes = append(v.Fixes, *r)
				}
				return err
			})
		case "RevisionHistory":
			dates, err = p.revisionDates(dates)
		default:
			err = p.skip()
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(dates) > 0 {
		sort.Strings(dates)
		v.Published = dates[0]
	}
	return v, nil
}

// threat reads one Threat: a severity rating for some products, or the
// exploit status. Other kinds (Impact) are skipped.
func (p *parser) threat(v *Vulnerability, kind string) error {
	if kind != "Severity" && kind != "Exploit Status" {
		return p.skip()
	}
	var desc string
	var products []string
	err := p.children(func(se xml.StartElement) error {
		var err error
		switch se.Name.Local {
		case "Description":
			desc, err = p.text()
		case "ProductID":
			var id string
			if id, err = p.text(); err == nil {
				products = append(products, id)
			}
		default:
			err = p.skip()
		}
		return err
	})
	if err != nil {
		return err
	}
	if kind == "Exploit Status" {
		v.Exploited = v.Exploited || exploited(desc)
		return nil
	}
	if desc == "" {
		return nil
	}
	if v.Severity == nil {
		v.Severity = map[string]string{}
	}
	if len(products) == 0 {
		products = []string{""}
	}
	for _, id := range products {
		if err := p.item(); err != nil {
			return err
		}
		v.Severity[id] = desc
	}
	return nil
}

// exploited reads "Publicly Disclosed:No;Exploited:Yes;Latest Software
// Release:Exploitation Detected".
func exploited(desc string) bool {
	for _, kv := range strings.Split(desc, ";") {
		k, val, ok := strings.Cut(kv, ":")
		if ok && strings.EqualFold(strings.TrimSpace(k), "Exploited") {
			return strings.EqualFold(strings.TrimSpace(val), "Yes")
		}
	}
	return false
}

// kbNumber matches the KB numbers in Supercedence ("5074109", "KB5074109",
// or several separated by commas or semicolons).
var kbNumber = regexp.MustCompile(`\d{6,8}`)

// remediation reads one Vendor Fix.
func (p *parser) remediation() (*Remediation, error) {
	if err := p.item(); err != nil {
		return nil, err
	}
	line, _ := p.d.InputPos()
	r := &Remediation{Line: line}
	err := p.children(func(se xml.StartElement) error {
		var err error
		var s string
		switch se.Name.Local {
		case "Description":
			s, err = p.text()
			if len(s) > 2 && strings.EqualFold(s[:2], "KB") {
				s = strings.TrimSpace(s[2:])
			}
			r.KB = s
		case "SubType":
			r.SubType, err = p.text()
		case "FixedBuild":
			r.FixedBuild, err = p.text()
		case "URL":
			r.URL, err = p.text()
		case "Supercedence":
			s, err = p.text()
			r.Supersedes = append(r.Supersedes, kbNumber.FindAllString(s, -1)...)
		case "ProductID":
			if err = p.item(); err == nil {
				if s, err = p.text(); err == nil && s != "" {
					r.ProductIDs = append(r.ProductIDs, s)
				}
			}
		default:
			err = p.skip()
		}
		return err
	})
	return r, err
}

// revisionDates appends the dates of a RevisionHistory's revisions.
func (p *parser) revisionDates(dates []string) ([]string, error) {
	err := p.children(func(se xml.StartElement) error {
		if se.Name.Local != "Revision" {
			return p.skip()
		}
		return p.children(func(c xml.StartElement) error {
			if c.Name.Local != "Date" {
				return p.skip()
			}
			s, err := p.text()
			if d, ok := day(s); ok && err == nil {
				dates = append(dates, d)
			}
			return err
		})
	})
	return dates, err
}
