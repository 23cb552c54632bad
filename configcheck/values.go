package configcheck

import (
	"errors"
	"strings"

	"github.com/patchscan/patchscan/baseline"
	"github.com/patchscan/patchscan/facts"
	"github.com/patchscan/patchscan/internal/textsafe"
)

// valueState is what is known of a setting on a host.
type valueState int

const (
	stateFound       valueState = iota + 1 // from a source or a default
	stateAbsent                            // no source, no default applies
	stateUnreadable                        // a source (or a default's condition) could not be read
	stateUnavailable                       // the fact source cannot know it (facts.ErrUnavailable)
)

// value is a setting's value on one host.
type value struct {
	state valueState
	reg   facts.RegValue // what conditions compare (a default is a REG_SZ)
	text  string         // the value as reasons show it, before Words
	// source says where the value came from: a registry path, a default's
	// note, what a measure counted.
	source string
	items  []string // a measure's items
	why    string   // stateUnreadable, stateUnavailable: why
}

// maxShown bounds, in characters, a value or item shown in reasons and
// details: they come from the host.
const maxShown = 512

// hostState is one Evaluate: the answers, and the settings computed so far.
type hostState struct {
	e       *Engine
	answers []facts.Answer
	values  map[*baseline.Setting]*value
}

// setting returns the value of a setting of check c (or of the
// baseline), computing it once.
func (hs *hostState) setting(c *baseline.Check, id string) *value {
	s := hs.e.b.Setting(c, id)
	if s == nil { // the loader makes this impossible for a loaded baseline
		return &value{state: stateUnreadable, why: "the baseline names no setting " + id}
	}
	if v, ok := hs.values[s]; ok {
		return v
	}
	v := hs.compute(c, s)
	if s.Secret && v.state == stateFound {
		// Keep nothing of a secret but that it is there.
		v.reg, v.text = facts.RegValue{}, "present"
	}
	hs.values[s] = v
	return v
}

func (hs *hostState) compute(c *baseline.Check, s *baseline.Setting) *value {
	for i := range s.Sources {
		src := &s.Sources[i]
		var v *value
		if src.Kind == baseline.SourceMeasure {
			v = hs.measure(src)
		} else {
			v = hs.regValue(src)
		}
		if v.state != stateAbsent {
			return v
		}
	}
	return hs.fallback(c, s)
}

// regValue reads a registry source; stateAbsent when the host has no such
// value.
func (hs *hostState) regValue(src *baseline.Source) *value {
	a := &hs.answers[hs.e.srcIdx[src]]
	where := src.Key + `\` + valueName(src.Name)
	switch {
	case a.Err != nil:
		return errValue(a.Err, where)
	case !a.Found:
		return &value{state: stateAbsent}
	}
	return &value{state: stateFound, reg: a.Value, text: textsafe.Line(a.Value.Text(), maxShown), source: where}
}

func valueName(n string) string {
	if n == "" {
		return "(Default)"
	}
	return n
}

// errValue is the value of a source whose fact has an error.
func errValue(err error, what string) *value {
	msg := textsafe.Line(err.Error(), maxShown)
	if errors.Is(err, facts.ErrUnavailable) {
		return &value{state: stateUnavailable, why: msg}
	}
	return &value{state: stateUnreadable, why: what + " could not be read: " + msg}
}

// fallback is the setting's value when no source has it: the first
// default whose conditions hold.
func (hs *hostState) fallback(c *baseline.Check, s *baseline.Setting) *value {
	for _, d := range s.Defaults {
		holds, bad := hs.conditions(c, d.When)
		if bad != nil {
			// The default depends on what could not be read: so does the
			// setting.
			return &value{state: bad.state, why: "absent, and its default depends on " + bad.why}
		}
		if holds {
			src := d.Note
			if src == "" {
				src = "Windows' default"
			}
			return &value{state: stateFound, reg: facts.SZ(d.Value), text: d.Value, source: src}
		}
	}
	return &value{state: stateAbsent, text: "absent", source: "absent"}
}

// conditions evaluates conditions that must all hold. A condition that
// does not hold decides (false); otherwise the first one that could not be
// decided is returned.
func (hs *hostState) conditions(c *baseline.Check, when []baseline.Condition) (bool, *value) {
	var bad *value
	for i := range when {
		cond := &when[i]
		v := hs.setting(c, cond.Setting)
		switch v.state {
		case stateUnreadable, stateUnavailable:
			if bad == nil {
				bad = v
			}
			continue
		}
		if cond.Compare == nil || !cond.Compare.Holds(v.reg, v.state == stateFound) {
			return false, nil
		}
	}
	if bad != nil {
		return false, bad
	}
	return true, nil
}

// shown is a setting's value for reasons: its word when the setting has
// Words for it.
func shown(s *baseline.Setting, v *value) string {
	switch v.state {
	case stateUnreadable, stateUnavailable:
		return "unknown"
	case stateAbsent:
		return "absent"
	}
	if w, ok := s.Words[strings.ToLower(strings.TrimSpace(v.text))]; ok {
		return w
	}
	return v.text
}
