package configcheck

import (
	"strconv"
	"strings"

	"github.com/patchscan/patchscan/baseline"
)

// check evaluates one check: the first outcome whose conditions all hold.
func (hs *hostState) check(c *baseline.Check) Result {
	r := Result{ID: c.ID, Title: c.Title, Severity: c.Severity, Advice: c.Advice}
	r.Details = hs.details(c)
	for i := range c.Outcomes {
		o := &c.Outcomes[i]
		holds, bad := hs.conditions(c, o.When)
		if bad != nil {
			r.Status, r.Reason = undecided(bad)
			return r
		}
		if !holds {
			continue
		}
		r.Status = Status(o.Status)
		r.Reason = o.Reason.Render(func(id string, f baseline.Field) string { return hs.field(c, id, f) })
		return r
	}
	// A loaded baseline ends every check with an unconditional outcome.
	r.Status, r.Reason = StatusError, "The baseline gives no outcome for this host: its last outcome must have no condition."
	return r
}

// undecided is the result of a check whose outcome rests on a fact that
// could not be read (error) or that the source cannot know
// (not-applicable).
func undecided(v *value) (Status, string) {
	if v.state == stateUnavailable {
		return StatusNotApplicable, "Not possible here: " + v.why + "."
	}
	return StatusError, "The check could not be decided: " + v.why + "."
}

// field renders one reference of a reason.
func (hs *hostState) field(c *baseline.Check, id string, f baseline.Field) string {
	s := hs.e.b.Setting(c, id)
	v := hs.setting(c, id)
	if s == nil {
		return "{" + id + "}"
	}
	switch f {
	case baseline.FieldSource:
		if v.state == stateUnreadable || v.state == stateUnavailable {
			return v.why
		}
		return v.source
	case baseline.FieldList:
		if len(v.items) == 0 {
			return "none"
		}
		return strings.Join(v.items, "; ")
	case baseline.FieldCount:
		if v.items == nil && v.state == stateFound {
			return v.text
		}
		return strconv.Itoa(len(v.items))
	}
	return shown(s, v)
}

// details is the evidence of a check: each of its own settings, what it
// was and where it came from, and the items of its measures.
func (hs *hostState) details(c *baseline.Check) []string {
	var out []string
	for _, s := range c.Settings {
		v := hs.setting(c, s.ID)
		switch v.state {
		case stateUnreadable:
			out = append(out, s.Label+": unreadable: "+v.why)
			continue
		case stateUnavailable:
			out = append(out, s.Label+": not available: "+v.why)
			continue
		case stateAbsent:
			out = append(out, s.Label+": absent")
			continue
		}
		line := s.Label + " = " + shown(s, v)
		if w := shown(s, v); w != v.text && !s.Secret {
			line = s.Label + " = " + v.text + " (" + w + ")"
		}
		if v.items == nil { // a counting measure's items are its evidence
			line += " [" + v.source + "]"
		}
		out = append(out, line)
		for _, item := range v.items {
			out = append(out, s.Label+": "+item)
		}
	}
	return out
}
