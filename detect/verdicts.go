package detect

import "fmt"

// patchState is the verdict being built for one evaluated patch.
type patchState struct {
	status       Status
	prod         int32 // the applicable product, -1 when none
	reasons      []string
	checks       []Check
	supersededBy string
	via          string // installed through this alternative KB
	checked      bool   // applicable with checks: evaluated after batch (c)
}

// verdicts turns the answers of batch (c) into every evaluated patch's
// verdict: its own checks first, then alternatives, then supersedence,
// then MBSA's note for patches of one bulletin that disagree.
func (s *scanner) verdicts(states []patchState) {
	for k, pi := range s.e.eval {
		if states[k].checked {
			s.evaluate(&s.e.patches[pi], &states[k])
		}
	}
	s.viaAlternatives(states)
	s.supersede(states)
	s.disagree(states)
}

// evaluate runs an applicable patch's checks: any failing check makes it
// missing; otherwise an unreadable one makes it an error (never missing);
// otherwise a FixedBuild for another OS build makes it a note (it cannot
// judge this host); otherwise a newer file makes it a warning; otherwise
// it is installed.
func (s *scanner) evaluate(pp *preparedPatch, state *patchState) {
	state.checks = make([]Check, 0, len(pp.regChecks)+len(pp.fileChecks)+1)
	var fail, unreadable, newer, otherBuild bool
	note := func(res CheckResult, why string) {
		switch res {
		case CheckFail:
			fail = true
		case CheckUnreadable:
			unreadable = true
		case CheckNewer:
			newer = true
		}
		if why != "" {
			state.reasons = append(state.reasons, why)
		}
	}
	if pp.fixedBuild.Len() > 0 || pp.fixedBuildErr != "" {
		v := s.evalFixedBuild(pp)
		if v.otherBuild {
			otherBuild = true
			state.reasons = append(state.reasons, v.reason)
		} else {
			state.checks = append(state.checks, v.check)
			note(v.check.Result, v.reason)
		}
	}
	for j := range pp.regChecks {
		rule := &pp.regChecks[j]
		res, found, why := s.evalReg(rule, true)
		state.checks = append(state.checks, Check{Kind: CheckRegistry, Path: rule.display, Expected: rule.expected, Found: found, Result: res})
		note(res, why)
	}
	for j := range pp.fileChecks {
		c, why := s.evalFileCheck(&pp.fileChecks[j])
		state.checks = append(state.checks, c)
		note(c.Result, why)
	}
	switch {
	case fail:
		state.status = StatusMissing
	case unreadable:
		state.status = StatusError
	case otherBuild:
		state.status = StatusNote
	case newer:
		state.status = StatusWarning
	default:
		state.status = StatusInstalled
	}
}

// supersede turns a missing patch into superseded when a patch that
// supersedes it, directly or through a chain, is installed. A warning (a
// file newer than the patch expects) is resolved the same way: the
// installed superseding patch explains the newer file, and reporting it as
// "cannot be confirmed" is exactly the noise MBSA users complained about.
// Marks make cycles in a (hand-built) catalog harmless.
func (s *scanner) supersede(states []patchState) {
	var mark []int32 // mark[pos] == k+1: visited while resolving states[k]
	var queue []int32
	for k, pi := range s.e.eval {
		if (states[k].status != StatusMissing && states[k].status != StatusWarning) || len(s.e.patches[pi].supersededBy) == 0 {
			continue
		}
		if mark == nil {
			mark = make([]int32, len(states))
		}
		stamp := int32(k + 1)
		mark[k] = stamp
		queue = append(queue[:0], s.e.patches[pi].supersededBy...)
		for len(queue) > 0 {
			q := queue[0]
			queue = queue[1:]
			pos := s.e.evalPos[q]
			if pos < 0 || mark[pos] == stamp {
				continue
			}
			mark[pos] = stamp
			if states[pos].status == StatusInstalled {
				label := s.e.patches[q].label
				states[k].status = StatusSuperseded
				states[k].supersededBy = label
				states[k].reasons = append(states[k].reasons, "Superseded by "+label+", which is installed.")
				break
			}
			queue = append(queue, s.e.patches[q].supersededBy...)
		}
	}
}

// disagree implements MBSA's second kind of note: when several patches of
// one bulletin apply to the same product and one is installed (or
// superseded) while another is missing, the missing ones can't be
// confirmed either way. Patches of one bulletin are adjacent in eval.
func (s *scanner) disagree(states []patchState) {
	ev := s.e.eval
	for i := 0; i < len(ev); {
		j := i + 1
		for j < len(ev) && s.e.patches[ev[j]].bulletin == s.e.patches[ev[i]].bulletin {
			j++
		}
		if j-i > 1 {
			for k := i; k < j; k++ {
				if states[k].status == StatusMissing {
					s.noteDisagreement(states, i, j, k)
				}
			}
		}
		i = j
	}
}

// noteDisagreement makes states[k] a note when another patch of its
// bulletin (positions lo..hi-1 of eval) on the same product is installed or
// superseded.
//
// A patch with a FixedBuild is exempt: a cumulative build below its UBR
// lacks the fix, whatever else of the bulletin is installed. An MSRC
// monthly document often lists a product's earlier monthly updates next to
// the current one (for CVEs it revises); a host one month behind has those
// installed and the current one missing, which is missing, not a note.
func (s *scanner) noteDisagreement(states []patchState, lo, hi, k int) {
	ev := s.e.eval
	if s.e.patches[ev[k]].fixedBuild.Len() > 0 {
		return
	}
	for m := lo; m < hi; m++ {
		if m == k || states[m].prod != states[k].prod || states[m].prod < 0 {
			continue
		}
		if st := states[m].status; st == StatusInstalled || st == StatusSuperseded {
			other := s.e.patches[ev[m]].patch.SQNumber
			states[k].status = StatusNote
			states[k].reasons = append(states[k].reasons, fmt.Sprintf(
				"The patch cannot be confirmed: several patches of %s apply to %s and disagree (%s is %s).",
				s.e.patches[ev[k]].bulletin.ID, s.e.products[states[k].prod].ref.Name, other, st))
			return
		}
	}
}
