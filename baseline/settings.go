package baseline

import (
	"slices"
	"strings"

	"github.com/patchscan/patchscan/catalog"
	"github.com/patchscan/patchscan/detect"
	"github.com/patchscan/patchscan/facts"
)

// setting decodes a <Setting> and makes it visible to what follows. It
// returns nil when its ID is unusable.
func (d *decoder) setting(n *node) *Setting {
	d.attrs(n, "ID", "Label", "Secret", "Words")
	d.noText(n)
	s := &Setting{Line: n.line}
	s.Secret = d.boolAttr(n, "Secret")
	s.Words = d.words(n)
	id, ok := d.required(n, "ID")
	if ok && !validID(id) {
		d.errorf(n, "<Setting>: ID %q: use lower-case letters, digits and dashes, starting with a letter", id)
		ok = false
	}
	if prev, dup := d.scope[id]; ok && dup {
		d.errorf(n, "<Setting>: ID %s is already defined at line %d (a check's settings may not reuse the baseline's IDs)", id, prev.Line)
		ok = false
	}
	s.ID = id
	s.Label, _ = n.attr("Label")
	if s.Label == "" {
		s.Label = id
	}
	for _, c := range n.children {
		switch c.name.Local {
		case "RegValue":
			s.Sources = append(s.Sources, d.regValue(c))
		case "Measure":
			s.Sources = append(s.Sources, d.measure(c))
		case "Default":
			// A default may only test settings defined before this one,
			// so settings can never depend on each other in a circle.
			s.Defaults = append(s.Defaults, d.defaultValue(c))
		default:
			d.unknown(c, "Setting", "<RegValue>, <Measure> and <Default>")
		}
	}
	if len(s.Sources) == 0 {
		d.errorf(n, "<Setting %s> has no source: give a <RegValue> or a <Measure>", id)
	}
	if s.Secret && len(s.Defaults) > 0 {
		d.errorf(n, "<Setting %s> is secret: it can have no <Default>", id)
	}
	if !ok {
		return nil
	}
	d.scope[id] = s
	return s
}

func (d *decoder) boolAttr(n *node, name string) bool {
	v, ok := n.attr(name)
	switch {
	case !ok || v == "false":
		return false
	case v == "true":
		return true
	}
	d.errorf(n, "<%s>: %s is %q; use true or false", n.tag(), name, v)
	return false
}

// words reads Words="0=off;1=on".
func (d *decoder) words(n *node) map[string]string {
	v, ok := n.attr("Words")
	if !ok {
		return nil
	}
	m := map[string]string{}
	for _, pair := range strings.Split(v, ";") {
		k, w, ok := strings.Cut(pair, "=")
		k, w = strings.TrimSpace(k), strings.TrimSpace(w)
		if !ok || k == "" || w == "" {
			d.errorf(n, "<Setting>: Words %q: write value=word pairs separated by semicolons (\"0=off;1=on\")", v)
			return nil
		}
		m[strings.ToLower(k)] = w
	}
	return m
}

func (d *decoder) regValue(n *node) Source {
	d.attrs(n, "Key", "Name")
	d.leaf(n)
	d.noText(n)
	src := Source{Kind: SourceRegValue, Line: n.line}
	if k, ok := d.required(n, "Key"); ok {
		key, err := normKey(k)
		if err != "" {
			d.errorf(n, "<RegValue>: Key \"%s\": %s", k, err)
		}
		src.Key = key
	}
	name, ok := n.rawAttr("Name")
	if !ok {
		d.errorf(n, `<RegValue>: required attribute Name is missing (Name="" is the key's default value)`)
	}
	src.Name = name
	return src
}

// normKey accepts HKLM\... and HKEY_LOCAL_MACHINE\... (the one hive remote
// registry reads and images hold), written HKLM\... with single
// backslashes and none at the end.
func normKey(k string) (string, string) {
	hive, rest, _ := strings.Cut(strings.Trim(k, `\`), `\`)
	switch strings.ToUpper(hive) {
	case "HKLM", "HKEY_LOCAL_MACHINE":
	default:
		return k, "only HKLM\\... keys can be read (remote registry and images hold HKEY_LOCAL_MACHINE)"
	}
	parts := strings.Split(rest, `\`)
	if rest == "" || slices.Contains(parts, "") {
		return k, "give a key below HKLM, without empty parts (\\\\)"
	}
	return "HKLM\\" + rest, ""
}

func (d *decoder) measure(n *node) Source {
	d.attrs(n, "Name", "Category", "Services")
	d.leaf(n)
	d.noText(n)
	src := Source{Kind: SourceMeasure, Line: n.line}
	name, _ := d.required(n, "Name")
	src.Measure = Measure(name)
	if name != "" && src.Measure.Fact() == 0 {
		var names []string
		for _, m := range Measures {
			names = append(names, string(m))
		}
		d.errorf(n, "<Measure>: %q is not a measure; use one of %s", name, strings.Join(names, ", "))
	}
	cat, hasCat := n.attr("Category")
	switch {
	case src.Measure == MeasureAudit && !slices.Contains(facts.AuditCategories, cat):
		d.errorf(n, "<Measure Name=\"audit\">: Category %q: use one of %s", cat, strings.Join(facts.AuditCategories, ", "))
	case src.Measure != MeasureAudit && hasCat:
		d.errorf(n, "<Measure>: Category belongs to the audit measure only")
	}
	src.Category = cat
	services, hasServices := n.attr("Services")
	src.Services = strings.Fields(services)
	switch {
	case src.Measure == MeasureServicesSetToRun && len(src.Services) == 0:
		d.errorf(n, "<Measure Name=\"services-set-to-run\">: list the services' key names in Services (\"TlntSvr SNMP\")")
	case src.Measure != MeasureServicesSetToRun && hasServices:
		d.errorf(n, "<Measure>: Services belongs to the services-set-to-run measure only")
	}
	for _, s := range src.Services {
		if strings.ContainsAny(s, `\/`) || len(s) > 256 {
			d.errorf(n, "<Measure>: %q is not a service key name", s)
		}
	}
	return src
}

func (d *decoder) defaultValue(n *node) Fallback {
	d.attrs(n, "Value", "Note")
	d.noText(n)
	df := Fallback{Line: n.line}
	v, ok := n.rawAttr("Value")
	if !ok {
		d.errorf(n, "<Default>: required attribute Value is missing")
	}
	df.Value = v
	df.Note, _ = n.attr("Note")
	for _, c := range n.children {
		if c.name.Local != "When" {
			d.unknown(c, "Default", "<When>")
			continue
		}
		df.When = append(df.When, d.condition(c))
	}
	return df
}

func (d *decoder) outcome(n *node, st Status) Outcome {
	d.attrs(n)
	d.noText(n)
	o := Outcome{Status: st, Line: n.line}
	seenReason := false
	for _, c := range n.children {
		switch c.name.Local {
		case "When":
			o.When = append(o.When, d.condition(c))
		case "Reason":
			d.once(c, seenReason)
			seenReason = true
			o.Reason = d.reason(c)
		default:
			d.unknown(c, n.tag(), "<When> and <Reason>")
		}
	}
	if !seenReason {
		d.errorf(n, "<%s> has no <Reason>: say in plain words what the host does", n.tag())
	}
	return o
}

// reason parses a <Reason> template and checks that its references name
// settings in scope.
func (d *decoder) reason(n *node) Template {
	text := d.text(n)
	t, err := parseTemplate(text)
	if err != nil {
		d.errorf(n, "<Reason>: %v", err)
		return t
	}
	for _, p := range t.Parts {
		if p.Setting != "" && d.scope[p.Setting] == nil {
			d.errorf(n, "<Reason>: {%s} names no setting of this check or of the baseline", p.Setting)
		}
	}
	return t
}

// condition decodes a <When>: a setting and a catalog operator, with the
// catalog's defaults (a Value alone means equals; nothing, exists).
func (d *decoder) condition(n *node) Condition {
	d.attrs(n, "Setting", "Op", "Value")
	d.leaf(n)
	d.noText(n)
	c := Condition{Line: n.line}
	var target *Setting
	if id, ok := d.required(n, "Setting"); ok {
		target = d.scope[id]
		if target == nil {
			d.errorf(n, "<When>: Setting %s is not defined before this point (conditions name the baseline's settings or the check's, defined above)", id)
		}
		c.Setting = id
	}
	value, hasValue := n.rawAttr("Value")
	opStr, hasOp := n.attr("Op")
	switch {
	case hasOp:
		c.Op = catalog.Op(strings.ToLower(opStr))
	case hasValue:
		c.Op = catalog.OpEquals
	default:
		c.Op = catalog.OpExists
	}
	if !slices.Contains(catalog.Ops, c.Op) {
		d.errorf(n, "<When>: Op %q is not an operator; use one of %s", opStr, opNames())
		return c
	}
	c.Value = value
	if target != nil && target.Secret && c.Op != catalog.OpExists && c.Op != catalog.OpAbsent {
		d.errorf(n, "<When>: Setting %s is secret: test it with exists or absent only", c.Setting)
		return c
	}
	d.comparison(n, &c, hasValue)
	return c
}

// comparison prepares the condition's comparison with the patch engine's
// own operator code, so the loader accepts exactly what it can apply.
func (d *decoder) comparison(n *node, c *Condition, hasValue bool) {
	switch {
	case (c.Op == catalog.OpExists || c.Op == catalog.OpAbsent) && hasValue:
		d.errorf(n, "<When>: Op %s takes no Value; remove it or use a comparing operator", c.Op)
		return
	case c.Op != catalog.OpExists && c.Op != catalog.OpAbsent && !hasValue:
		d.errorf(n, "<When>: Op %s needs a Value to compare with", c.Op)
		return
	case c.Op == catalog.OpMatches && len(c.Value) > maxPattern:
		d.errorf(n, "<When>: regular expression is longer than %d characters", maxPattern)
		return
	}
	cmp, err := detect.NewComparison(&catalog.Rule{Kind: catalog.RuleRegValue, Op: c.Op, Value: c.Value})
	if err != nil {
		// The engine words it for catalogs ("the catalog's number ...").
		d.errorf(n, "<When>: %s for %s", strings.TrimPrefix(err.Error(), "the catalog's "), c.Op)
		return
	}
	c.Compare = cmp
}

// maxPattern is the catalog's bound on a regular expression.
const maxPattern = 4096

func opNames() string {
	s := make([]string, len(catalog.Ops))
	for i, o := range catalog.Ops {
		s[i] = string(o)
	}
	return strings.Join(s, ", ")
}
