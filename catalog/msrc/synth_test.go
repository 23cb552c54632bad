package msrc

import (
	"fmt"
	"strings"
	"testing"
)

// Synthetic CVRF documents for the conversion's edge cases, in the shape of
// MSRC's (namespaces, ProductTree, Threats, Remediations).

type sFix struct {
	kb, sub, fb string
	prods       []string
	supersedes  string
}

type sVuln struct {
	cve, title, sev string
	exploited       bool
	published       string
	fixes           []sFix
}

// sProducts are MSRC product IDs and names used by the synthetic documents.
var sProducts = [][2]string{
	{"11571", "Windows Server 2019"},
	{"11572", "Windows Server 2019 (Server Core installation)"},
	{"11569", "Windows 10 Version 1809 for x64-based Systems"},
	{"12097", "Windows 10 Version 22H2 for x64-based Systems"},
	{"11931", "Windows 10 Version 21H2 for x64-based Systems"},
	{"12436", "Windows Server 2025"},
	{"12390", "Windows 11 Version 24H2 for x64-based Systems"},
	{"10483", "Windows Server 2012 R2"},
	{"20847", "Windows App for Mac"},
}

func sDoc(id, released string, vulns ...sVuln) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>
<cvrf:cvrfdoc xmlns:vuln="http://www.icasi.org/CVRF/schema/vuln/1.1" xmlns:prod="http://www.icasi.org/CVRF/schema/prod/1.1" xmlns:cvrf="http://www.icasi.org/CVRF/schema/cvrf/1.1">
  <cvrf:DocumentTitle>Synthetic ` + id + ` Security Updates</cvrf:DocumentTitle>
  <cvrf:DocumentTracking><cvrf:Identification><cvrf:ID>` + id + `</cvrf:ID></cvrf:Identification>
    <cvrf:InitialReleaseDate>` + released + `T08:00:00</cvrf:InitialReleaseDate><cvrf:CurrentReleaseDate>` + released + `T09:00:00Z</cvrf:CurrentReleaseDate></cvrf:DocumentTracking>
  <prod:ProductTree><prod:Branch Type="Vendor" Name="Microsoft"><prod:Branch Type="Product Family" Name="Windows">
`)
	for _, p := range sProducts {
		fmt.Fprintf(&b, "    <prod:FullProductName ProductID=%q>%s</prod:FullProductName>\n", p[0], p[1])
	}
	b.WriteString("  </prod:Branch></prod:Branch></prod:ProductTree>\n")
	for i, v := range vulns {
		fmt.Fprintf(&b, "  <vuln:Vulnerability Ordinal=\"%d\"><vuln:Title>%s</vuln:Title><vuln:CVE>%s</vuln:CVE><vuln:Threats>\n", i, v.title, v.cve)
		if v.sev != "" {
			fmt.Fprintf(&b, "    <vuln:Threat Type=\"Severity\"><vuln:Description>%s</vuln:Description></vuln:Threat>\n", v.sev)
		}
		ex := "No"
		if v.exploited {
			ex = "Yes"
		}
		fmt.Fprintf(&b, "    <vuln:Threat Type=\"Exploit Status\"><vuln:Description>Publicly Disclosed:No;Exploited:%s;Latest Software Release:N/A</vuln:Description></vuln:Threat>\n  </vuln:Threats><vuln:Remediations>\n", ex)
		for _, f := range v.fixes {
			fmt.Fprintf(&b, "    <vuln:Remediation Type=\"Vendor Fix\"><vuln:Description>%s</vuln:Description>", f.kb)
			if f.supersedes != "" {
				fmt.Fprintf(&b, "<vuln:Supercedence>%s</vuln:Supercedence>", f.supersedes)
			}
			for _, p := range f.prods {
				fmt.Fprintf(&b, "<vuln:ProductID>%s</vuln:ProductID>", p)
			}
			fmt.Fprintf(&b, "<vuln:SubType>%s</vuln:SubType>", f.sub)
			if f.fb != "-" {
				fmt.Fprintf(&b, "<vuln:FixedBuild>%s</vuln:FixedBuild>", f.fb)
			}
			b.WriteString("</vuln:Remediation>\n")
			fmt.Fprintf(&b, "    <vuln:Remediation Type=\"Release Notes\"><vuln:URL>https://support.microsoft.com/help/%s</vuln:URL><vuln:ProductID>%s</vuln:ProductID><vuln:SubType>%s</vuln:SubType></vuln:Remediation>\n", f.kb, f.prods[0], f.kb)
		}
		b.WriteString("  </vuln:Remediations>")
		if v.published != "" {
			fmt.Fprintf(&b, "<vuln:RevisionHistory><vuln:Revision><cvrf:Number>1.1</cvrf:Number><cvrf:Date>2099-01-01T00:00:00</cvrf:Date></vuln:Revision><vuln:Revision><cvrf:Number>1.0</cvrf:Number><cvrf:Date>%sT08:00:00</cvrf:Date></vuln:Revision></vuln:RevisionHistory>", v.published)
		}
		b.WriteString("</vuln:Vulnerability>\n")
	}
	b.WriteString("</cvrf:cvrfdoc>\n")
	return b.String()
}

func mustParse(t testing.TB, xml string) *Document {
	t.Helper()
	d, err := Parse(strings.NewReader(xml), "synthetic.xml", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return d
}
