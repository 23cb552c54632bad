package catalog

import (
	"bufio"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The XML under catalog.Write: indented elements and escaped attributes.

// catalogWriter writes elements one per line. The first error stops it.
type catalogWriter struct {
	w     *bufio.Writer
	err   error
	where []string // what is being written, for error messages
}

// attribute is one attribute of an element, in writing order.
type attribute struct{ name, value string }

// optional is an attribute that is written only when it has a value.
func optional(name, value string) []attribute {
	if value == "" {
		return nil
	}
	return []attribute{{name, value}}
}

func itoa(n int) string { return strconv.Itoa(n) }

// boolAttr is a boolean attribute, written only when true.
func boolAttr(name string, set bool) []attribute {
	if !set {
		return nil
	}
	return []attribute{{name, "true"}}
}

func attrs(parts ...[]attribute) []attribute {
	var out []attribute
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func one(name, value string) []attribute { return []attribute{{name, value}} }

// in runs f with what names the element being written pushed onto the
// context of error messages.
func (cw *catalogWriter) in(what string, f func()) {
	cw.where = append(cw.where, what)
	f()
	cw.where = cw.where[:len(cw.where)-1]
}

// empty writes <name a="..."/> at depth.
func (cw *catalogWriter) empty(depth int, name string, as []attribute) {
	cw.startTag(depth, name, as)
	cw.raw("/>\n")
}

// element writes <name a="...">, the children f writes, and </name>.
func (cw *catalogWriter) element(depth int, name string, as []attribute, f func()) {
	cw.startTag(depth, name, as)
	cw.raw(">\n")
	f()
	cw.indent(depth)
	cw.raw("</" + name + ">\n")
}

// list writes <name> holding n children written by f, or nothing when n
// is 0 (the loader reads an absent list as an empty one).
func (cw *catalogWriter) list(depth int, name string, n int, f func(i int)) {
	if n == 0 {
		return
	}
	cw.element(depth, name, nil, func() {
		for i := 0; i < n && cw.err == nil; i++ {
			f(i)
		}
	})
}

func (cw *catalogWriter) startTag(depth int, name string, as []attribute) {
	cw.indent(depth)
	cw.raw("<" + name)
	for _, a := range as {
		cw.raw(" " + a.name + `="`)
		cw.escaped(name, a)
		cw.raw(`"`)
	}
}

func (cw *catalogWriter) indent(depth int) {
	for i := 0; i < depth; i++ {
		cw.raw("  ")
	}
}

func (cw *catalogWriter) raw(s string) {
	if cw.err == nil {
		_, cw.err = cw.w.WriteString(s)
	}
}

// escaped writes an attribute value escaped (see Write), or fails on a
// character XML cannot carry.
func (cw *catalogWriter) escaped(element string, a attribute) {
	s := a.value
	start := 0
	for i := 0; i < len(s) && cw.err == nil; {
		r, size := utf8.DecodeRuneInString(s[i:])
		ref, ok := escapeRune(r, size)
		switch {
		case !ok:
			cw.err = cw.unwritable(element, a, i, r, size)
			return
		case ref != "":
			cw.raw(s[start:i])
			cw.raw("")
			cw.raw(ref)
			start = i + size
		}
		i += size
	}
	cw.raw(s[start:])
}

// escapeRune says how r (read as size bytes) is written in an attribute
// value: as itself (""), as a reference, or not at all (ok false).
func escapeRune(r rune, size int) (ref string, ok bool) {
	switch {
	case r == utf8.RuneError && size == 1:
		return "", false // invalid UTF-8
	case r == '&':
		return "&amp;", true
	case r == '<':
		return "&lt;", true
	case r == '>':
		return "&gt;", true
	case r == '"':
		return "&quot;", true
	case r == '\t' || r == '\n' || r == '\r', r >= 0x7F && r <= 0x9F, isBidiControl(r):
		// References, because a parser turns raw tabs and line breaks in
		// an attribute into spaces, and the others are invisible.
		return "&#x" + strconv.FormatInt(int64(r), 16) + ";", true
	case r < 0x20, r == 0xFFFE, r == 0xFFFF:
		return "", false // outside XML 1.0's Char production
	}
	return "", true
}

// isBidiControl reports the characters that reorder displayed text.
func isBidiControl(r rune) bool {
	return r == 0x061C || r == 0x200E || r == 0x200F || r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069
}

// fail stops writing with an error about the element being written.
func (cw *catalogWriter) fail(format string, a ...any) {
	if cw.err == nil {
		cw.err = fmt.Errorf("catalog.Write: %s: "+format, append([]any{strings.Join(cw.where, ", ")}, a...)...)
	}
}

func (cw *catalogWriter) unwritable(element string, a attribute, at int, r rune, size int) error {
	what := fmt.Sprintf("%U", r)
	if r == utf8.RuneError && size == 1 {
		what = fmt.Sprintf("the byte %#02x (not UTF-8)", a.value[at])
	}
	where := strings.Join(append(cw.where, "<"+element+">"), ", ")
	return fmt.Errorf("catalog.Write: %s: %s holds %s at byte %d, which an XML 1.0 document cannot carry; remove it from the data", where, a.name, what, at)
}
