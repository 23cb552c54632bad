package history

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/patchscan/patchscan/internal/textsafe"
	"github.com/patchscan/patchscan/report/deadline"
)

// Output of `patchscan history` and `patchscan diff`: a table for a
// terminal (every string through textsafe.Line: nothing from a host or a
// store can act on the terminal), or JSON Lines, one object per line, for
// scripts.

func newTable(w io.Writer, header ...string) *tablewriter.Table {
	t := tablewriter.NewTable(w,
		tablewriter.WithRendition(tw.Rendition{Symbols: tw.NewSymbols(tw.StyleASCII)}),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAutoFormat(tw.Off),
	)
	t.Header(header)
	return t
}

func cell(s string, n int) string {
	if s == "" {
		return "-"
	}
	return textsafe.Line(s, n)
}

func when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04")
}

func jsonTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// WriteRunsTable lists runs, newest first.
func WriteRunsTable(w io.Writer, runs []Run) error {
	if len(runs) == 0 {
		_, err := io.WriteString(w, "No runs in the store.\n")
		return err
	}
	t := newTable(w, "RUN", "STARTED (UTC)", "FINISHED", "STATUS", "SHARDS", "HOSTS", "SCANNED", "COMPLIANT", "MISSING", "OVERDUE", "CATALOG")
	for _, r := range runs {
		shards := "-"
		if r.ShardCount > 1 {
			shards = strconv.Itoa(len(r.Shards)) + "/" + strconv.Itoa(r.ShardCount)
		}
		row := []string{cell(r.Ref, 40), when(r.Started), when(r.Finished), r.Status, shards, strconv.Itoa(r.Hosts),
			strconv.Itoa(r.Scanned), strconv.Itoa(r.Compliant), strconv.Itoa(r.Missing), strconv.Itoa(r.Overdue),
			cell(strings.Join(r.Catalogs, ","), 30)}
		if err := t.Append(row); err != nil {
			return err
		}
	}
	return t.Render()
}

type jsonRun struct {
	Run        string   `json:"run"`
	Label      string   `json:"label,omitempty"`
	IDs        []int64  `json:"ids"`
	Started    string   `json:"started"`
	Finished   string   `json:"finished,omitempty"`
	Status     string   `json:"status"`
	ShardCount int      `json:"shardCount"`
	Shards     []int    `json:"shards"`
	Hosts      int      `json:"hosts"`
	Scanned    int      `json:"scanned"`
	Compliant  int      `json:"compliant"`
	Missing    int      `json:"missing"`
	Overdue    int      `json:"overdue"`
	Catalogs   []string `json:"catalogs"`
	Scanners   []string `json:"scanners"`
	Source     string   `json:"source"`
}

// WriteRunsJSON writes one JSON object per run.
func WriteRunsJSON(w io.Writer, runs []Run) error {
	enc := newEncoder(w)
	for _, r := range runs {
		j := jsonRun{Run: r.Ref, Label: r.Label, IDs: r.IDs, Started: jsonTime(r.Started), Finished: jsonTime(r.Finished),
			Status: r.Status, ShardCount: r.ShardCount, Shards: r.Shards, Hosts: r.Hosts, Scanned: r.Scanned,
			Compliant: r.Compliant, Missing: r.Missing, Overdue: r.Overdue, Catalogs: nonNil(r.Catalogs),
			Scanners: nonNil(r.Scanners), Source: r.Source}
		if err := enc.Encode(j); err != nil {
			return err
		}
	}
	return enc.flush()
}

func nonNil(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

// encoder writes JSON Lines with readable paths and titles.
type encoder struct {
	*json.Encoder
	bw *bufio.Writer
}

func newEncoder(w io.Writer) encoder {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	return encoder{enc, bw}
}

func (e encoder) flush() error { return e.bw.Flush() }

// WriteTimelineTable shows a host's scans, newest first, with what changed
// from one to the next.
func WriteTimelineTable(w io.Writer, host string, entries []TimelineEntry) error {
	if len(entries) > 0 {
		h := entries[0]
		if _, err := fmt.Fprintf(w, "%s (%s)\n", cell(h.Display(), 80), cell(h.Address, 60)); err != nil {
			return err
		}
	}
	t := newTable(w, "RUN", "SCANNED (UTC)", "STATUS", "MISSING", "OVERDUE", "WARNINGS", "ERRORS", "CHANGES")
	for _, e := range entries {
		row := []string{cell(e.Run, 40), when(e.Finished), e.Status, strconv.Itoa(e.Counts.Missing), strconv.Itoa(e.Counts.Overdue),
			strconv.Itoa(e.Counts.Warning), strconv.Itoa(e.Counts.Error), changeSummary(e.Changes, e.Status, e.Error)}
		if err := t.Append(row); err != nil {
			return err
		}
	}
	return t.Render()
}

// changeSummary is a timeline's CHANGES cell: the first few changes.
func changeSummary(cs []Change, status, errText string) string {
	var parts []string
	for i, c := range cs {
		if i == 4 {
			parts = append(parts, fmt.Sprintf("+%d more", len(cs)-i))
			break
		}
		switch c.Kind {
		case ChangeMissing:
			parts = append(parts, "+"+c.KB+" missing")
		case ChangeFixed:
			parts = append(parts, c.KB+" fixed")
		case ChangeCheck:
			parts = append(parts, c.Check+" "+c.After)
		case ChangeHostStatus:
			parts = append(parts, c.Before+" -> "+c.After)
		default:
			parts = append(parts, c.KB+" "+c.Before+" -> "+c.After)
		}
	}
	if status != HostScanned && errText != "" {
		parts = append(parts, errText)
	}
	return cell(strings.Join(parts, "; "), 100)
}

type jsonTimeline struct {
	Run      string       `json:"run"`
	Host     string       `json:"host"`
	Address  string       `json:"address,omitempty"`
	Status   string       `json:"status"`
	Error    string       `json:"error,omitempty"`
	Started  string       `json:"started"`
	Finished string       `json:"finished"`
	Missing  int          `json:"missing"`
	Overdue  int          `json:"overdue"`
	Warning  int          `json:"warning"`
	Errors   int          `json:"errors"`
	Changes  []jsonChange `json:"changes"`
}

// WriteTimelineJSON writes one JSON object per scan of the host.
func WriteTimelineJSON(w io.Writer, entries []TimelineEntry) error {
	enc := newEncoder(w)
	for _, e := range entries {
		j := jsonTimeline{Run: e.Run, Host: e.Display(), Address: e.Address, Status: e.Status, Error: e.Error,
			Started: jsonTime(e.Started), Finished: jsonTime(e.Finished), Missing: e.Counts.Missing,
			Overdue: e.Counts.Overdue, Warning: e.Counts.Warning, Errors: e.Counts.Error, Changes: []jsonChange{}}
		for _, c := range e.Changes {
			j.Changes = append(j.Changes, toJSONChange(c, "", ""))
		}
		if err := enc.Encode(j); err != nil {
			return err
		}
	}
	return enc.flush()
}

// jsonChange is one line of `patchscan diff --format json`.
type jsonChange struct {
	Kind     string `json:"kind"`
	Host     string `json:"host"`
	Address  string `json:"address"`
	Bulletin string `json:"bulletin"`
	KB       string `json:"kb"`
	Before   string `json:"before"`
	After    string `json:"after"`
	Product  string `json:"product,omitempty"`
	Severity string `json:"severity,omitempty"`
	Check    string `json:"check,omitempty"`
	Due      string `json:"due,omitempty"`
	Overdue  *bool  `json:"overdue,omitempty"`
	From     string `json:"from,omitempty"`
	To       string `json:"to,omitempty"`
}

func toJSONChange(c Change, from, to string) jsonChange {
	j := jsonChange{Kind: c.Kind, Host: c.Host, Address: c.Address, Bulletin: c.Bulletin, KB: c.KB, Before: c.Before,
		After: c.After, Product: c.Product, Severity: c.Severity, Check: c.Check, From: from, To: to}
	if c.Kind == ChangeMissing {
		od := c.Overdue
		j.Overdue = &od
		if !c.Due.IsZero() {
			j.Due = deadline.FormatDate(c.Due)
		}
	}
	return j
}

// WriteDiffJSON writes one JSON object per change.
func WriteDiffJSON(w io.Writer, from, to Run, changes []Change) error {
	enc := newEncoder(w)
	for _, c := range changes {
		if err := enc.Encode(toJSONChange(c, from.Ref, to.Ref)); err != nil {
			return err
		}
	}
	return enc.flush()
}

// WriteDiffTable writes a heading naming both runs and a table of the
// changes.
func WriteDiffTable(w io.Writer, from, to Run, changes []Change) error {
	if _, err := fmt.Fprintf(w, "Run %s (%s) against run %s (%s): %d change(s).\n",
		cell(to.Ref, 40), when(to.Started), cell(from.Ref, 40), when(from.Started), len(changes)); err != nil {
		return err
	}
	if len(changes) == 0 {
		return nil
	}
	t := newTable(w, "CHANGE", "HOST", "ADDRESS", "BULLETIN", "KB", "BEFORE", "AFTER", "DUE")
	for _, c := range changes {
		kb, bulletin := c.KB, c.Bulletin
		if c.Kind == ChangeCheck {
			bulletin, kb = "check", c.Check
		}
		due := "-"
		if c.Kind == ChangeMissing && !c.Due.IsZero() {
			due = deadline.FormatDate(c.Due)
			if c.Overdue {
				due += " OVERDUE"
			}
		}
		row := []string{c.Kind, cell(c.Host, 40), cell(c.Address, 40), cell(bulletin, 30), cell(kb, 30), cell(c.Before, 20), cell(c.After, 20), due}
		if err := t.Append(row); err != nil {
			return err
		}
	}
	return t.Render()
}
