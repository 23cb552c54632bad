package catalog

import (
	"regexp"
	"slices"
	"strings"

	"github.com/patchscan/patchscan/internal/version"
)

// Rules: a product's RegValue, RegKey and File detection rules and a
// patch's RegChecks.

// maxRegexp bounds a pattern's length; Go regexps run in linear time, but a
// huge pattern still costs memory on every host scanned.
const maxRegexp = 4096

// rule decodes a RegValue, RegKey, File or RegCheck element. ok is false
// when the rule has a problem (reported).
func (l *loader) rule(e *element, kind RuleKind) (r Rule, ok bool) {
	l.checkAttrs(e, ruleAttrs(e, kind)...)
	l.leaf(e)
	r = Rule{Kind: kind, Line: int(e.at.line)}
	ok = l.ruleSubject(e, &r)
	value, hasValue, good := l.ruleComparand(e, kind)
	ok = ok && good
	if !l.ruleOp(e, &r, hasValue) {
		return r, false
	}
	switch r.Op {
	case OpExists, OpAbsent:
		if hasValue {
			l.ruleError(e, "Op %s takes no Value/Version; remove it or use a comparing operator", r.Op)
			return r, false
		}
		return r, ok
	}
	if !hasValue {
		l.ruleError(e, "Op %s needs a Value to compare with", r.Op)
		return r, false
	}
	r.Value = value
	return r, l.ruleValue(e, &r) && ok
}

// ruleAttrs are the attributes a rule element may have.
func ruleAttrs(e *element, kind RuleKind) []string {
	switch {
	case e.name.Local == "RegCheck", kind == RuleRegValue:
		return []string{"Key", "Name", "Op", "Value"}
	case kind == RuleRegKey:
		return []string{"Key", "Op"}
	}
	return []string{"Path", "Op", "Version", "Value"}
}

func (l *loader) ruleError(e *element, format string, a ...any) {
	l.errorAt(e.at, "<%s>: "+format, append([]any{e.name.Local}, a...)...)
}

// ruleSubject reads what the rule inspects: a file's Path, or a registry
// Key and, for a value, its Name.
func (l *loader) ruleSubject(e *element, r *Rule) bool {
	if r.Kind == RuleFile {
		s, present := l.required(e, "Path")
		if !present {
			return false
		}
		p, err := normPath(s)
		if err != nil {
			l.ruleError(e, "Path %s: %v", quote(s), err)
			return false
		}
		r.Path = p
		return true
	}
	ok := true
	if s, present := l.required(e, "Key"); present {
		k, err := normKey(s)
		if err != nil {
			l.ruleError(e, "Key %s: %v", quote(s), err)
			ok = false
		}
		r.Key = k
	} else {
		ok = false
	}
	if r.Kind == RuleRegValue {
		// Value names are not trimmed: " x" and "x" are different values.
		name, present := rawAttr(e, "Name")
		if !present {
			l.ruleError(e, "required attribute Name is missing (use Name=\"\" for the key's default value)")
			ok = false
		}
		r.Name = name
	}
	return ok
}

// ruleComparand returns what the rule compares with: a registry rule's
// Value, as written (registry strings are compared spaces included), or a
// file rule's Version (or Value). ok is false when a file rule has both.
func (l *loader) ruleComparand(e *element, kind RuleKind) (value string, present, ok bool) {
	if kind != RuleFile {
		value, present = rawAttr(e, "Value")
		return value, present, true
	}
	value, present = attr(e, "Value")
	ver, hasVersion := attr(e, "Version")
	switch {
	case hasVersion && present:
		l.ruleError(e, "give Version or Value, not both")
		return value, present, false
	case hasVersion:
		return ver, true, true
	}
	return value, present, true
}

// ruleOp reads Op, or its documented default: equals when there is a Value,
// exists when there is nothing to compare with. False when the operator is
// unknown or not one the rule's kind allows (reported).
func (l *loader) ruleOp(e *element, r *Rule, hasValue bool) bool {
	opStr, hasOp := attr(e, "Op")
	switch {
	case hasOp:
		r.Op = Op(strings.ToLower(opStr))
		if !slices.Contains(Ops, r.Op) {
			l.ruleError(e, "Op %s is not an operator; use one of %s", quote(opStr), opList(Ops))
			return false
		}
	case hasValue && r.Kind == RuleFile:
		l.ruleError(e, "Version without Op; say version-ge or version-lt")
		return false
	case hasValue:
		r.Op = OpEquals
	default:
		r.Op = OpExists
	}
	allowed := Ops
	switch r.Kind {
	case RuleRegKey:
		allowed = []Op{OpExists, OpAbsent}
	case RuleFile:
		allowed = []Op{OpExists, OpAbsent, OpVersionGE, OpVersionLT}
	}
	if !slices.Contains(allowed, r.Op) {
		what := e.name.Local
		if what == "RegCheck" && r.Kind == RuleRegKey {
			what = "RegCheck without Name (a key test)"
		}
		l.ruleError(e, "Op %s cannot be used on %s; use one of %s", r.Op, what, opList(allowed))
		return false
	}
	return true
}

// ruleValue checks r.Value for r.Op and keeps its parsed form.
func (l *loader) ruleValue(e *element, r *Rule) bool {
	switch r.Op {
	case OpVersionGE, OpVersionLT:
		v, err := version.Parse(r.Value)
		if err != nil {
			l.ruleError(e, "bad version for %s: %v", r.Op, err)
			return false
		}
		r.Version = v
	case OpNumberGE, OpNumberLE:
		if !isNumber(strings.TrimSpace(r.Value)) {
			l.ruleError(e, "Value %s for %s is not an unsigned 64-bit number (decimal, or hexadecimal with 0x)", quote(r.Value), r.Op)
			return false
		}
	case OpMatches:
		return l.ruleRegexp(e, r)
	}
	return true
}

// ruleRegexp compiles r.Value, once per distinct pattern, within the
// content budget.
func (l *loader) ruleRegexp(e *element, r *Rule) bool {
	if re, ok := l.regexps[r.Value]; ok {
		r.Regexp = re
		return true
	}
	if len(r.Value) > maxRegexp {
		l.ruleError(e, "regular expression is longer than %d characters", maxRegexp)
		return false
	}
	if cost, ok := regexpCost(r.Value); ok {
		l.spendBytes(e.at, cost)
		if l.doc.failed() {
			return false // over budget: not worth compiling
		}
	}
	re, err := regexp.Compile(r.Value)
	if err != nil {
		l.ruleError(e, "bad regular expression: %v", err)
		return false
	}
	l.regexps[r.Value] = re
	r.Regexp = re
	return true
}

func opList(ops []Op) string {
	s := make([]string, len(ops))
	for i, o := range ops {
		s[i] = string(o)
	}
	return strings.Join(s, ", ")
}
