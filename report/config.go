package report

import (
	"fmt"
	"strings"

	"github.com/patchscan/patchscan/configcheck"
	"github.com/patchscan/patchscan/detect"
	"github.com/patchscan/patchscan/scan"
	"github.com/patchscan/patchscan/scan/transport"
)

// The configuration checks of a host (issue 16) in every format: one
// <ConfigCheck id status severity title> with its <Reason>, <Detail>s and
// <Advice> per check in XML, "config" objects in JSON Lines, and the
// failed, warning and error checks in the table and text formats.

// configChecks writes a host's ConfigCheck elements at depth 2.
func (x *xmlWriter) configChecks(rep *configcheck.Report) {
	if rep == nil {
		return
	}
	for _, r := range rep.Results {
		x.open(2, "ConfigCheck", false,
			req("id", r.ID), req("status", string(r.Status)), opt("severity", r.Severity), opt("title", r.Title))
		x.text(3, "Reason", r.Reason)
		for _, d := range r.Details {
			x.text(3, "Detail", d)
		}
		if r.Advice != "" && (r.Status == configcheck.StatusFail || r.Status == configcheck.StatusWarning) {
			x.text(3, "Advice", r.Advice)
		}
		x.close(2, "ConfigCheck")
	}
}

type jsonConfigCheck struct {
	ID       string   `json:"id"`
	Title    string   `json:"title,omitempty"`
	Severity string   `json:"severity,omitempty"`
	Status   string   `json:"status"`
	Reason   string   `json:"reason"`
	Details  []string `json:"details"`
	Advice   string   `json:"advice,omitempty"`
}

// configJSON is a host's checks for JSON Lines: nil (the field left out)
// when the run evaluated none.
func configJSON(rep *configcheck.Report) []jsonConfigCheck {
	if rep == nil {
		return nil
	}
	out := make([]jsonConfigCheck, 0, len(rep.Results))
	for _, r := range rep.Results {
		j := jsonConfigCheck{ID: clean(r.ID), Title: clean(r.Title), Severity: clean(r.Severity), Status: string(r.Status),
			Reason: clean(r.Reason), Details: make([]string, 0, len(r.Details))}
		for _, d := range r.Details {
			j.Details = append(j.Details, clean(d))
		}
		if r.Status == configcheck.StatusFail || r.Status == configcheck.StatusWarning {
			j.Advice = clean(r.Advice)
		}
		out = append(out, j)
	}
	return out
}

// configLabel is how text shows a status, MBSA-style.
func configLabel(s configcheck.Status) string {
	switch s {
	case configcheck.StatusFail:
		return "Check failed"
	case configcheck.StatusWarning:
		return "Warning"
	case configcheck.StatusError:
		return "Check error"
	case configcheck.StatusInfo:
		return "Information"
	case configcheck.StatusPass:
		return "Check passed"
	}
	return "Not applicable"
}

// shownConfig: text and table show failures, warnings, errors and
// information; the text shows passed and not-applicable checks too when
// --show selects their patch counterparts, installed and not-applicable
// (--show all).
func shownConfig(s configcheck.Status, show Show) bool {
	switch s {
	case configcheck.StatusPass:
		return show[detect.StatusInstalled]
	case configcheck.StatusNotApplicable:
		return show[detect.StatusNotApplicable]
	}
	return true
}

// writeConfigHost is a host's text block in a configuration-only run.
func writeConfigHost(b *strings.Builder, h scan.HostResult, show Show) {
	fmt.Fprintf(b, "%s\n%s\n%s\n", rule, hostLabel(h.Name, h.Address, h.Domain, h.Target), rule)
	writeHostWarnings(b, h)
	if h.Status != transport.Scanned {
		fmt.Fprintf(b, "%-21s%s: %s\n\n", "Host NOT Scanned", term(string(h.Status)), term(errorText(h)))
		return
	}
	if h.Report != nil {
		if o := osLine(h.Report); o != "" {
			fmt.Fprintf(b, "* %s\n\n", o)
		}
	}
	writeTextConfig(b, h.Config, show)
}

// writeTextConfig writes a host's configuration checks for the text
// format: each with its reason, details and advice.
func writeTextConfig(b *strings.Builder, rep *configcheck.Report, show Show) {
	if rep == nil {
		return
	}
	fmt.Fprintf(b, "Configuration (%s): %d failed, %d warnings, %d errors, %d passed\n",
		term(rep.Baseline), rep.Count(configcheck.StatusFail), rep.Count(configcheck.StatusWarning),
		rep.Count(configcheck.StatusError), rep.Count(configcheck.StatusPass))
	for _, r := range rep.Results {
		if !shownConfig(r.Status, show) {
			continue
		}
		sev := term(r.Severity)
		fmt.Fprintf(b, "%-21s%-24s%s\n", configLabel(r.Status), term(r.ID), sev)
		fmt.Fprintf(b, "\t%s\n", term(r.Reason))
		for _, d := range r.Details {
			fmt.Fprintf(b, "\t  %s\n", term(d))
		}
		if r.Status == configcheck.StatusFail || r.Status == configcheck.StatusWarning {
			fmt.Fprintf(b, "\tAdvice: %s\n", term(r.Advice))
		}
	}
	b.WriteString("\n")
}
