package detect

import "strings"

// Alternatives (format v2, Patch Alternatives): KBs of the same bulletin
// that fix the same CVEs for the same products, as MSRC publishes a
// "Security Hotpatch Update" next to each "Security Update". A hotpatched
// Server 2025 runs a lower UBR than the standard update's FixedBuild and is
// nonetheless fixed: the standard update is not missing there, it is
// installed through its alternative.

// linkAlternatives resolves every patch's Alternatives into patch indexes.
// Only patches of the same bulletin count (the catalog validator says so
// too): a KB of another bulletin fixes other CVEs. Unknown KBs are no link.
func (b *builder) linkAlternatives() {
	e := b.e
	for i := range e.patches {
		pp := &e.patches[i]
		for _, kb := range pp.patch.Alternatives {
			for _, c := range b.byKB[normKB(kb)] {
				if c != int32(i) && e.patches[c].bulletin == pp.bulletin {
					pp.alternatives = appendUnique(pp.alternatives, c)
				}
			}
		}
	}
}

// viaAlternatives makes an applicable patch that its own checks did not
// show installed (missing, warning, note or error) installed when one of
// its alternatives is installed on the host, naming that alternative. It
// runs before supersedence and MBSA's disagreement note, so both see the
// patch as installed. Only an alternative installed by its own checks
// counts: alternatives do not chain.
func (s *scanner) viaAlternatives(states []patchState) {
	for k, pi := range s.e.eval {
		st := &states[k]
		pp := &s.e.patches[pi]
		if len(pp.alternatives) == 0 || st.prod < 0 || st.status == StatusInstalled || st.status == StatusNotApplicable {
			continue
		}
		for _, a := range pp.alternatives {
			pos := s.e.evalPos[a]
			if pos < 0 || states[pos].status != StatusInstalled || states[pos].via != "" {
				continue
			}
			alt := s.e.patches[a].patch
			what := strings.TrimSpace(alt.SQNumber)
			if t := strings.TrimSpace(alt.SubType); t != "" {
				what += " (" + t + ")"
			}
			st.status = StatusInstalled
			st.via = strings.TrimSpace(alt.SQNumber)
			st.reasons = []string{"Installed through its alternative " + what + ", which fixes the same vulnerabilities and is installed."}
			break
		}
	}
}
