package history

import (
	"github.com/patchscan/patchscan/detect"
	"github.com/patchscan/patchscan/report"
	"github.com/patchscan/patchscan/report/deadline"
	"github.com/patchscan/patchscan/scan"
)

// Sink records a scan's host results in the store. It is a report.Sink,
// fed by the same stream of host results as the report writers; a store
// failure never fails the scan (see RecordSink).
type Sink struct {
	*RecordSink
	meta report.Meta
}

// NewSink starts recording into rec; meta gives the deadlines for due dates.
func NewSink(rec *Recorder, meta report.Meta) *Sink {
	return &Sink{RecordSink: NewRecordSink(rec), meta: meta}
}

// Write queues one host.
func (s *Sink) Write(h scan.HostResult) error { return s.Add(FromHostResult(s.meta, h)) }

var _ report.Sink = (*Sink)(nil)

// FromHostResult is what the store keeps of a host result: its identity,
// outcome, OS, every result with its due date (report.Due, the rule the
// report files follow) and its open CVEs.
func FromHostResult(meta report.Meta, h scan.HostResult) HostRecord {
	rec := HostRecord{
		Name: h.Name, Address: h.Address, Target: h.Target, Domain: h.Domain, Transport: h.Transport,
		Status: string(h.Status), Error: h.Reason(), Started: h.Started, Finished: h.Finished,
	}
	if h.Config != nil {
		for _, c := range h.Config.Results {
			rec.Checks = append(rec.Checks, CheckRecord{ID: c.ID, Status: string(c.Status), Severity: c.Severity, Reason: c.Reason})
		}
	}
	r := h.Report
	if r == nil {
		return rec
	}
	rec.ComputerName = r.OS.ComputerName
	rec.OS = OSInfo{Product: firstOf(r.OS.Name, r.OS.Product), Version: r.OS.Version, Build: r.OS.Build, UBR: r.OS.UBR}
	products := make(map[int]string, len(r.Products))
	for _, p := range r.Products {
		products[p.ID] = p.Name
	}
	rec.Results = make([]ResultRecord, 0, len(r.Results))
	for _, res := range r.Results {
		kind := string(detect.KindPatch)
		if res.Kind == detect.KindServicePack {
			kind = string(detect.KindServicePack)
		}
		rr := ResultRecord{Kind: kind, Bulletin: res.BulletinID, KB: res.KB, Product: products[res.ProductID],
			Title: res.Title, Severity: res.Severity, Status: string(res.Status), Released: res.Released,
			CVEs: res.CVEs, SupersededBy: res.SupersededBy}
		if due, known, overdue := report.Due(meta, h, res); known {
			rr.Due, rr.Overdue = due, overdue
		}
		rec.Results = append(rec.Results, rr)
	}
	for _, v := range r.Vulnerabilities {
		rec.CVEs = append(rec.CVEs, CVERecord{CVE: v.CVE, Severity: v.Severity, Exploited: v.Exploited, FixedBy: v.FixedBy})
	}
	return rec
}

// FromSummary is what the store keeps of a host read back from a report
// file (report html DIR, history import): the file's counts, and its
// missing results with their due dates. Titles and installed results are
// not in a summary.
func FromSummary(s report.HostSummary) HostRecord {
	rec := HostRecord{
		Name: s.Name, Address: s.Address, Target: s.Target, Domain: s.Domain, Transport: s.Transport,
		Status: string(s.Status), Error: s.Error, Started: s.Started, Finished: s.Finished,
		ComputerName: s.ComputerName,
	}
	// A summary keeps the failed configuration checks only.
	for _, f := range s.ConfigFailed {
		rec.Checks = append(rec.Checks, CheckRecord{ID: f.ID, Status: "fail", Severity: f.Severity})
	}
	c := s.Counts
	rec.Counts = Counts{Set: true, Missing: c.Missing, Overdue: s.Overdue, Warning: c.Warning, Note: c.Note,
		Error: c.Error, Superseded: c.Superseded, Installed: c.Installed, NotApplicable: c.NotApplicable,
		OpenCVEs: s.Vulnerabilities, ConfigFailed: s.Config.Failed}
	for i, m := range s.Missing {
		rr := ResultRecord{Kind: string(m.Kind), Bulletin: m.Bulletin, KB: m.KB, Product: m.Product,
			Severity: m.Severity, Status: "missing"}
		if rr.Kind == "" {
			rr.Kind = string(detect.KindPatch)
		}
		if i < len(s.Due) {
			if d, ok := deadline.ParseDate(s.Due[i].Due); ok {
				rr.Due = d
			}
			rr.Overdue = s.Due[i].Overdue
		}
		rec.Results = append(rec.Results, rr)
	}
	if rec.Finished.IsZero() {
		rec.Finished = s.Generated
	}
	return rec
}

func firstOf(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
