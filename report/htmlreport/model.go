// Package htmlreport writes the fleet report of `patchscan report html`:
// one self-contained HTML file (inline CSS and JS, an inline SVG chart,
// the data as JSON in the page; nothing is fetched, and the page's Content
// Security Policy forbids fetching anything) with a fleet summary, the
// compliance trend over runs, and per-host, per-update and per-CVE tables
// that sort and filter.
//
// Every string that comes from a host or a store is outside data: it is
// made one safe line (textsafe.Line: controls and bidirectional overrides
// become U+FFFD) and bounded, then escaped by html/template or written as
// JSON (which escapes <, > and &) and shown by the script with textContent
// only, never as markup.
package htmlreport

import (
	"sort"
	"strings"
	"time"

	"github.com/patchscan/patchscan/internal/textsafe"
	"github.com/patchscan/patchscan/report/deadline"
	"github.com/patchscan/patchscan/report/history"
)

// Input is what a report shows.
type Input struct {
	Title     string
	Source    string // where the data came from: a store or directories
	Generated time.Time
	// Runs, newest first, for the trend; Latest is Runs[0]'s snapshot,
	// with details (results that are not installed, checks, open CVEs).
	Runs   []history.Run
	Latest *history.Snapshot
}

// Bounds on displayed strings, in runes.
const (
	maxName  = 120
	maxTitle = 300
	maxError = 300
)

func line(s string, n int) string { return textsafe.Line(s, n) }

// Summary is the fleet at the newest run.
type Summary struct {
	Hosts, Scanned, NotScanned, Compliant, NonCompliant int
	Missing, Overdue, HostsOverdue                      int
	OpenCVEs, ExploitedCVEs                             int
	CompliantPct                                        string
}

// data is the JSON the page's script renders. Rows are arrays, not
// objects, to keep 10,000 hosts within a few megabytes; the script names
// the columns.
type data struct {
	Run     runJSON  `json:"run"`
	Updates [][]any  `json:"updates"` // kind, bulletin, kb, product, title, severity, released, missing, overdue, other
	Hosts   [][]any  `json:"hosts"`   // see hostRow
	CVEs    [][]any  `json:"cves"`    // cve, severity, exploited, hosts, fixedBy
	Now     string   `json:"now"`
	Status  []string `json:"status"` // result statuses, indexed by host result rows
}

type runJSON struct {
	Ref      string `json:"ref"`
	Started  string `json:"started"`
	Finished string `json:"finished"`
	Status   string `json:"status"`
	Shards   string `json:"shards"`
	Catalogs string `json:"catalogs"`
}

// resultStatuses are the statuses a host's detail lists, in this order.
var resultStatuses = []string{"missing", "error", "warning", "note"}

type model struct {
	summary Summary
	data    data
}

// build computes the summary and the page's data from the input.
func build(in Input) model {
	var m model
	sn := in.Latest
	if sn == nil {
		sn = &history.Snapshot{}
	}
	m.data.Status = resultStatuses
	m.data.Run = runInfo(sn.Run)
	m.data.Now = in.Generated.UTC().Format(time.RFC3339)
	u := newUpdateIndex()
	c := newCVEIndex()
	for i := range sn.Hosts {
		h := &sn.Hosts[i]
		m.addHost(h, u, c)
	}
	m.data.Updates = u.rows()
	m.data.CVEs = c.rows()
	m.summary.OpenCVEs = len(c.byID)
	m.summary.ExploitedCVEs = c.exploited()
	if m.summary.Scanned > 0 {
		m.summary.CompliantPct = pct(m.summary.Compliant, m.summary.Scanned)
	} else {
		m.summary.CompliantPct = "–"
	}
	if m.data.Updates == nil {
		m.data.Updates = [][]any{}
	}
	if m.data.Hosts == nil {
		m.data.Hosts = [][]any{}
	}
	if m.data.CVEs == nil {
		m.data.CVEs = [][]any{}
	}
	return m
}

func runInfo(r history.Run) runJSON {
	shards := ""
	if r.ShardCount > 1 {
		shards = itoa(len(r.Shards)) + "/" + itoa(r.ShardCount)
	}
	return runJSON{Ref: line(r.Ref, maxName), Started: fmtTime(r.Started), Finished: fmtTime(r.Finished),
		Status: line(r.Status, 40), Shards: shards, Catalogs: line(strings.Join(r.Catalogs, ", "), maxTitle)}
}

// addHost counts one host and adds its row: name, address, domain,
// status, error, os, missing, overdue, warning, errors, installed,
// openCVEs, finished, compliant (0/1), results ([update, status index,
// due, overdue 0/1]...), CVE indexes.
func (m *model) addHost(h *history.HostState, u *updateIndex, c *cveIndex) {
	s := &m.summary
	s.Hosts++
	compliant := 0
	if h.Status == history.HostScanned {
		s.Scanned++
		if h.Counts.Missing == 0 && h.Counts.Error == 0 {
			s.Compliant++
			compliant = 1
		} else {
			s.NonCompliant++
		}
	} else {
		s.NotScanned++
	}
	s.Missing += h.Counts.Missing
	s.Overdue += h.Counts.Overdue
	if h.Counts.Overdue > 0 {
		s.HostsOverdue++
	}
	results := [][]any{}
	for _, r := range h.Results {
		si := statusIndex(r.Status)
		if si < 0 {
			continue
		}
		ui := u.add(&r)
		overdue := 0
		if r.Overdue {
			overdue = 1
		}
		results = append(results, []any{ui, si, dueText(r.Due), overdue})
	}
	cves := c.addHost(h)
	os := strings.TrimSpace(strings.Join([]string{h.OS.Product, h.OS.Build}, " "))
	if h.OS.Build != "" && h.OS.UBR != "" {
		os += "." + h.OS.UBR
	}
	m.data.Hosts = append(m.data.Hosts, []any{
		line(h.Display(), maxName), line(h.Address, maxName), line(h.Domain, maxName), line(h.Status, 40),
		line(h.Error, maxError), line(os, maxName), h.Counts.Missing, h.Counts.Overdue, h.Counts.Warning,
		h.Counts.Error, h.Counts.Installed + h.Counts.Superseded, len(cves), fmtTime(h.Finished), compliant, results, cves,
	})
}

func statusIndex(s string) int {
	for i, st := range resultStatuses {
		if st == s {
			return i
		}
	}
	return -1
}

// updateIndex numbers the updates results name and counts, per update,
// the hosts missing it, overdue with it, or with another non-compliant
// status.
type updateIndex struct {
	byKey map[string]int
	list  []*updateRow
}

type updateRow struct {
	kind, bulletin, kb, product, title, severity, released string
	missing, overdue, other                                int
}

func newUpdateIndex() *updateIndex { return &updateIndex{byKey: map[string]int{}} }

func (u *updateIndex) add(r *history.ResultRecord) int {
	k := r.Kind + "\x00" + r.Bulletin + "\x00" + r.KB + "\x00" + r.Product
	i, ok := u.byKey[k]
	if !ok {
		i = len(u.list)
		u.byKey[k] = i
		u.list = append(u.list, &updateRow{kind: line(r.Kind, 40), bulletin: line(r.Bulletin, maxName), kb: line(r.KB, maxName),
			product: line(r.Product, maxName), title: line(r.Title, maxTitle), severity: line(r.Severity, 40), released: line(r.Released, 40)})
	}
	row := u.list[i]
	switch {
	case r.Status == "missing" && r.Overdue:
		row.missing++
		row.overdue++
	case r.Status == "missing":
		row.missing++
	default:
		row.other++
	}
	return i
}

func (u *updateIndex) rows() [][]any {
	out := make([][]any, len(u.list))
	for i, r := range u.list {
		out[i] = []any{r.kind, r.bulletin, r.kb, r.product, r.title, r.severity, r.released, r.missing, r.overdue, r.other}
	}
	return out
}

// cveIndex numbers the CVEs open on hosts: each host's open CVEs as the
// store holds them (issue 11), else the CVEs its missing updates fix.
type cveIndex struct {
	byID map[string]int
	list []*cveRow
}

type cveRow struct {
	cve, severity string
	exploited     bool
	hosts         int
	fixedBy       []string
}

func newCVEIndex() *cveIndex { return &cveIndex{byID: map[string]int{}} }

func (c *cveIndex) addHost(h *history.HostState) []int {
	open := map[string]*cveRow{}
	if len(h.CVEs) > 0 {
		for _, v := range h.CVEs {
			open[v.CVE] = &cveRow{cve: v.CVE, severity: v.Severity, exploited: v.Exploited, fixedBy: v.FixedBy}
		}
	} else {
		for _, r := range h.Results {
			if r.Status != "missing" {
				continue
			}
			for _, id := range r.CVEs {
				if open[id] == nil {
					open[id] = &cveRow{cve: id, severity: r.Severity}
				}
				open[id].fixedBy = appendDistinct(open[id].fixedBy, r.KB)
			}
		}
	}
	ids := make([]int, 0, len(open))
	for _, id := range sortedIDs(open) {
		ids = append(ids, c.add(open[id]))
	}
	return ids
}

func (c *cveIndex) add(v *cveRow) int {
	i, ok := c.byID[v.cve]
	if !ok {
		i = len(c.list)
		c.byID[v.cve] = i
		c.list = append(c.list, &cveRow{cve: line(v.cve, maxName), severity: line(v.severity, 40)})
	}
	row := c.list[i]
	row.hosts++
	row.exploited = row.exploited || v.exploited
	if severityRank(v.severity) < severityRank(row.severity) {
		row.severity = line(v.severity, 40)
	}
	for _, kb := range v.fixedBy {
		row.fixedBy = appendDistinct(row.fixedBy, line(kb, maxName))
	}
	return i
}

func (c *cveIndex) exploited() int {
	n := 0
	for _, r := range c.list {
		if r.exploited {
			n++
		}
	}
	return n
}

func (c *cveIndex) rows() [][]any {
	out := make([][]any, len(c.list))
	for i, r := range c.list {
		ex := 0
		if r.exploited {
			ex = 1
		}
		out[i] = []any{r.cve, r.severity, ex, r.hosts, strings.Join(r.fixedBy, " ")}
	}
	return out
}

func severityRank(s string) int {
	switch deadline.Class(s) {
	case deadline.Critical:
		return 0
	case deadline.Important:
		return 1
	case deadline.Moderate:
		return 2
	case deadline.Low:
		return 3
	}
	return 4
}

func sortedIDs(m map[string]*cveRow) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func appendDistinct(l []string, s string) []string {
	if s == "" {
		return l
	}
	for _, x := range l {
		if x == s {
			return l
		}
	}
	if len(l) >= 20 {
		return l // a CVE fixed by more KBs than that is listed by its first 20
	}
	return append(l, s)
}

func dueText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return deadline.FormatDate(t)
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

func pct(n, of int) string {
	if of == 0 {
		return "–"
	}
	p := float64(n) * 100 / float64(of)
	return trimFloat(p) + "%"
}
