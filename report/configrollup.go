package report

import (
	"cmp"
	"slices"
	"sort"
	"strconv"

	"github.com/patchscan/patchscan/configcheck"
	"github.com/patchscan/patchscan/internal/textsafe"
)

// The rollup of configuration checks (issue 16): per host how many failed,
// warned or could not be decided, and per check the hosts where it failed,
// most severe first. Host compliance stays about patches (MBSA's rollup
// counted missing patches); the exit code covers failed checks.

// ConfigCounts counts a host's configuration results.
type ConfigCounts struct {
	Failed, Warning, Error int
}

// ConfigRef names a failed check in a summary.
type ConfigRef struct {
	ID, Severity, Title string
}

// summarizeConfig fills a summary's configuration counts.
func summarizeConfig(s *HostSummary, rep *configcheck.Report) {
	if rep == nil {
		return
	}
	s.ConfigKnown = true
	for _, r := range rep.Results {
		s.addConfig(r.Status, ConfigRef{ID: clean(r.ID), Severity: clean(r.Severity), Title: clean(r.Title)})
	}
}

func (s *HostSummary) addConfig(st configcheck.Status, ref ConfigRef) {
	switch st {
	case configcheck.StatusFail:
		s.Config.Failed++
		s.ConfigFailed = append(s.ConfigFailed, ref)
	case configcheck.StatusWarning:
		s.Config.Warning++
	case configcheck.StatusError:
		s.Config.Error++
	}
}

// configCheck counts one ConfigCheck element read back from a report.
func (rd *reader) configCheck(h *HostSummary, a map[string]string) error {
	st := configcheck.Status(a["status"])
	if !st.Valid() || a["id"] == "" {
		return rd.errorf("ConfigCheck %q has status %q; expected an id and one of pass, fail, warning, info, not-applicable, error",
			textsafe.Line(a["id"], 64), textsafe.Line(string(st), 64))
	}
	h.ConfigKnown = true
	h.addConfig(st, ConfigRef{ID: clean(a["id"]), Severity: clean(a["severity"]), Title: clean(a["title"])})
	return nil
}

type rollupConfig struct {
	ref   ConfigRef
	hosts []int32
}

// addConfig records a host's failed checks.
func (r *Rollup) addConfig(idx int32, s HostSummary) {
	for _, f := range s.ConfigFailed {
		c := r.configs[f.ID]
		if c == nil {
			c = &rollupConfig{ref: f}
			r.configs[f.ID] = c
		}
		if n := len(c.hosts); n == 0 || c.hosts[n-1] != idx {
			c.hosts = append(c.hosts, idx)
		}
	}
}

// configAttrs are a rollup Host's configuration counts, when known.
func configAttrs(h rollupHost) []attr {
	if !h.configKnown {
		return nil
	}
	return []attr{
		req("configFailed", strconv.Itoa(h.config.Failed)), req("configWarning", strconv.Itoa(h.config.Warning)),
		req("configError", strconv.Itoa(h.config.Error)),
	}
}

// writeConfigChecks writes the ConfigChecks element: every check that
// failed somewhere, most severe first, with the hosts where it failed;
// nothing when no host ran configuration checks.
func (r *Rollup) writeConfigChecks(x *xmlWriter) {
	if !slices.ContainsFunc(r.hosts, func(h rollupHost) bool { return h.configKnown }) {
		return // no host ran configuration checks: the rollup is as before
	}
	ids := make([]string, 0, len(r.configs))
	for id := range r.configs {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b string) int {
		return cmp.Or(cmp.Compare(severityRank(r.configs[a].ref.Severity), severityRank(r.configs[b].ref.Severity)), cmp.Compare(a, b))
	})
	x.open(1, "ConfigChecks", len(ids) == 0)
	for _, id := range ids {
		c := r.configs[id]
		x.open(2, "ConfigCheck", false, req("id", id), opt("severity", c.ref.Severity), opt("title", c.ref.Title),
			req("failed", strconv.Itoa(len(c.hosts))))
		refs := append([]int32(nil), c.hosts...)
		sort.SliceStable(refs, func(i, j int) bool { return r.hostLess(int(refs[i]), int(refs[j])) })
		for _, i := range refs {
			h := r.hosts[i]
			x.open(3, "Host", true, req("name", h.name), opt("address", h.address))
		}
		x.close(2, "ConfigCheck")
	}
	if len(ids) > 0 {
		x.close(1, "ConfigChecks")
	}
}
