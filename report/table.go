package report

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"
	"github.com/patchscan/patchscan/detect"
	"github.com/patchscan/patchscan/internal/textsafe"
	"github.com/patchscan/patchscan/report/deadline"
	"github.com/patchscan/patchscan/scan"
	"github.com/patchscan/patchscan/scan/transport"
)

// The table needs every host before it can be drawn, so it is written at
// Close. To keep memory small on large scans it keeps, per host, a row of
// display strings and counters, plus one row per shown result (the few
// statuses --show selects, missing by default), never whole reports.

const titleWidth = 48

type tableHost struct {
	host, address, os string
	status            string
	err               string
	missing           [5]int // by severityRank: Critical, Important, Moderate, Low, other
	warnings          int
	cves, exploited   int    // open CVEs, and those exploited in the wild
	config            [3]int // configuration checks failed, warning, error
	overdue           int    // missing results past their due date
	seq               int    // place in the input (HostResult.Seq)
	key               string
	dataWarnings      []string // about the host's data (an image's dirty hive)
}

type tableRow struct {
	seq                                         int    // the host's place in the input
	key                                         string // host sort key
	host, status, bulletin, kb, severity, title string
	due                                         string // a missing result's due date, "(overdue)" when past
	overdue                                     bool
	sev, rank                                   int
}

type tableSink struct {
	guard
	w     io.Writer
	show  Show
	meta  Meta
	hosts []tableHost
	rows  []tableRow
	// configRows are the configuration checks shown (configtable.go).
	configRows []configRow
	configOnly bool // ConfigOnly
}

// NewTable returns a Sink that draws, at Close, a summary table (one row
// per host: OS, missing patches by severity, overdue ones, warnings, open
// CVEs and exploited ones, status), a table of the results --show selects
// with their due dates, and a table of hosts that were not scanned. Hosts
// and results that are overdue come first. meta gives the deadlines.
func NewTable(w io.Writer, show Show, meta Meta) Sink {
	return &tableSink{w: w, show: show, meta: meta.withDefaults()}
}

func (s *tableSink) Write(h scan.HostResult) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	th := tableHost{
		host: term(h.Name), address: term(h.Address), status: term(string(h.Status)), seq: h.Seq,
		key: term(h.Name) + "\x00" + term(h.Address) + "\x00" + term(h.Target),
	}
	if th.host == "" {
		th.host = term(h.Target)
	}
	for _, w := range h.Warnings {
		th.dataWarnings = append(th.dataWarnings, term(w))
	}
	if h.Status != transport.Scanned {
		th.err = term(errorText(h))
		s.hosts = append(s.hosts, th)
		return nil
	}
	var rep detect.Report
	if h.Report != nil {
		rep = *h.Report
	}
	th.os = osLine(&rep)
	s.addConfig(h, &th)
	th.cves, th.exploited = countCVEs(rep.Vulnerabilities)
	for _, r := range rep.Results {
		due, known, overdue := Due(s.meta, h, r)
		switch r.Status {
		case detect.StatusMissing:
			th.missing[severityRank(r.Severity)]++
			if overdue {
				th.overdue++
			}
		case detect.StatusWarning:
			th.warnings++
		}
		if !s.show[r.Status] {
			continue
		}
		id := term(r.BulletinID)
		if id == "" {
			id = "-"
		}
		sev := term(r.Severity)
		if sev == "" {
			sev = "-"
		}
		kb := term(r.KB)
		if v := term(r.Via); v != "" {
			kb += " via " + v
		}
		s.rows = append(s.rows, tableRow{
			seq: th.seq, key: th.key, host: th.host, status: textLabel(r), bulletin: id, kb: kb,
			severity: sev, title: textsafe.Line(r.Title, titleWidth), sev: severityRank(r.Severity),
			rank: statusRank(r.Status), due: dueCell(due, known, overdue), overdue: overdue,
		})
	}
	s.hosts = append(s.hosts, th)
	return nil
}

func newTable(w io.Writer) *tablewriter.Table {
	return tablewriter.NewTable(w,
		// Plain ASCII: the output is also pasted into tickets and mail.
		tablewriter.WithRendition(tw.Rendition{Symbols: tw.NewSymbols(tw.StyleASCII)}),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAutoFormat(tw.Off),
	)
}

func (s *tableSink) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	bw := bufio.NewWriter(s.w)
	if err := s.render(bw); err != nil {
		return fmt.Errorf("writing table report: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("writing table report: %w", err)
	}
	return nil
}

func (s *tableSink) render(w io.Writer) error {
	s.sort()
	if len(s.hosts) == 0 {
		_, err := io.WriteString(w, "No hosts scanned.\n")
		return err
	}
	render := s.renderHosts
	if s.configOnly {
		render = s.renderConfigHosts
	}
	failed, err := render(w)
	if err != nil {
		return err
	}
	if !s.configOnly {
		if err := s.renderResults(w); err != nil {
			return err
		}
	}
	if err := s.renderConfig(w); err != nil {
		return err
	}
	if err := renderFailed(w, failed); err != nil {
		return err
	}
	return s.renderWarnings(w)
}

// renderWarnings draws the table of what the operator should know about
// hosts' data (an image's dirty hive), if any host has such a warning.
func (s *tableSink) renderWarnings(w io.Writer) error {
	var rows [][]string
	for _, h := range s.hosts {
		for _, warning := range h.dataWarnings {
			rows = append(rows, []string{h.host, wrapWords(warning, errorWidth, errorLines)})
		}
	}
	if len(rows) == 0 {
		return nil
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return err
	}
	t := newTable(w)
	t.Header([]string{"HOST", "WARNING ABOUT ITS DATA"})
	for _, r := range rows {
		if err := t.Append(r); err != nil {
			return err
		}
	}
	return t.Render()
}

// sort puts overdue first: hosts by how many overdue results they have
// (most first), then in input order (HostResult.Seq; not the order they
// finished in); result rows overdue first, then by host (input order),
// status, severity, bulletin and KB.
func (s *tableSink) sort() {
	sort.SliceStable(s.hosts, func(i, j int) bool {
		a, b := s.hosts[i], s.hosts[j]
		if a.overdue != b.overdue {
			return a.overdue > b.overdue
		}
		if a.seq != b.seq {
			return a.seq < b.seq
		}
		return a.key < b.key
	})
	slices.SortStableFunc(s.rows, func(a, b tableRow) int {
		return cmp.Or(cmp.Compare(overdueRank(a.overdue), overdueRank(b.overdue)),
			cmp.Compare(a.seq, b.seq), cmp.Compare(a.key, b.key), cmp.Compare(a.rank, b.rank), cmp.Compare(a.sev, b.sev),
			cmp.Compare(a.bulletin, b.bulletin), cmp.Compare(a.kb, b.kb))
	})
}

func overdueRank(overdue bool) int {
	if overdue {
		return 0
	}
	return 1
}

// dueCell shows a result's due date: "2017-03-15 OVERDUE", "2026-12-01",
// or "-" when it has none.
func dueCell(due time.Time, known, overdue bool) string {
	switch {
	case !known:
		return "-"
	case overdue:
		return deadline.FormatDate(due) + " OVERDUE"
	}
	return deadline.FormatDate(due)
}

// renderHosts draws the summary table, one row per host, and returns the
// hosts that were not scanned.
func (s *tableSink) renderHosts(w io.Writer) ([]tableHost, error) {
	t := newTable(w)
	t.Header([]string{"HOST", "ADDRESS", "OS", "CRITICAL", "IMPORTANT", "MODERATE", "LOW", "OTHER", "OVERDUE", "WARNINGS", "CVES", "EXPLOITED", "STATUS"})
	var failed []tableHost
	for _, h := range s.hosts {
		row := []string{h.host, h.address, wrapParts(h.os, ", ", osWidth)}
		for _, n := range h.missing {
			row = append(row, count(h, n))
		}
		row = append(row, count(h, h.overdue), count(h, h.warnings), count(h, h.cves), count(h, h.exploited), h.status)
		if err := t.Append(row); err != nil {
			return nil, err
		}
		if h.err != "" {
			failed = append(failed, h)
		}
	}
	return failed, t.Render()
}

// renderResults draws the table of the results --show selects, if any.
func (s *tableSink) renderResults(w io.Writer) error {
	if len(s.rows) == 0 {
		return nil
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return err
	}
	t := newTable(w)
	t.Header([]string{"HOST", "RESULT", "BULLETIN", "KB", "SEVERITY", "DUE", "TITLE"})
	for _, r := range s.rows {
		if err := t.Append([]string{r.host, r.status, r.bulletin, r.kb, r.severity, r.due, r.title}); err != nil {
			return err
		}
	}
	return t.Render()
}

// renderFailed draws the table of hosts that were not scanned, if any.
func renderFailed(w io.Writer, failed []tableHost) error {
	if len(failed) == 0 {
		return nil
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return err
	}
	t := newTable(w)
	t.Header([]string{"HOST", "ADDRESS", "STATUS", "ERROR"})
	for _, h := range failed {
		if err := t.Append([]string{h.host, h.address, h.status, wrapWords(h.err, errorWidth, errorLines)}); err != nil {
			return err
		}
	}
	return t.Render()
}

// count prints a counter, or "-" for hosts that were not scanned (zero
// would claim they are clean).
func count(h tableHost, n int) string {
	if h.err != "" {
		return "-"
	}
	return strconv.Itoa(n)
}
