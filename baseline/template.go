package baseline

import (
	"fmt"
	"strings"
)

// Template is a reason with references to settings: "{lm-compat}" is the
// setting's value, "{lm-compat.source}" where the value came from,
// "{shares.list}" the items of a measure and "{shares.count}" their
// number. Everything else is text.
type Template struct {
	Parts []TemplatePart
}

// TemplatePart is literal text (Setting == "") or a reference.
type TemplatePart struct {
	Text    string
	Setting string
	Field   Field
}

// Field is what a reference shows of a setting.
type Field string

const (
	FieldValue  Field = ""       // {id}
	FieldSource Field = "source" // {id.source}
	FieldList   Field = "list"   // {id.list}
	FieldCount  Field = "count"  // {id.count}
)

// maxReference bounds a reference's length inside braces.
const maxReference = 128

// parseTemplate splits a reason into text and references. A "{" always
// opens a reference; there is no escape (reasons have no use for braces).
func parseTemplate(s string) (Template, error) {
	var t Template
	for s != "" {
		i := strings.IndexAny(s, "{}")
		if i < 0 {
			t.Parts = append(t.Parts, TemplatePart{Text: s})
			break
		}
		if i > 0 {
			t.Parts = append(t.Parts, TemplatePart{Text: s[:i]})
		}
		if s[i] == '}' {
			return t, fmt.Errorf("a } without its {")
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return t, fmt.Errorf("a { without its }")
		}
		ref := s[i+1 : i+j]
		if len(ref) > maxReference {
			return t, fmt.Errorf("reference {%s...} is too long", ref[:32])
		}
		id, field, _ := strings.Cut(ref, ".")
		if !validID(id) {
			return t, fmt.Errorf("{%s} does not name a setting (IDs are lower-case letters, digits and dashes)", ref)
		}
		switch Field(field) {
		case FieldValue, FieldSource, FieldList, FieldCount:
		default:
			return t, fmt.Errorf("{%s}: unknown field %q; use {%s}, {%s.source}, {%s.list} or {%s.count}", ref, field, id, id, id, id)
		}
		if field == "" && strings.Contains(ref, ".") {
			return t, fmt.Errorf("{%s}: empty field", ref)
		}
		t.Parts = append(t.Parts, TemplatePart{Setting: id, Field: Field(field)})
		s = s[i+j+1:]
	}
	return t, nil
}

// String is the template as written.
func (t Template) String() string {
	var b strings.Builder
	for _, p := range t.Parts {
		switch {
		case p.Setting == "":
			b.WriteString(p.Text)
		case p.Field == FieldValue:
			b.WriteString("{" + p.Setting + "}")
		default:
			b.WriteString("{" + p.Setting + "." + string(p.Field) + "}")
		}
	}
	return b.String()
}

// Render fills the references with value(setting, field).
func (t Template) Render(value func(setting string, field Field) string) string {
	var b strings.Builder
	for _, p := range t.Parts {
		if p.Setting == "" {
			b.WriteString(p.Text)
			continue
		}
		b.WriteString(value(p.Setting, p.Field))
	}
	return b.String()
}

// validID: lower-case letters, digits and dashes, starting with a letter,
// at most 64 characters ("wdigest", "lm-compat", "rdp-nla").
func validID(s string) bool {
	if s == "" || len(s) > 64 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}
