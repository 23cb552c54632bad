package detect

import (
	"fmt"
	"strings"

	"github.com/patchscan/patchscan/catalog"
	"github.com/patchscan/patchscan/facts"
	"github.com/patchscan/patchscan/internal/version"
)

// evalReg evaluates a registry rule against its (already read) fact. It
// returns the check result and, with detail, what was found (for the Check)
// and unless the rule holds the reason in MBSA's wording. Without detail
// (product detection, thousands of times per host) it formats nothing but
// the reason a fact was unreadable.
func (s *scanner) evalReg(pr *preparedRule, detail bool) (CheckResult, string, string) {
	a := s.regAnswer(pr.factID)
	r := pr.rule
	what := "value"
	if r.Kind == catalog.RuleRegKey {
		what = "key"
	}
	if a.Err != nil {
		return CheckUnreadable, "(unreadable)", fmt.Sprintf("The registry %s %s could not be read: %s.", what, pr.display, clean(a.Err.Error()))
	}
	if !a.Found {
		if r.Op == catalog.OpAbsent {
			return CheckPass, "(not found)", ""
		}
		if !detail {
			return CheckFail, "", ""
		}
		return CheckFail, "(not found)", fmt.Sprintf("The registry %s %s does not exist. It is required for this patch to be considered installed.", what, pr.display)
	}
	found := "(exists)"
	if r.Kind == catalog.RuleRegValue && detail {
		found = s.display(pr.factID, a)
	}
	res := CheckPass
	switch {
	case r.Op == catalog.OpExists:
	case r.Op == catalog.OpAbsent:
		res = CheckFail
	case r.Kind == catalog.RuleRegKey:
		// Keys have no value to compare; the loader only allows
		// exists/absent on them, so anything else is treated as exists.
	case pr.catalogError() != "":
		return CheckUnreadable, found, fmt.Sprintf("The registry value %s cannot be checked: %s.", pr.display, pr.catalogError())
	case !s.holdsValue(pr, a):
		res = CheckFail
	}
	if res == CheckPass || !detail {
		return res, found, ""
	}
	if r.Op == catalog.OpAbsent {
		return res, found, fmt.Sprintf("The registry %s %s exists. It must be absent for this patch to be considered installed.", what, pr.display)
	}
	return res, found, fmt.Sprintf("The registry value %s has value [%s]; %s is required for this patch to be considered installed.", pr.display, found, requirement(pr))
}

// valueTexts decodes a registry answer once per scan (many products test
// the same CurrentVersion).
func (s *scanner) valueTexts(fact int32, a *facts.Answer) []string {
	slot := s.regSlot[fact]
	if t, ok := s.decoded[slot]; ok {
		return t
	}
	if s.decoded == nil {
		s.decoded = make(map[int32][]string)
	}
	t := a.Value.Texts()
	s.decoded[slot] = t
	return t
}

// display is RegValue.Display from the decoded cache.
func (s *scanner) display(fact int32, a *facts.Answer) string {
	t := s.valueTexts(fact, a)
	if len(t) == 1 {
		return clean(t[0])
	}
	return clean(strings.Join(t, "\n"))
}

// requirement words what a failed rule needed, for its reason.
func requirement(pr *preparedRule) string {
	v := clean(pr.rule.Value)
	switch pr.rule.Op {
	case catalog.OpEquals:
		return "[" + v + "]"
	case catalog.OpNotEquals:
		return "a value other than [" + v + "]"
	case catalog.OpVersionGE:
		return "version " + v + " or later"
	case catalog.OpVersionLT:
		return "a version earlier than " + v
	case catalog.OpNumberGE:
		return v + " or greater"
	case catalog.OpNumberLE:
		return v + " or less"
	case catalog.OpMatches:
		return "a value matching [" + v + "]"
	}
	return string(pr.rule.Op) + " " + v
}

// holdsValue applies a comparison operator to a value that exists, with
// its decoded strings from the scan's cache.
func (s *scanner) holdsValue(pr *preparedRule, a *facts.Answer) bool {
	return holdsTexts(pr, a.Value, func() []string { return s.valueTexts(pr.factID, a) })
}

// holdsTexts applies a comparison operator to a value that exists. texts
// gives its decoded strings (RegValue.Texts), asked only by the string
// operators. String operators hold when any element of a REG_MULTI_SZ
// satisfies them (not-equals: when none equals).
func holdsTexts(pr *preparedRule, v facts.RegValue, texts func() []string) bool {
	switch pr.rule.Op {
	case catalog.OpNumberGE, catalog.OpNumberLE:
		n, ok := v.Uint()
		if !ok {
			return false
		}
		if pr.rule.Op == catalog.OpNumberGE {
			return n >= pr.number
		}
		return n <= pr.number
	case catalog.OpNotEquals:
		for _, t := range texts() {
			if strings.EqualFold(strings.TrimSpace(t), pr.value) {
				return false
			}
		}
		return true
	}
	for _, t := range texts() {
		if holdsText(pr, t) {
			return true
		}
	}
	return false
}

// holdsText applies equals, version-* and matches to one string.
func holdsText(pr *preparedRule, t string) bool {
	switch pr.rule.Op {
	case catalog.OpEquals:
		return strings.EqualFold(strings.TrimSpace(t), pr.value)
	case catalog.OpNotEquals:
		return !strings.EqualFold(strings.TrimSpace(t), pr.value)
	case catalog.OpVersionGE, catalog.OpVersionLT:
		v, err := version.Parse(t)
		if err != nil {
			return false
		}
		if pr.rule.Op == catalog.OpVersionGE {
			return v.Compare(pr.version) >= 0
		}
		return v.Compare(pr.version) < 0
	case catalog.OpMatches:
		return pr.regexp != nil && pr.regexp.MatchString(t)
	}
	return false
}
