package report

import (
	"cmp"
	"io"
	"slices"

	"github.com/patchscan/patchscan/configcheck"
	"github.com/patchscan/patchscan/internal/textsafe"
	"github.com/patchscan/patchscan/scan"
)

// configRow is one configuration check the table shows: a failure, a
// warning, an error or information (passes and not-applicable stay in the
// XML and JSON).
type configRow struct {
	key, host, id, severity, status, reason string
	rank, sev                               int
}

// reasonWidth bounds a reason in the table, in characters.
const reasonWidth = 2 * titleWidth

// ConfigOnly makes a table or text sink one for a run that checked
// configuration alone (--checks config): the patch columns and lines,
// which would count nothing and look clean, are left out, and the table's
// host rows count configuration results instead. Other sinks are returned
// as they are.
func ConfigOnly(s Sink) Sink {
	switch t := s.(type) {
	case *tableSink:
		t.configOnly = true
	case *textSink:
		t.configOnly = true
	}
	return s
}

// addConfig keeps a host's shown configuration checks and counts.
func (s *tableSink) addConfig(h scan.HostResult, th *tableHost) {
	if h.Config == nil {
		return
	}
	key, host := th.key, th.host
	th.config = [3]int{h.Config.Count(configcheck.StatusFail), h.Config.Count(configcheck.StatusWarning), h.Config.Count(configcheck.StatusError)}
	for _, r := range h.Config.Results {
		if !shownConfig(r.Status, nil) {
			continue
		}
		s.configRows = append(s.configRows, configRow{
			key: key, host: host, id: term(r.ID), severity: term(r.Severity), status: string(r.Status),
			reason: textsafe.Line(r.Reason, reasonWidth), rank: configRank(r.Status), sev: severityRank(r.Severity),
		})
	}
}

func configRank(s configcheck.Status) int {
	return slices.Index(configcheck.Statuses, s)
}

// renderConfigHosts is the summary table of a configuration-only run.
func (s *tableSink) renderConfigHosts(w io.Writer) ([]tableHost, error) {
	t := newTable(w)
	t.Header([]string{"HOST", "ADDRESS", "OS", "FAILED", "WARNINGS", "ERRORS", "STATUS"})
	var failed []tableHost
	for _, h := range s.hosts {
		row := []string{h.host, h.address, textsafe.Line(h.os, titleWidth)}
		for _, n := range h.config {
			row = append(row, count(h, n))
		}
		if err := t.Append(append(row, h.status)); err != nil {
			return nil, err
		}
		if h.err != "" {
			failed = append(failed, h)
		}
	}
	return failed, t.Render()
}

// renderConfig draws the table of configuration checks, if any.
func (s *tableSink) renderConfig(w io.Writer) error {
	if len(s.configRows) == 0 {
		return nil
	}
	slices.SortStableFunc(s.configRows, func(a, b configRow) int {
		return cmp.Or(cmp.Compare(a.key, b.key), cmp.Compare(a.rank, b.rank), cmp.Compare(a.sev, b.sev), cmp.Compare(a.id, b.id))
	})
	if _, err := io.WriteString(w, "\n"); err != nil {
		return err
	}
	t := newTable(w)
	t.Header([]string{"HOST", "CHECK", "SEVERITY", "STATUS", "REASON"})
	for _, r := range s.configRows {
		if err := t.Append([]string{r.host, r.id, r.severity, r.status, r.reason}); err != nil {
			return err
		}
	}
	return t.Render()
}
