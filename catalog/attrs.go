package catalog

import (
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Reading attributes, and the value types they hold.

// ignorableAttr is namespace plumbing, not catalog data.
func ignorableAttr(a xml.Attr) bool {
	return a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") || a.Name.Space == "xsi"
}

// checkAttrs reports duplicate attributes and warns (once per element and
// attribute name) about unknown ones.
func (l *loader) checkAttrs(e *element, known ...string) {
	// Duplicates by pairwise comparison, or with a map when an element has
	// many attributes: hostile input must not make this quadratic.
	var seen map[xml.Name]bool
	if len(e.attr) > 16 {
		seen = make(map[xml.Name]bool, len(e.attr))
	}
	for i, a := range e.attr {
		if ignorableAttr(a) {
			continue
		}
		if seen != nil && seen[a.Name] || seen == nil && hasAttr(e.attr[:i], a.Name) {
			l.errorAt(e.at, "<%s>: attribute %s appears more than once", e.name.Local, fullName(a.Name))
		}
		if seen != nil {
			seen[a.Name] = true
		}
		if a.Name.Space != "" || !isOneOf(a.Name.Local, known) {
			name := fullName(a.Name)
			l.warnAt(warningKey{"attr", e.name.Local, name}, e.at, "unknown attribute %s on <%s> ignored", name, e.name.Local)
		}
	}
}

func hasAttr(attrs []xml.Attr, name xml.Name) bool {
	for _, a := range attrs {
		if a.Name == name {
			return true
		}
	}
	return false
}

func isOneOf(s string, set []string) bool {
	for _, k := range set {
		if s == k {
			return true
		}
	}
	return false
}

// rawAttr returns an attribute's value as written and whether it is present.
func rawAttr(e *element, key string) (string, bool) {
	for _, a := range e.attr {
		if a.Name.Space == "" && a.Name.Local == key {
			return a.Value, true
		}
	}
	return "", false
}

// attr returns an attribute's value trimmed of white space, and whether it
// is present.
func attr(e *element, key string) (string, bool) {
	v, ok := rawAttr(e, key)
	return strings.TrimSpace(v), ok
}

// required returns a non-empty attribute or reports it missing.
func (l *loader) required(e *element, key string) (string, bool) {
	v, ok := attr(e, key)
	if !ok {
		l.errorAt(e.at, "<%s>: required attribute %s is missing", e.name.Local, key)
		return "", false
	}
	if v == "" {
		l.errorAt(e.at, "<%s>: attribute %s is empty", e.name.Local, key)
		return "", false
	}
	return v, true
}

// parseID parses a positive decimal ID that fits in 31 bits.
func parseID(s string) (int, error) {
	if s == "" {
		return 0, fmt.Errorf("empty")
	}
	if !allDigits(s) {
		return 0, fmt.Errorf("%s is not a positive decimal number", quote(s))
	}
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("%s is not between 1 and 2147483647", quote(s))
	}
	return int(n), nil
}

// requiredID reads a required positive integer ID attribute.
func (l *loader) requiredID(e *element, key string) (int, bool) {
	s, ok := l.required(e, key)
	if !ok {
		return 0, false
	}
	n, err := parseID(s)
	if err != nil {
		l.errorAt(e.at, "<%s>: %s %v", e.name.Local, key, err)
		return 0, false
	}
	return n, true
}

// optionalRef reads an optional ID that must name a defined entity; 0 when
// absent. The reference is checked once every definition has been read.
func (l *loader) optionalRef(e *element, kind refKind) int {
	key := kind.attr()
	s, ok := attr(e, key)
	if !ok || s == "" {
		return 0
	}
	n, err := parseID(s)
	if err != nil {
		l.errorAt(e.at, "<%s>: %s %v", e.name.Local, key, err)
		return 0
	}
	l.refs = append(l.refs, reference{at: e.at, kind: kind, id: int32(n)})
	return n
}

// requiredRef is optionalRef for a required attribute.
func (l *loader) requiredRef(e *element, kind refKind) int {
	n, ok := l.requiredID(e, kind.attr())
	if !ok {
		return 0
	}
	l.refs = append(l.refs, reference{at: e.at, kind: kind, id: int32(n)})
	return n
}

func (l *loader) optionalBool(e *element, key string) bool {
	s, ok := attr(e, key)
	if !ok || s == "" {
		return false
	}
	switch strings.ToLower(s) {
	case "1", "true":
		return true
	case "0", "false":
		return false
	}
	l.errorAt(e.at, "<%s>: %s=%s is not a boolean; use true/false or 1/0", e.name.Local, key, quote(s))
	return false
}

// date checks a date attribute: YYYY-MM-DD, optionally with a time as
// mssecure.xml had.
func (l *loader) date(e *element, key string, s string) {
	if s == "" {
		return
	}
	for _, layout := range []string{"2006-01-02", "2006-01-02T15:04:05", time.RFC3339} {
		if _, err := time.Parse(layout, s); err == nil {
			return
		}
	}
	l.errorAt(e.at, "<%s>: %s=%s is not a date; use YYYY-MM-DD", e.name.Local, key, quote(s))
}

// day checks a date attribute of format 2: YYYY-MM-DD, nothing else.
func (l *loader) day(e *element, key string, s string) {
	if s == "" {
		return
	}
	if _, err := time.Parse("2006-01-02", s); err != nil {
		l.errorAt(e.at, "<%s>: %s=%s is not a date; use YYYY-MM-DD", e.name.Local, key, quote(s))
	}
}

// quote renders a catalog value for a message: in double quotes, shortened,
// and escaped only when it holds characters that could garble a terminal.
func quote(s string) string {
	if len(s) > 60 {
		s = s[:60] + "..."
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError || r == '"' {
			return strconv.Quote(s)
		}
	}
	return `"` + s + `"`
}

// orUnnamed names something whose ID attribute is missing (already reported).
func orUnnamed(s string) string {
	if s == "" {
		return "(unnamed)"
	}
	return s
}

// isNumber accepts what number-* operators compare with, as the engine
// reads it: an unsigned 64-bit integer, decimal or 0x-prefixed hexadecimal
// (REG_DWORD and REG_QWORD values are unsigned).
func isNumber(s string) bool {
	if len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X") {
		_, err := strconv.ParseUint(s[2:], 16, 64)
		return err == nil
	}
	_, err := strconv.ParseUint(s, 10, 64)
	return err == nil
}

// isCVE matches CVE-YYYY-NNNN (4 to 8 digits), upper case.
func isCVE(s string) bool {
	rest, ok := strings.CutPrefix(s, "CVE-")
	if !ok || len(rest) < 9 || len(rest) > 13 || rest[4] != '-' {
		return false
	}
	return allDigits(rest[:4]) && allDigits(rest[5:])
}

func isSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
