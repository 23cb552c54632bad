package detect

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/patchscan/patchscan/catalog"
	"github.com/patchscan/patchscan/facts"
	"github.com/patchscan/patchscan/internal/version"
)

// rule prepares a catalog rule: its fact or path template, how it is shown
// in a Check, and its operand parsed for the operator.
func (b *builder) rule(r *catalog.Rule) preparedRule {
	pr := preparedRule{rule: r, factID: -1, templateID: -1, expected: string(r.Op), value: strings.TrimSpace(r.Value)}
	if r.Op != catalog.OpExists && r.Op != catalog.OpAbsent {
		pr.expected += " " + r.Value
	}
	switch r.Kind {
	case catalog.RuleRegValue:
		pr.factID = b.reg(facts.FactRegValue, r.Key, r.Name)
		name := r.Name
		if name == "" {
			name = "(Default)"
		}
		pr.display = strings.TrimRight(r.Key, `\`) + `\` + name
	case catalog.RuleRegKey:
		pr.factID = b.reg(facts.FactRegKey, r.Key, "")
		pr.display = r.Key
	case catalog.RuleFile:
		pr.templateID = b.template(r.Path)
		pr.display = r.Path
	}
	pr.parseOperand()
	return pr
}

// parseOperand parses Value for the version, number and regexp operators.
// A bad operand is kept as a reason: the rule then evaluates as unreadable.
func (pr *preparedRule) parseOperand() {
	r := pr.rule
	switch r.Op {
	case catalog.OpVersionGE, catalog.OpVersionLT:
		// The loader has parsed Value into Version; a hand-built rule may
		// only carry Value (or only Version).
		switch v, err := version.Parse(r.Value); {
		case err == nil:
			pr.version = v
		case strings.TrimSpace(r.Value) == "" && r.Version != (version.Version{}):
			pr.version = r.Version
		default:
			pr.versionErr = fmt.Sprintf("the catalog's version %q is invalid: %v", clean(r.Value), err)
		}
	case catalog.OpNumberGE, catalog.OpNumberLE:
		n, err := parseNumber(r.Value)
		if err != nil {
			pr.numberErr = fmt.Sprintf("the catalog's number %q is invalid", clean(r.Value))
		}
		pr.number = n
	case catalog.OpMatches:
		if r.Regexp != nil {
			pr.regexp = r.Regexp
		} else if re, err := regexp.Compile(r.Value); err == nil {
			pr.regexp = re
		} else {
			pr.regexpErr = fmt.Sprintf("the catalog's regular expression %q is invalid", clean(r.Value))
		}
	}
}

// parseNumber reads a decimal or 0x-prefixed hexadecimal number.
func parseNumber(s string) (uint64, error) {
	s = strings.TrimSpace(s)
	if len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X") {
		return strconv.ParseUint(s[2:], 16, 64)
	}
	return strconv.ParseUint(s, 10, 64)
}

// catalogError is why the rule's operand is unusable, "" when it is fine.
func (pr *preparedRule) catalogError() string {
	switch pr.rule.Op {
	case catalog.OpVersionGE, catalog.OpVersionLT:
		return pr.versionErr
	case catalog.OpNumberGE, catalog.OpNumberLE:
		return pr.numberErr
	case catalog.OpMatches:
		return pr.regexpErr
	}
	return ""
}
