// Package msrc reads the Microsoft Security Response Center's monthly
// security update documents (CVRF 1.1 XML, as served by
// https://api.msrc.microsoft.com/cvrf/v3.0/cvrf/{ID}) and converts their
// Windows operating system updates into patchscan's catalog model.
//
// Parse is a streaming parser of outside data: it keeps only what the
// conversion needs, bounds the document's size and nesting depth, and
// reports problems with line and column. Convert turns one or more parsed
// documents into a *catalog.Catalog (format v2): one Bulletin per document,
// one Patch per KB and set of products that share a fixed build and a list
// of CVEs, product detection rules over registry facts, supersedence,
// hotpatch alternatives and a Vulnerabilities table. What the source data
// cannot decide becomes a Patch Note and a Warning, never a guess.
// docs/msrc-import.md explains every choice and the evidence behind it.
package msrc

// Document is what patchscan keeps from one CVRF document.
type Document struct {
	ID             string // DocumentTracking/Identification/ID, e.g. "2026-Feb"
	Title          string // DocumentTitle, e.g. "February 2026 Security Updates"
	InitialRelease string // YYYY-MM-DD of InitialReleaseDate ("" if absent)
	CurrentRelease string // YYYY-MM-DD of CurrentReleaseDate ("" if absent)
	Source         string // file name or URL, for messages

	Products        []Product
	Vulnerabilities []Vulnerability
}

// Product is one FullProductName of the ProductTree.
type Product struct {
	ID     string // MSRC ProductID, e.g. "11571"
	Name   string // FullProductName, verbatim
	Family string // Name of the enclosing Branch Type="Product Family" ("" if none)
}

// Vulnerability is one CVE of the document, with its Windows-relevant facts.
type Vulnerability struct {
	CVE       string
	Title     string
	Published string // YYYY-MM-DD of the earliest revision ("" if none)
	Exploited bool   // an "Exploit Status" threat says Exploited:Yes
	// Severity maps a ProductID to its rating ("Critical", "Important",
	// "Moderate", "Low"); the key "" holds a rating given without products.
	Severity map[string]string
	// Fixes are the Remediation elements of Type "Vendor Fix" (the others,
	// release notes, known issues, workarounds, are not kept).
	Fixes []Remediation
	Line  int // line of the Vulnerability element, for messages
}

// Remediation is one Vendor Fix: a KB for some products.
type Remediation struct {
	KB         string   // Description with any "KB" prefix removed, e.g. "5075904"
	SubType    string   // "Security Update", "Security Hotpatch Update", "Monthly Rollup", ...
	FixedBuild string   // raw FixedBuild text ("" if absent), e.g. "10.0.17763.8389"
	Supersedes []string // KB numbers named by Supercedence
	ProductIDs []string
	URL        string
	Line       int // line of the Remediation element
}
