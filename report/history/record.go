package history

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Host statuses as the report formats write them (scan outcomes).
const (
	HostScanned = "scanned"
)

// Result statuses the store keeps. not-applicable results are not stored:
// they are most of a host's results and say nothing about it; a result
// absent from a run was not applicable, or not in that run's catalog or
// selection.
var resultStatuses = map[string]bool{
	"missing": true, "warning": true, "note": true, "error": true,
	"superseded": true, "installed": true,
}

// statusRank orders result statuses for merging duplicates: the worse wins.
var statusRank = map[string]int{
	"missing": 0, "error": 1, "warning": 2, "note": 3, "superseded": 4, "installed": 5,
}

// Check statuses (issue 16's configuration checks).
var checkStatuses = map[string]bool{
	"pass": true, "fail": true, "warning": true, "info": true, "not-applicable": true, "error": true,
}

var hostStatuses = map[string]bool{
	"scanned": true, "unreachable": true, "auth-failed": true, "access-denied": true, "error": true,
}

// HostRecord is what the store keeps of one host in one run: a small,
// stable record, independent of the scan package's types (NewSink converts).
type HostRecord struct {
	Name, Address, Target, Domain, Transport string
	// ComputerName is the name the host gives itself (its registry's
	// ComputerName), when it was scanned and said.
	ComputerName      string
	Status            string // scanned, unreachable, auth-failed, access-denied, error
	Error             string
	Started, Finished time.Time
	OS                OSInfo
	Results           []ResultRecord
	Checks            []CheckRecord
	CVEs              []CVERecord
	// Counts, when set (Counts.Set), are stored as given instead of being
	// counted from Results: a record read from a report file carries the
	// file's counts but only its missing results.
	Counts Counts

	// alias is the key of the host last seen at this address, for a host
	// that did not say its name (see Recorder.resolveAliases).
	alias string
}

// OSInfo is the part of the host's OS the store keeps.
type OSInfo struct {
	Product, Version, Build, UBR string
}

// ResultRecord is one verdict: a patch or service pack and its status.
type ResultRecord struct {
	Kind     string // patch, service-pack
	Bulletin string
	KB       string
	Product  string // product name; "" when the result names none
	Title    string
	Severity string
	Status   string
	Released string    // YYYY-MM-DD; "" unknown
	Due      time.Time // zero: no due date (not missing, or no release date)
	Overdue  bool
	CVEs     []string
	// SupersededBy names the installed patch that made this one superseded.
	SupersededBy string
}

// CheckRecord is one configuration check's outcome (issue 16).
type CheckRecord struct {
	ID, Status, Severity, Reason string
}

// CVERecord is one CVE still open on a host (issue 11).
type CVERecord struct {
	CVE, Severity string
	Exploited     bool
	FixedBy       []string // KBs that fix it
}

// Counts are a host's results by status, plus the overdue missing ones.
type Counts struct {
	Set                                                           bool
	Missing, Overdue, Warning, Note, Error, Superseded, Installed int
	NotApplicable                                                 int
	ConfigFailed, OpenCVEs                                        int
}

// Key identifies a host across runs, case-insensitively, as
// report.HostSummary.Key does: the name the host gives itself, else the
// address it was reached at, else its name, else the target as given.
// The store adds one rule: a host that did not say its name (it could not
// be scanned) is the host last seen at its address, so a machine that
// stops answering shows as "not scanned", not as gone and replaced.
func (h *HostRecord) Key() string {
	switch {
	case h.ComputerName != "":
		return "c:" + strings.ToLower(h.ComputerName)
	case h.alias != "":
		return h.alias
	case h.Address != "":
		return "a:" + strings.ToLower(h.Address)
	case h.Name != "":
		return "n:" + strings.ToLower(h.Name)
	}
	return "t:" + strings.ToLower(h.Target)
}

// Display is how a host is named in listings: its name, else address,
// else target.
func (h *HostRecord) Display() string {
	for _, s := range []string{h.ComputerName, h.Name, h.Address, h.Target} {
		if s != "" {
			return s
		}
	}
	return "(unnamed)"
}

// updateKey identifies a result across runs of one host: a comparable
// value, so map lookups allocate nothing (a run looks up ~300,000
// results).
type updateKey struct{ kind, bulletin, kb, product string }

func (r *ResultRecord) ukey() updateKey { return updateKey{r.Kind, r.Bulletin, r.KB, r.Product} }

// compareKeys orders results by key: as their fields joined with NULs
// compare (the order the set digest follows); the fields are NUL-free
// (bound), so that is comparing field by field.
func compareKeys(a, b *ResultRecord) int {
	if c := strings.Compare(a.Kind, b.Kind); c != 0 {
		return c
	}
	if c := strings.Compare(a.Bulletin, b.Bulletin); c != 0 {
		return c
	}
	if c := strings.Compare(a.KB, b.KB); c != 0 {
		return c
	}
	return strings.Compare(a.Product, b.Product)
}

// Field bounds, in bytes. Names and IDs are short in practice; error lines
// and titles get more room. Bounds hold on the way in and the way out.
const (
	maxShort = 256
	maxText  = 2048
	// maxList bounds a CVE or KB list in one field.
	maxList = 16 << 10
)

const truncMark = "…[truncated]"

// bound makes s safe for every store and every reader: valid UTF-8 (bad
// bytes become U+FFFD), no NUL (PostgreSQL text cannot hold it) and at
// most max bytes, cut on a rune boundary with a marker.
func bound(s string, max int) string {
	if len(s) <= max && utf8.ValidString(s) && !strings.ContainsRune(s, 0) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		if r == 0 || r == utf8.RuneError && n == 1 {
			r = utf8.RuneError
		}
		if b.Len()+utf8.RuneLen(r) > max-len(truncMark) {
			b.WriteString(truncMark)
			break
		}
		b.WriteRune(r)
	}
	return b.String()
}

// normalize bounds every string of the record, drops results and checks
// the store does not keep, merges duplicate results (the worse status
// wins) and computes the counts unless they were given.
func (h *HostRecord) normalize(now time.Time) {
	for _, p := range []*string{&h.Name, &h.Address, &h.Target, &h.Domain, &h.Transport, &h.Status, &h.ComputerName,
		&h.OS.Product, &h.OS.Version, &h.OS.Build, &h.OS.UBR} {
		*p = bound(*p, maxShort)
	}
	h.Error = bound(h.Error, maxText)
	if h.Finished.IsZero() {
		h.Finished = now
	}
	if h.Started.IsZero() {
		h.Started = h.Finished
	}
	h.Started, h.Finished = h.Started.UTC(), h.Finished.UTC()
	notApplicable := 0
	for _, r := range h.Results {
		if r.Status == "not-applicable" {
			notApplicable++
		}
	}
	h.Results = mergeResults(h.Results)
	h.Checks = normalizeChecks(h.Checks)
	h.CVEs = normalizeCVEs(h.CVEs)
	if !h.Counts.Set {
		h.Counts = countResults(h.Results, h.Checks, len(h.CVEs))
		h.Counts.NotApplicable = notApplicable
	}
}

func mergeResults(in []ResultRecord) []ResultRecord {
	out := in[:0]
	for _, r := range in {
		if !resultStatuses[r.Status] {
			continue // not-applicable, or a status this version does not store
		}
		for _, p := range []*string{&r.Kind, &r.Bulletin, &r.KB, &r.Product, &r.Severity, &r.Status, &r.Released, &r.SupersededBy} {
			*p = bound(*p, maxShort)
		}
		r.Title = bound(r.Title, maxText)
		if r.Status != "missing" {
			r.Due, r.Overdue = time.Time{}, false
		}
		out = append(out, r)
	}
	// Stable: duplicates stay in input order, and the first of them stays
	// unless a later one is worse.
	slices.SortStableFunc(out, func(a, b ResultRecord) int { return compareKeys(&a, &b) })
	merged := out[:0]
	for _, r := range out {
		if n := len(merged); n > 0 && compareKeys(&merged[n-1], &r) == 0 {
			if statusRank[r.Status] < statusRank[merged[n-1].Status] {
				merged[n-1] = r
			}
			continue
		}
		merged = append(merged, r)
	}
	return merged
}

func normalizeChecks(in []CheckRecord) []CheckRecord {
	seen := map[string]bool{}
	out := in[:0]
	for _, c := range in {
		c.ID, c.Status, c.Severity = bound(c.ID, maxShort), bound(c.Status, maxShort), bound(c.Severity, maxShort)
		c.Reason = bound(c.Reason, maxText)
		if c.ID == "" || seen[c.ID] || !checkStatuses[c.Status] {
			continue
		}
		seen[c.ID] = true
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func normalizeCVEs(in []CVERecord) []CVERecord {
	seen := map[string]bool{}
	out := in[:0]
	for _, c := range in {
		c.CVE, c.Severity = bound(c.CVE, maxShort), bound(c.Severity, maxShort)
		if c.CVE == "" || seen[c.CVE] {
			continue
		}
		seen[c.CVE] = true
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].CVE < out[j].CVE })
	return out
}

func countResults(rs []ResultRecord, checks []CheckRecord, cves int) Counts {
	c := Counts{Set: true, OpenCVEs: cves}
	for _, r := range rs {
		switch r.Status {
		case "missing":
			c.Missing++
			if r.Overdue {
				c.Overdue++
			}
		case "warning":
			c.Warning++
		case "note":
			c.Note++
		case "error":
			c.Error++
		case "superseded":
			c.Superseded++
		case "installed":
			c.Installed++
		}
	}
	for _, ch := range checks {
		if ch.Status == "fail" {
			c.ConfigFailed++
		}
	}
	return c
}

// resultsDigest and checksDigest name a host scan's two sets: its results
// and open CVEs (which follow from its results), and its configuration
// checks. The two change independently (a check's reason names the host's
// own administrators: no two hosts share a check set, while hosts of one
// patch level share a result set), so each is stored once however many
// hosts and runs share it. Schema version 1 and 2 stores hold both in one
// set, whose digest is setDigest of the whole: a set's digest is always
// that of its whole content, so old and new sets are found alike.
func (h *HostRecord) resultsDigest() string { return setDigest(h.Results, nil, h.CVEs) }

func (h *HostRecord) checksDigest() string { return setDigest(nil, h.Checks, nil) }

// setDigest identifies a set's content: every stored result (key, status,
// due date, superseding patch), check and open CVE, in order. Equal
// digests mean equal sets (SHA-256, 128 bits kept).
func setDigest(results []ResultRecord, checks []CheckRecord, cves []CVERecord) string {
	d := make(digestInput, 0, 64*(len(results)+len(checks)+len(cves)))
	for i := range results {
		r := &results[i]
		d.field("r")
		d.field(r.Kind, r.Bulletin, r.KB, r.Product)
		d.field(r.Status)
		d.field(dueText(r.Due))
		d.field(r.SupersededBy)
	}
	for i := range checks {
		c := &checks[i]
		d.field("c")
		d.field(c.ID)
		d.field(c.Status)
		d.field(c.Severity)
		d.field(c.Reason)
	}
	for i := range cves {
		c := &cves[i]
		d.field("v")
		d.field(c.CVE)
		d.field(c.Severity)
		d.field(strconv.FormatBool(c.Exploited))
		d.field(joinList(c.FixedBy))
	}
	sum := sha256.Sum256(d)
	return hex.EncodeToString(sum[:16])
}

// digestInput is what setDigest hashes: each field as its length (a
// uvarint) and its bytes, a field of several parts joined by NULs.
type digestInput []byte

func (d *digestInput) field(parts ...string) {
	size := len(parts) - 1
	for _, p := range parts {
		size += len(p)
	}
	*d = binary.AppendUvarint(*d, uint64(size))
	for i, p := range parts {
		if i > 0 {
			*d = append(*d, 0)
		}
		*d = append(*d, p...)
	}
}

func dueText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.DateOnly)
}

// joinList writes a list field (CVEs, KBs) as space-separated words,
// bounded.
func joinList(l []string) string {
	return bound(strings.Join(l, " "), maxList)
}

func splitList(s string) []string {
	return strings.Fields(s)
}
