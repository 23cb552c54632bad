package detect

import "fmt"

// results renders the reported verdicts: missing service packs first (in
// catalog product order), then patches in catalog order.
func (s *scanner) results(states []patchState) []Result {
	e := s.e
	n := 0
	for k, pi := range e.eval {
		if s.shown(&e.patches[pi], &states[k]) {
			n++
		}
	}
	out := make([]Result, 0, n+1)
	out = s.servicePackResults(out)
	for k, pi := range e.eval {
		pp := &e.patches[pi]
		state := &states[k]
		if !s.shown(pp, state) {
			continue
		}
		r := Result{
			Kind:         KindPatch,
			BulletinID:   pp.bulletin.ID,
			KB:           pp.patch.SQNumber,
			PatchName:    pp.patch.Name,
			Title:        pp.bulletin.Title,
			Severity:     pp.severity,
			Status:       state.status,
			Reasons:      state.reasons,
			Checks:       state.checks,
			SupersededBy: state.supersededBy,
			Via:          state.via,
			CVEs:         pp.patch.CVEs,
			SubType:      pp.patch.SubType,
			Released:     released(pp),
		}
		if state.prod >= 0 {
			r.ProductID = e.products[state.prod].ref.ID
		}
		out = append(out, r)
	}
	return out
}

// shown says whether a patch's verdict goes into the report.
func (s *scanner) shown(pp *preparedPatch, state *patchState) bool {
	return pp.reported && !(s.e.opts.SkipNotApplicable && state.status == StatusNotApplicable)
}

// servicePackResults appends a "missing" result for every present product
// below its current service pack (only when the host's level is known).
func (s *scanner) servicePackResults(out []Result) []Result {
	if !s.spKnown {
		return out
	}
	for i := range s.e.products {
		p := &s.e.products[i]
		if s.products[i].presence != productPresent || !p.hasCurrentSP || s.hostSP >= p.currentSP {
			continue
		}
		out = append(out, Result{
			Kind:      KindServicePack,
			KB:        p.currentSPName,
			Title:     p.ref.Name + " " + p.currentSPName,
			ProductID: p.ref.ID,
			Status:    StatusMissing,
			Released:  p.currentSPReleased,
			Reasons: []string{fmt.Sprintf("%s is at service pack level %d; %s (level %d) is the current service pack.",
				p.ref.Name, s.hostSP, p.currentSPName, p.currentSP)},
		})
	}
	return out
}

// released is a patch's release date as the catalog gives it: its own
// ReleaseDate (format 2), else its bulletin's DatePosted.
func released(pp *preparedPatch) string {
	if pp.patch.ReleaseDate != "" {
		return pp.patch.ReleaseDate
	}
	return pp.bulletin.DatePosted
}
