// Package baseline holds the configuration baseline: the checks of MBSA's
// second half (how a host is configured, not which patches it lacks) as
// data. A baseline is an XML file (docs/baseline-format.md, XSD
// baseline/baseline.xsd) of checks, each with a stable ID, a title, a
// severity, the settings it reads, its pass/fail/warning conditions, plain
// advice and references; Load validates it and lists every problem with
// its line and column, as the catalog loader does. The binary embeds a
// default baseline (default.xml); --baseline-file replaces it.
//
// Registry comparisons are the catalog's: catalog.Rule's operators with
// the patch engine's semantics (detect.Comparison), so "number-ge 5" means
// the same in a catalog and a baseline. Package configcheck evaluates a
// baseline on a host.
package baseline

import (
	"github.com/patchscan/patchscan/catalog"
	"github.com/patchscan/patchscan/detect"
)

// FormatVersion is the baseline format this package reads and writes.
const FormatVersion = 1

// Baseline is a loaded, validated baseline.
type Baseline struct {
	Source  string // file name or "<embedded>", for messages
	Name    string
	Version string
	Date    string // YYYY-MM-DD: when its content was last reviewed
	// Settings are shared by every check (the OS build, the product type).
	Settings []*Setting
	Checks   []*Check
}

// Check is one configuration check.
type Check struct {
	ID       string // stable: reports, suppressions and history key on it
	Title    string
	Severity string // Critical, Important, Moderate or Low
	// Settings are the check's own; it may also use the baseline's.
	Settings []*Setting
	// Outcomes are tried in order: the first whose conditions all hold
	// decides the check. The last one has no condition.
	Outcomes   []Outcome
	Advice     string
	References []Reference
	Line       int
}

// Setting is one value a check reads: from the first of its sources the
// host has, else from the first default whose conditions hold, else it is
// absent.
type Setting struct {
	ID string
	// Label names the setting in reasons and details
	// ("UseLogonCredential"); defaults to ID.
	Label string
	// Secret settings (a password held in the registry) are tested for
	// presence only: their data is dropped as soon as it is read, never
	// compared, shown or reported.
	Secret bool
	// Words name values in reasons: {fw-domain} shows "off" for 0 when
	// Words has 0 -> "off" (written Words="0=off;1=on").
	Words    map[string]string
	Sources  []Source
	Defaults []Fallback
	Line     int
}

// SourceKind says where a setting's value comes from.
type SourceKind int

const (
	SourceRegValue SourceKind = iota + 1 // a registry value: Key, Name
	SourceMeasure                        // a measure of the host's RPC facts: Measure
)

// Source is one place a setting's value may come from.
type Source struct {
	Kind SourceKind
	Key  string // SourceRegValue: HKLM\...
	Name string // SourceRegValue: value name ("" = the key's default value)
	// Measure and Services, for SourceMeasure (measures.go lists them).
	Measure  Measure
	Category string   // MeasureAudit: one of facts.AuditCategories
	Services []string // MeasureServicesSetToRun: service key names
	Line     int
}

// Fallback is a setting's value when none of its sources exists.
type Fallback struct {
	Value string
	// Note says where the default comes from, for reasons and details
	// ("Windows' default before Windows 8.1 / Server 2012 R2").
	Note string
	When []Condition
	Line int
}

// Condition tests one setting with a catalog operator.
type Condition struct {
	Setting string
	Op      catalog.Op
	Value   string
	Compare *detect.Comparison
	Line    int
}

// Status is what a baseline's outcome says about a check. configcheck adds
// "error" for a check whose facts could not be read.
type Status string

const (
	StatusPass          Status = "pass"
	StatusFail          Status = "fail"
	StatusWarning       Status = "warning"
	StatusInfo          Status = "info"
	StatusNotApplicable Status = "not-applicable"
)

// outcomeTags maps the format's outcome elements to statuses.
var outcomeTags = map[string]Status{
	"Pass": StatusPass, "Fail": StatusFail, "Warning": StatusWarning,
	"Info": StatusInfo, "NotApplicable": StatusNotApplicable,
}

// Outcome is one possible result of a check.
type Outcome struct {
	Status Status
	When   []Condition
	// Reason is the template of the result's reason: {setting} is the
	// setting's value, {setting.source} where it came from, {setting.list}
	// a measure's items and {setting.count} their number (template.go).
	Reason Template
	Line   int
}

// Reference points to where a check comes from: a Microsoft security
// baseline, a CIS benchmark, a KB article, MBSA.
type Reference struct {
	Source string // "Microsoft security baseline", "CIS", "KB", "MBSA", "MS-...": free text
	ID     string // the source's identifier ("18.9.59.3.9.2", "KB2871997")
	Title  string
	URL    string
}

// Severities are the valid check severities, most severe first (the
// patch severities: docs/mbsa-semantics.md).
var Severities = []string{"Critical", "Important", "Moderate", "Low"}

// Setting returns the setting id names for check c: the check's own, else
// the baseline's.
func (b *Baseline) Setting(c *Check, id string) *Setting {
	if c != nil {
		for _, s := range c.Settings {
			if s.ID == id {
				return s
			}
		}
	}
	for _, s := range b.Settings {
		if s.ID == id {
			return s
		}
	}
	return nil
}

// Check returns the check with that id, or nil.
func (b *Baseline) Check(id string) *Check {
	for _, c := range b.Checks {
		if c.ID == id {
			return c
		}
	}
	return nil
}
