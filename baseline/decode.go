package baseline

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// decoder walks the element tree into the model, collecting every problem.
// Unknown elements and attributes are errors, not warnings as in a catalog:
// a baseline decides verdicts by its conditions, and a misspelt <When>
// silently dropped would widen an outcome.
type decoder struct {
	file     string
	problems []Problem
	// scope is what conditions and templates may name: the baseline's
	// settings and, inside a check, the check's own, in document order.
	scope map[string]*Setting
	// outcomes are the current check's outcome elements, for positions.
	outcomes []*node
}

func (d *decoder) errorf(n *node, format string, a ...any) {
	if len(d.problems) == maxProblems {
		d.problems = append(d.problems, Problem{File: d.file, Line: n.line, Column: n.col, Message: "too many problems; stopping here"})
	}
	if len(d.problems) > maxProblems {
		return
	}
	d.problems = append(d.problems, Problem{File: d.file, Line: n.line, Column: n.col, Message: fmt.Sprintf(format, a...)})
}

// attrs reports attributes n may not have (namespaced ones, such as
// xmlns or xsi:schemaLocation, are left alone).
func (d *decoder) attrs(n *node, allowed ...string) {
	for _, a := range n.attrs {
		if a.Name.Space != "" || a.Name.Local == "xmlns" {
			continue
		}
		ok := false
		for _, name := range allowed {
			ok = ok || a.Name.Local == name
		}
		if !ok {
			d.errorf(n, "<%s>: unknown attribute %s; it may have %s", n.tag(), a.Name.Local, strings.Join(allowed, ", "))
		}
	}
}

// required returns a required attribute, reporting it when missing or empty.
func (d *decoder) required(n *node, name string) (string, bool) {
	v, ok := n.attr(name)
	if !ok || v == "" {
		d.errorf(n, "<%s>: required attribute %s is missing", n.tag(), name)
		return "", false
	}
	return v, true
}

func (d *decoder) unknown(n *node, parent string, allowed string) {
	d.errorf(n, "unknown element <%s> in <%s>; it may hold %s", n.tag(), parent, allowed)
}

func (d *decoder) leaf(n *node) {
	for _, c := range n.children {
		d.errorf(c, "<%s> cannot hold elements (found <%s>)", n.tag(), c.tag())
	}
}

// noText reports text where the format has only elements.
func (d *decoder) noText(n *node) {
	if strings.TrimSpace(n.text.String()) != "" {
		d.errorf(n, "<%s> holds text; only its elements belong there", n.tag())
	}
}

var datePattern = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

func (d *decoder) baseline(root *node) *Baseline {
	b := &Baseline{}
	if root.name.Local != "Baseline" || root.name.Space != "" {
		d.errorf(root, "the root element is <%s>, not <Baseline>: this is not a patchscan baseline", root.tag())
		return b
	}
	d.attrs(root, "Name", "Version", "Date", "FormatVersion")
	d.noText(root)
	b.Name, _ = d.required(root, "Name")
	b.Version, _ = d.required(root, "Version")
	if s, ok := root.attr("Date"); ok && !datePattern.MatchString(s) {
		d.errorf(root, "<Baseline>: Date %q is not YYYY-MM-DD", s)
	} else {
		b.Date = s
	}
	if s, ok := root.attr("FormatVersion"); ok {
		if n, err := strconv.Atoi(s); err != nil || n < 1 || n > FormatVersion {
			d.errorf(root, "<Baseline>: FormatVersion %q: this patchscan reads baseline format %d; a newer one needs a newer patchscan", s, FormatVersion)
		}
	}
	d.scope = map[string]*Setting{}
	checkIDs := map[string]int{}
	for _, c := range root.children {
		switch c.name.Local {
		case "Setting":
			if s := d.setting(c); s != nil {
				b.Settings = append(b.Settings, s)
			}
		case "Check":
			ch := d.check(c)
			if line, dup := checkIDs[ch.ID]; dup && ch.ID != "" {
				d.errorf(c, "<Check>: ID %s is used twice (first at line %d); check IDs are unique", ch.ID, line)
			}
			checkIDs[ch.ID] = c.line
			b.Checks = append(b.Checks, ch)
		default:
			d.unknown(c, "Baseline", "<Setting> and <Check>")
		}
	}
	if len(b.Checks) == 0 {
		d.errorf(root, "<Baseline> has no <Check>")
	}
	return b
}

func (d *decoder) check(n *node) *Check {
	c := &Check{Line: n.line}
	d.attrs(n, "ID", "Severity")
	d.noText(n)
	if id, ok := d.required(n, "ID"); ok {
		if !validID(id) {
			d.errorf(n, "<Check>: ID %q: use lower-case letters, digits and dashes, starting with a letter (e.g. smb-signing)", id)
		}
		c.ID = id
	}
	if sev, ok := d.required(n, "Severity"); ok {
		c.Severity = canonicalSeverity(sev)
		if c.Severity == "" {
			d.errorf(n, "<Check>: Severity %q: use one of %s", sev, strings.Join(Severities, ", "))
		}
	}
	// The check's settings are visible to it only.
	outer := d.scope
	d.scope = make(map[string]*Setting, len(outer)+4)
	for k, v := range outer {
		d.scope[k] = v
	}
	defer func() { d.scope = outer }()
	d.outcomes = d.outcomes[:0]
	for _, ch := range n.children {
		d.checkChild(c, ch)
	}
	d.checkComplete(n, c)
	return c
}

// checkChild decodes one element of a <Check>.
func (d *decoder) checkChild(c *Check, n *node) {
	switch tag := n.name.Local; tag {
	case "Title":
		d.once(n, c.Title != "")
		c.Title = d.text(n)
	case "Advice":
		d.once(n, c.Advice != "")
		c.Advice = d.text(n)
	case "Setting":
		if s := d.setting(n); s != nil {
			c.Settings = append(c.Settings, s)
		}
	case "Reference":
		c.References = append(c.References, d.reference(n))
	default:
		if st, ok := outcomeTags[tag]; ok {
			c.Outcomes = append(c.Outcomes, d.outcome(n, st))
			d.outcomes = append(d.outcomes, n)
			return
		}
		d.unknown(n, "Check", "<Title>, <Setting>, <Pass>, <Fail>, <Warning>, <Info>, <NotApplicable>, <Advice> and <Reference>")
	}
}

func (d *decoder) once(n *node, seen bool) {
	if seen {
		d.errorf(n, "<%s> is given twice", n.tag())
	}
}

// checkComplete reports what a check lacks and outcomes no host can reach.
func (d *decoder) checkComplete(n *node, c *Check) {
	if c.Title == "" {
		d.errorf(n, "<Check %s> has no <Title>", c.ID)
	}
	if c.Advice == "" {
		d.errorf(n, "<Check %s> has no <Advice>: say what to do when it fails", c.ID)
	}
	if len(c.Outcomes) == 0 {
		d.errorf(n, "<Check %s> has no outcome (<Pass>, <Fail>, <Warning>, <Info>, <NotApplicable>)", c.ID)
		return
	}
	for i, o := range c.Outcomes {
		at, last := d.outcomes[i], i == len(c.Outcomes)-1
		switch {
		case len(o.When) == 0 && !last:
			d.errorf(at, "<Check %s>: this <%s> has no <When>, so the outcomes after it can never be reached", c.ID, at.tag())
		case len(o.When) > 0 && last:
			d.errorf(at, "<Check %s>: the last outcome has conditions; end with an outcome without <When> for every other case", c.ID)
		}
	}
}

// text is a text element's content, which may not be empty.
func (d *decoder) text(n *node) string {
	d.attrs(n)
	d.leaf(n)
	s := n.content()
	if s == "" {
		d.errorf(n, "<%s> is empty", n.tag())
	}
	return s
}

func canonicalSeverity(s string) string {
	for _, v := range Severities {
		if strings.EqualFold(s, v) {
			return v
		}
	}
	return ""
}

func (d *decoder) reference(n *node) Reference {
	d.attrs(n, "Source", "ID", "Title", "URL")
	d.leaf(n)
	d.noText(n)
	var r Reference
	r.Source, _ = d.required(n, "Source")
	r.ID, _ = n.attr("ID")
	r.Title, _ = n.attr("Title")
	r.URL, _ = n.attr("URL")
	if r.ID == "" && r.Title == "" && r.URL == "" {
		d.errorf(n, "<Reference>: give at least one of ID, Title and URL")
	}
	if r.URL != "" && !strings.HasPrefix(r.URL, "https://") && !strings.HasPrefix(r.URL, "http://") {
		d.errorf(n, "<Reference>: URL %q is not an http(s) address", r.URL)
	}
	return r
}
