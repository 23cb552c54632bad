package detect

import (
	"errors"
	"strings"

	"github.com/patchscan/patchscan/catalog"
	"github.com/patchscan/patchscan/facts"
)

// The catalog's operators applied outside a patch scan: the configuration
// checks (package configcheck) compare registry values with the same
// operators, with the same semantics, as the engine's detection rules and
// RegChecks, so one rule means one thing in both.

// Comparison is a registry rule's operator with its operand parsed once.
type Comparison struct{ pr preparedRule }

// NewComparison prepares r's comparison (r.Op and r.Value; Key and Name
// are not used). An operand the operator cannot use (a bad version, number
// or regular expression in a rule built by hand) is an error.
func NewComparison(r *catalog.Rule) (*Comparison, error) {
	c := &Comparison{pr: preparedRule{rule: r, value: strings.TrimSpace(r.Value)}}
	c.pr.parseOperand()
	if msg := c.pr.catalogError(); msg != "" {
		return nil, errors.New(msg)
	}
	return c, nil
}

// Holds applies the comparison to a value: found says whether the value
// exists. As in the engine, exists and absent test existence, and every
// other operator fails on a value that does not exist.
func (c *Comparison) Holds(v facts.RegValue, found bool) bool {
	switch c.pr.rule.Op {
	case catalog.OpExists:
		return found
	case catalog.OpAbsent:
		return !found
	}
	if !found {
		return false
	}
	return holdsTexts(&c.pr, v, v.Texts)
}

// Requirement words what the comparison asks for, as the engine's reasons
// do: "[1]", "5 or greater", "a value other than [0]".
func (c *Comparison) Requirement() string {
	switch c.pr.rule.Op {
	case catalog.OpExists:
		return "present"
	case catalog.OpAbsent:
		return "absent"
	}
	return requirement(&c.pr)
}
