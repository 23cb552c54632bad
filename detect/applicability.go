package detect

import (
	"fmt"
	"strconv"
	"strings"
)

var (
	reasonNoProduct  = []string{"No product affected by this patch was detected on this host."}
	reasonNoCriteria = "The patch cannot be confirmed: the catalog gives no registry, file or build checks for it."
)

// applicable decides whether a patch applies to the host and, if so, queues
// the facts its checks need.
func (s *scanner) applicable(pp *preparedPatch, state *patchState) {
	prod, naWhy, errWhy := s.applicableProduct(pp)
	state.prod = prod
	switch {
	case prod >= 0:
	case errWhy != "":
		state.status, state.reasons = StatusError, []string{errWhy}
		return
	case naWhy != "":
		state.status, state.reasons = StatusNotApplicable, []string{naWhy}
		return
	default:
		state.status, state.reasons = StatusNotApplicable, reasonNoProduct
		return
	}
	if pp.note != "" {
		// The catalog says its source cannot decide this patch: its
		// checks, if any, are not evaluated.
		state.status, state.reasons = StatusNote, []string{pp.note}
		return
	}
	if !pp.hasCriteria() {
		state.status, state.reasons = StatusNote, []string{reasonNoCriteria}
		return
	}
	state.checked = true
	for j := range pp.regChecks {
		s.wantReg(pp.regChecks[j].factID)
	}
	for j := range pp.fileChecks {
		fc := &pp.fileChecks[j]
		s.wantTemplate(fc.templateID, s.checksum(fc))
	}
}

// applicableProduct returns the first present product through which the
// patch applies, or -1 with the first reason it doesn't (naWhy) or can't be
// told (errWhy).
func (s *scanner) applicableProduct(pp *preparedPatch) (prod int32, naWhy, errWhy string) {
	for _, a := range pp.affected {
		ps := &s.products[a.product]
		name := s.e.products[a.product].ref.Name
		switch ps.presence {
		case productAbsent:
			continue
		case productUnknown:
			if errWhy == "" {
				errWhy = fmt.Sprintf("Cannot tell whether %s is installed: %s", name, ps.why)
			}
			continue
		}
		if (a.fixedInSP > 0 || a.spLevels != nil) && !s.spKnown {
			if errWhy == "" {
				errWhy = "Cannot tell whether the patch applies to " + name + ": " + s.spErr
			}
			continue
		}
		if a.fixedInSP > 0 && s.hostSP >= a.fixedInSP {
			if naWhy == "" {
				naWhy = fmt.Sprintf("%s is at service pack level %d, which includes this fix (fixed in service pack level %d).", name, s.hostSP, a.fixedInSP)
			}
			continue
		}
		if a.spLevels != nil && !containsInt(a.spLevels, s.hostSP) {
			if naWhy == "" {
				naWhy = fmt.Sprintf("The patch applies to %s only at service pack level(s) %s; this host is at level %d.", name, levels(a.spLevels), s.hostSP)
			}
			continue
		}
		return a.product, "", ""
	}
	return -1, naWhy, errWhy
}

func containsInt(s []int, x int) bool {
	for _, y := range s {
		if y == x {
			return true
		}
	}
	return false
}

func levels(s []int) string {
	parts := make([]string, 0, len(s))
	for _, l := range s {
		if l >= 0 {
			parts = append(parts, strconv.Itoa(l))
		}
	}
	if len(parts) == 0 {
		return "(none known to the catalog)"
	}
	return strings.Join(parts, ", ")
}
