// Package report writes scan results: per-host XML files and a rollup (as
// MBSA's SecurityScans folder and rollup.js did), and the stdout formats of
// `patchscan scan` (table, HFNetChk-style text, streaming XML, JSON Lines).
//
// Every writer is a Sink fed by one stream of scan.HostResult, one host at a
// time as hosts finish. The formats are documented in docs/report-format.md;
// the XML ones have schemas in report.xsd and rollup.xsd.
//
// Strings that come from scanned hosts (registry values, file paths, error
// text) are hostile input: every writer passes them through the same
// cleaning (valid UTF-8, XML 1.0 characters only, bounded length), and the
// terminal formats also drop control characters so a host cannot send
// escape sequences to the operator's terminal.
package report

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/patchscan/patchscan/detect"
	"github.com/patchscan/patchscan/report/deadline"
	"github.com/patchscan/patchscan/scan"
	"github.com/patchscan/patchscan/scan/transport"
)

// Namespaces of the XML formats. The version number is bumped on any
// breaking change (see docs/report-format.md, "Versioning"). Version 2 of
// the ScanReport added the check kind "build" (a closed list) with the
// CVE-level data of catalog format 2; `rollup` still reads version 1.
const (
	NamespaceReport   = "urn:patchscan:report:2"
	NamespaceReportV1 = "urn:patchscan:report:1"
	NamespaceRollup   = "urn:patchscan:rollup:1"
)

// Meta describes the run that produced a report.
type Meta struct {
	ToolVersion    string
	CatalogVersion string // the catalog's DataVersion
	CatalogDate    string // the catalog's LastDataUpdate (YYYY-MM-DD): how current its data is
	Baseline       string // the configuration baseline's name and version; "" when no checks ran
	// ConfigOnly: the run checked configuration alone (--checks config);
	// table and text leave the patch columns out (ConfigOnly).
	ConfigOnly bool
	Generated  time.Time // when the run started; zero means "now"
	// Deadlines give missing results their due dates (see Due); nil is
	// deadline.Default(): Critical 24 h, Important a month, Moderate 4
	// months, Low 12 months.
	Deadlines deadline.Policy
	// Insecure names the security safeguards the operator turned off for
	// the run ("winrm-http", "ldap-tls-unverified", ...: tokens without
	// spaces, see docs/report-format.md): a reader of the reports must
	// know the data may have come from an impostor or crossed the network
	// in clear text.
	Insecure []string
}

func (m Meta) withDefaults() Meta {
	if m.Generated.IsZero() {
		m.Generated = time.Now()
	}
	m.Generated = m.Generated.UTC()
	return m
}

// Sink consumes host results. Write is called once per host as hosts
// finish, from one goroutine at a time; Close finishes the output (closing
// tags, rollup, tables) and must be called on every path, interrupted runs
// included. The sinks of this package also tolerate Close racing a Write
// (a signal handler): Close waits for the Write to finish.
type Sink interface {
	Write(scan.HostResult) error
	Close() error
}

// ErrClosed is returned by Write after Close.
var ErrClosed = errors.New("report: write after close")

// Multi returns a Sink that writes to every sink in order. A failing sink
// does not stop the others; the errors are joined.
func Multi(sinks ...Sink) Sink { return multi(sinks) }

type multi []Sink

func (m multi) Write(h scan.HostResult) error {
	var errs []error
	for _, s := range m {
		if err := s.Write(h); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (m multi) Close() error {
	var errs []error
	for _, s := range m {
		if err := s.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Show selects which result statuses the text and table formats display.
// XML and JSON always carry everything.
type Show map[detect.Status]bool

// DefaultShow is what text and table show unless --show says otherwise.
const DefaultShow = "missing,warning,note"

// ParseShow parses a comma-separated list of statuses; "all" selects every
// status.
func ParseShow(s string) (Show, error) {
	show := Show{}
	for _, f := range strings.Split(s, ",") {
		f = strings.ToLower(strings.TrimSpace(f))
		if f == "" {
			continue
		}
		if f == "all" {
			for _, st := range detect.Statuses {
				show[st] = true
			}
			continue
		}
		if !validStatus(detect.Status(f)) {
			return nil, fmt.Errorf("unknown status %q in --show: use a comma-separated list of %s, or all", f, statusList())
		}
		show[detect.Status(f)] = true
	}
	if len(show) == 0 {
		return nil, fmt.Errorf("--show is empty: use a comma-separated list of %s, or all", statusList())
	}
	return show, nil
}

func statusList() string {
	var names []string
	for _, st := range detect.Statuses {
		names = append(names, string(st))
	}
	return strings.Join(names, ",")
}

func validStatus(s detect.Status) bool {
	for _, st := range detect.Statuses {
		if s == st {
			return true
		}
	}
	return false
}

func validHostStatus(s transport.Outcome) bool {
	switch s {
	case transport.Scanned, transport.Unreachable, transport.AuthFailed, transport.AccessDenied, transport.Failed:
		return true
	}
	return false
}

// Counts counts one host's results by status.
type Counts struct {
	Missing, Warning, Note, Error, Superseded, Installed, NotApplicable int
}

func (c *Counts) add(s detect.Status) {
	if n := c.of(s); n != nil {
		*n++
	}
}

// Of returns the count for one status.
func (c Counts) Of(s detect.Status) int {
	if n := c.of(s); n != nil {
		return *n
	}
	return 0
}

// of is the counter of one status, nil for an unknown status.
func (c *Counts) of(s detect.Status) *int {
	switch s {
	case detect.StatusMissing:
		return &c.Missing
	case detect.StatusWarning:
		return &c.Warning
	case detect.StatusNote:
		return &c.Note
	case detect.StatusError:
		return &c.Error
	case detect.StatusSuperseded:
		return &c.Superseded
	case detect.StatusInstalled:
		return &c.Installed
	case detect.StatusNotApplicable:
		return &c.NotApplicable
	}
	return nil
}

// MissingRef names one missing patch or service pack on a host.
type MissingRef struct {
	Kind     detect.ResultKind // patch or service-pack
	Bulletin string            // "" for service packs
	KB       string            // SQNumber, or the service pack's name
	Severity string
	Product  string // product name; set for service packs
}

// MissingDue is a missing result's due date (YYYY-MM-DD, "" when the
// catalog gives no release date) and whether it was overdue.
type MissingDue struct {
	Due     string
	Overdue bool
}

// HostSummary is what the rollup keeps of a host: a few counters and the
// missing patches, never the whole report.
type HostSummary struct {
	Name, Address, Target, Domain, Transport string
	// ComputerName is the name the host gives itself (report version 2,
	// scanned hosts): the identity Key prefers.
	ComputerName string
	// Insecure: the safeguards the run that wrote the report turned off
	// (Meta.Insecure).
	Insecure          []string
	Status            transport.Outcome
	Error             string
	Started, Finished time.Time
	// Generated, CatalogVersion and CatalogDate come from the report
	// document.
	Generated      time.Time
	CatalogVersion string
	CatalogDate    string
	Counts         Counts
	Missing        []MissingRef
	// Due says, for each of Missing (same index), when it is due and
	// whether it was overdue when the host was scanned; Overdue counts
	// those. Kept apart from MissingRef, which the rollup groups hosts by.
	Due     []MissingDue
	Overdue int
	// CVEsKnown: the report says which CVEs are open (report version 2,
	// scanned host); Vulnerabilities counts them, Exploited those
	// exploited in the wild. A version 1 report leaves them unknown.
	CVEsKnown                  bool
	Vulnerabilities, Exploited int
	// ConfigKnown: the host's configuration checks ran (configrollup.go);
	// Config counts them and ConfigFailed lists the failed ones.
	ConfigKnown  bool
	Config       ConfigCounts
	ConfigFailed []ConfigRef
}

// Compliant reports whether the host was scanned and has no missing patch
// and no unreadable check (an error result proves nothing either way).
func (s HostSummary) Compliant() bool {
	return s.Status == transport.Scanned && s.Counts.Missing == 0 && s.Counts.Error == 0
}

// When is the time that decides which of two reports of one host is newer:
// the host's finished time, else the document's generated time.
func (s HostSummary) When() time.Time {
	if !s.Finished.IsZero() {
		return s.Finished
	}
	return s.Generated
}

// Key identifies a host across runs, case-insensitively: the name the
// host gives itself when its report says it (so a host scanned once by
// address and once by name is one host), else the address it was
// reached at, else its name, else the target as given.
func (s HostSummary) Key() string {
	switch {
	case s.ComputerName != "":
		return "c:" + strings.ToLower(s.ComputerName)
	case s.Address != "":
		return "a:" + strings.ToLower(s.Address)
	case s.Name != "":
		return "n:" + strings.ToLower(s.Name)
	}
	return "t:" + strings.ToLower(s.Target)
}

// Summarize reduces a host result to its summary. Strings are cleaned as
// the XML writer cleans them, so a summary made during a scan equals the
// one read back from the host's XML file.
func Summarize(meta Meta, h scan.HostResult) HostSummary {
	meta = meta.withDefaults()
	s := HostSummary{
		Name: clean(h.Name), Address: clean(h.Address), Target: clean(h.Target),
		Domain: clean(h.Domain), Transport: clean(h.Transport),
		Status: h.Status, Error: clean(h.Reason()),
		Started: truncTime(h.Started), Finished: truncTime(h.Finished),
		Generated: truncTime(meta.Generated), CatalogVersion: clean(meta.CatalogVersion),
		CatalogDate: clean(meta.CatalogDate), Insecure: cleanTokens(meta.Insecure),
	}
	if h.Status != transport.Scanned {
		s.Error = errorText(h)
	}
	s.CVEsKnown = h.Status == transport.Scanned
	summarizeConfig(&s, h.Config)
	if h.Report == nil {
		return s
	}
	if s.CVEsKnown {
		s.Vulnerabilities, s.Exploited = countCVEs(h.Report.Vulnerabilities)
		s.ComputerName = clean(h.Report.OS.ComputerName)
	}
	products := map[int]string{}
	for _, p := range h.Report.Products {
		products[p.ID] = clean(p.Name)
	}
	for _, r := range h.Report.Results {
		s.Counts.add(r.Status)
		if r.Status == detect.StatusMissing {
			s.Missing = append(s.Missing, missingRef(r, products))
			due, overdue := dueAttrs(meta, h, r)
			s.Due = append(s.Due, MissingDue{Due: due, Overdue: *overdue})
			if *overdue {
				s.Overdue++
			}
		}
	}
	return s
}

// cleanTokens keeps tokens to what an xs:NMTOKENS list can hold (ASCII
// letters, digits, ".-_:"; anything else becomes "_", a report read back
// is untrusted), at most 64 bytes each, and drops empty ones.
func cleanTokens(tokens []string) []string {
	var out []string
	for _, t := range tokens {
		t = strings.Map(func(r rune) rune {
			if r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune(".-_:", r)) {
				return r
			}
			return '_'
		}, t)
		if len(t) > 64 {
			t = t[:64]
		}
		if t != "" {
			out = append(out, t)
		}
	}
	return out
}

// countCVEs counts open CVEs and those among them exploited in the wild.
func countCVEs(vs []detect.Vulnerability) (open, exploited int) {
	for _, v := range vs {
		if v.Exploited {
			exploited++
		}
	}
	return len(vs), exploited
}

func missingRef(r detect.Result, products map[int]string) MissingRef {
	m := MissingRef{Kind: resultKind(r.Kind), Bulletin: clean(r.BulletinID), KB: clean(r.KB), Severity: clean(r.Severity)}
	if m.Kind == detect.KindServicePack {
		m.Product = products[r.ProductID]
	}
	return m
}

func resultKind(k detect.ResultKind) detect.ResultKind {
	if k == detect.KindServicePack {
		return k
	}
	return detect.KindPatch
}

// errorText is the host-level error line written for unscanned hosts.
func errorText(h scan.HostResult) string {
	if h.Status == transport.Scanned {
		return clean(h.Reason())
	}
	if e := clean(h.Reason()); e != "" {
		return e
	}
	return clean(string(h.Status)) + " (no detail reported)"
}

// truncTime drops the monotonic reading and normalizes to UTC, the form
// the documents carry (RFC 3339, nanoseconds kept).
func truncTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.Round(0).UTC()
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// statusRank orders result statuses as detect.Statuses does: missing
// first, not-applicable last.
func statusRank(s detect.Status) int {
	for i, st := range detect.Statuses {
		if s == st {
			return i
		}
	}
	return len(detect.Statuses)
}

// severityRank orders severities for reports, most severe first.
func severityRank(s string) int {
	switch strings.ToLower(s) {
	case "critical":
		return 0
	case "important":
		return 1
	case "moderate":
		return 2
	case "low":
		return 3
	}
	return 4
}

// guard serializes a sink's Write and Close and remembers Close.
type guard struct {
	mu     sync.Mutex
	closed bool
}
