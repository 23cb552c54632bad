// Package catalog holds the mssecure-style security catalog: its model, the
// XML loader and validator (Load), the writer (Write) and the embedded
// default catalog.
//
// The model is what the loader produces after validation: IDs are resolved
// and checked, versions parsed, regular expressions compiled. Consumers (the
// detection engine, catalog commands) never see raw XML; importers build a
// model and emit it with Write.
package catalog

import (
	"regexp"

	"github.com/patchscan/patchscan/internal/version"
)

// Catalog is a loaded, validated BulletinDatastore.
type Catalog struct {
	Source         string // file name or "<embedded>", for messages
	DataVersion    string
	LastDataUpdate string
	// FormatVersion is the BulletinDatastore's FormatVersion: 2 when the
	// catalog uses any format-v2 item (FixedBuild, Cumulative, Alternatives,
	// ReleaseDate, SubType, Note, Vulnerabilities); 0 or 1 = the original
	// format. See /work/coord/catalog-v2.md and docs/catalog-format.md.
	FormatVersion int

	ProductFamilies []ProductFamily
	ServicePacks    []ServicePack
	Severities      []Severity
	Products        []Product
	Bulletins       []Bulletin
	// Vulnerabilities describes CVEs once each (format v2). Patches refer to
	// them by CVEID; a CVE a patch lists but this table lacks is allowed
	// (its severity is then the patch's).
	Vulnerabilities []Vulnerability

	// Warnings collected while loading (unknown elements/attributes, once
	// each). They never make a catalog invalid.
	Warnings []string
}

type ProductFamily struct {
	ID   int
	Name string
}

// ServicePack is a catalog service pack. Level is the number compared with a
// host's service pack level (0 = no service pack, "Gold"/RTM).
type ServicePack struct {
	ID          int
	Name        string
	Level       int
	ReleaseDate string
}

// Severity is an MSSeverity: 1 Critical, 2 Important, 3 Moderate, 4 Low.
type Severity struct {
	ID   int
	Name string
}

// Product is something a host can run. It is present on a host when every
// rule of Detection holds. CurrentServicePackID (0 = none given) names the
// latest service pack; a host below its level gets a missing-service-pack
// result.
type Product struct {
	ID                   int
	Name                 string
	FamilyID             int
	CurrentServicePackID int
	Detection            []Rule
}

// RuleKind says what a Rule inspects.
type RuleKind int

const (
	RuleRegValue RuleKind = iota // a registry value: Key + Name
	RuleRegKey                   // a registry key's existence: Key
	RuleFile                     // a file: Path (may hold %variables%)
)

func (k RuleKind) String() string {
	switch k {
	case RuleRegValue:
		return "RegValue"
	case RuleRegKey:
		return "RegKey"
	case RuleFile:
		return "File"
	}
	return "unknown"
}

// Op is a rule operator.
type Op string

const (
	OpExists    Op = "exists"
	OpAbsent    Op = "absent"
	OpEquals    Op = "equals"     // case-insensitive string equality
	OpNotEquals Op = "not-equals" // case-insensitive string inequality
	OpVersionGE Op = "version-ge" // dotted versions, numerically
	OpVersionLT Op = "version-lt"
	OpNumberGE  Op = "number-ge" // DWORD/QWORD or decimal strings
	OpNumberLE  Op = "number-le"
	OpMatches   Op = "matches" // Go regexp
)

// Ops lists every valid operator.
var Ops = []Op{OpExists, OpAbsent, OpEquals, OpNotEquals, OpVersionGE, OpVersionLT, OpNumberGE, OpNumberLE, OpMatches}

// Rule is one test against a host: a product detection rule or a patch's
// RegCheck. For files, Value holds the version for version-* operators.
type Rule struct {
	Kind  RuleKind
	Key   string // HKLM\... for registry rules
	Name  string // value name for RuleRegValue ("" = the default value)
	Path  string // file path for RuleFile, with %variables% unresolved
	Op    Op
	Value string // comparand as written in the catalog

	Version version.Version // parsed Value for version-* operators
	Regexp  *regexp.Regexp  // compiled Value for OpMatches
	Line    int             // line in the catalog source, for messages
}

// Vulnerability is one CVE (format v2, mssecure-style normalised table).
type Vulnerability struct {
	CVE        string // "CVE-2026-21510"
	Title      string
	SeverityID int    // MSSeverityID; 0 = not given
	Exploited  bool   // exploited in the wild when the data was written
	Published  string // YYYY-MM-DD; "" = not given
}

// Bulletin is a security bulletin with its patches.
type Bulletin struct {
	ID         string // BulletinID, e.g. MS17-010 or CVE-2019-0708
	Title      string
	DatePosted string
	Baseline   bool
	Summary    string
	QNumbers   []string
	References []string
	Patches    []Patch
	Line       int
}

// Patch is one installable update of a bulletin for some products.
type Patch struct {
	Name         string // PatchName
	SQNumber     string // KB number, e.g. KB4012212
	SeverityID   int
	CVEs         []string
	NoReboot     bool
	Affected     []AffectedProduct
	RegChecks    []Rule
	FileChecks   []FileCheck
	SupersededBy []Supersedence
	Line         int

	// FixedBuild (format v2), when set (Len() > 0), is a cumulative OS build
	// check for Windows 10 / Server 2016 and later, e.g. 10.0.17763.8389: it
	// holds when the host's CurrentBuildNumber equals part 3 and its UBR is
	// at least part 4 (a later UBR of the same build contains every earlier
	// fix). A host of another build cannot be judged by it (note, naming
	// both builds); an unreadable UBR is an error; a missing UBR counts as 0.
	FixedBuild version.Version
	// Alternatives (format v2) are KBs of the same bulletin that fix the
	// same CVEs for the same products (MSRC "Security Hotpatch Update" next
	// to "Security Update"). A patch that is not installed but has an
	// installed alternative counts as installed, naming the alternative.
	Alternatives []string
	// ReleaseDate (format v2) is when the update was released, YYYY-MM-DD;
	// "" = the bulletin's DatePosted.
	ReleaseDate string
	// SubType (format v2) is the source's kind of update, free text shown in
	// reports: "Security Update", "Security Hotpatch Update", "Monthly
	// Rollup", "Security Only".
	SubType string
	// Note (format v2), when set, says the source data cannot decide this
	// patch (e.g. MSRC FixedBuild "1.000"): the result is note with this
	// text as the reason, and checks, if any, are not evaluated.
	Note string
}

// AffectedProduct says a patch applies to a product. FixedInSP is the service
// pack level that includes the fix (0 = no service pack does): hosts at or
// past it are not affected. ServicePackIDs, when not empty, restricts the
// patch to hosts at those service packs.
type AffectedProduct struct {
	ProductID      int
	FixedInSP      int
	ServicePackIDs []int
}

// FileCheck requires a file at a version (and, when checksums apply, with a
// SHA-256). Language is the LCID the checksum belongs to ("" = any).
type FileCheck struct {
	Path     string
	Version  version.Version
	SHA256   string // lower-case hex, "" = none
	Language string
	Line     int
	// Cumulative (format v2): the check also holds for any later version in
	// the same servicing branch (same first three parts, e.g. 10.0.17763.x),
	// which is then installed rather than MBSA's warning; a lower version is
	// missing; a higher version of another branch stays a warning.
	Cumulative bool
	// IfExists (format 2, mssecure.xml's command "e", "change if exists,
	// ignore if not"): the check applies only when the file is present; an
	// absent file passes. A present file is judged as any other.
	IfExists bool
}

// Supersedence names a later patch that replaces this one.
type Supersedence struct {
	BulletinID string
	SQNumber   string
}
