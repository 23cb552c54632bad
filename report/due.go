package report

import (
	"time"

	"github.com/patchscan/patchscan/detect"
	"github.com/patchscan/patchscan/report/deadline"
	"github.com/patchscan/patchscan/scan"
)

// Due returns a missing result's due date (its release date plus the
// deadline meta.Deadlines gives its severity; deadline.Default() when
// nil) and whether the host was past it when it was scanned (its finished
// time, else the run's). known is false for a result that is not missing,
// or whose release date the catalog does not give: such a result has no
// due date and is never overdue. Every writer and the history store use
// this one rule.
func Due(meta Meta, h scan.HostResult, r detect.Result) (due time.Time, known, overdue bool) {
	if r.Status != detect.StatusMissing {
		return time.Time{}, false, false
	}
	p := meta.Deadlines
	if p == nil {
		p = deadline.Default()
	}
	due, known = p.Due(r.Released, r.Severity)
	if !known {
		return time.Time{}, false, false
	}
	return due, true, deadline.Overdue(due, scanTime(meta, h))
}

// scanTime is when a host was judged: its finished time, else the run's.
func scanTime(meta Meta, h scan.HostResult) time.Time {
	if !h.Finished.IsZero() {
		return h.Finished
	}
	if !meta.Generated.IsZero() {
		return meta.Generated
	}
	return time.Now()
}

// OverdueCount counts a host's overdue missing results.
func OverdueCount(meta Meta, h scan.HostResult) int {
	if h.Report == nil {
		return 0
	}
	n := 0
	for _, r := range h.Report.Results {
		if _, _, overdue := Due(meta, h, r); overdue {
			n++
		}
	}
	return n
}

// dueAttrs are a Result's due and overdue attributes (XML and JSON): both
// on a missing result (overdue false when the due date is unknown),
// neither on the others.
func dueAttrs(meta Meta, h scan.HostResult, r detect.Result) (due string, overdue *bool) {
	if r.Status != detect.StatusMissing {
		return "", nil
	}
	d, known, od := Due(meta, h, r)
	if known {
		due = deadline.FormatDate(d)
	}
	return due, &od
}
