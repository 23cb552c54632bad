// Package textsafe makes outside text (registry values, file paths, error
// texts from hosts and servers, AD names, target lists, catalogs) safe to
// show. It is the one place that decides which characters may pass.
//
// Two audiences, two rules:
//
//   - A terminal (stderr, the table and text reports, messages): Line and
//     Text. Control characters (C0, DEL, C1: the escape sequences a host
//     could use to recolour, move the cursor or rewrite the operator's
//     screen) and the bidirectional formatting controls (which make text
//     display in another order than it is, as in "Trojan Source") become
//     U+FFFD. Nothing a host sends can act on the terminal.
//   - A data format (XML, JSON Lines): Value. The text is kept as the host
//     gave it wherever XML 1.0 can carry it (tabs, line breaks, C1 and
//     bidi controls are data there, escaped by the writer); what XML cannot
//     carry becomes U+FFFD. Terminal writers apply Line on top.
//
// Every function returns valid UTF-8 (invalid bytes become U+FFFD, never
// cut in the middle of a character) bounded in length, and is idempotent:
// applying it to its own output changes nothing, so text cleaned once when
// written compares equal to the same text cleaned again when read back.
//
// The package is a leaf (standard library only) so that any package may
// use it; facts/, which imports nothing of ours, leaves text raw and the
// code that shows it calls textsafe.
package textsafe

import (
	"strings"
	"unicode/utf8"
)

// Cut ends text that Line and Text shortened.
const Cut = "…"

// ValueCut ends a value that Value shortened: more explicit than Cut,
// because a reader of a data format may not see that text is missing.
const ValueCut = "…[truncated]"

// Unsafe reports whether r must not reach a terminal as itself: a C0
// control (tab and line breaks included), DEL, a C1 control, a
// bidirectional formatting control (U+061C, U+200E, U+200F, U+202A-U+202E,
// U+2066-U+2069), or a character XML cannot carry (U+FFFE, U+FFFF,
// surrogates, invalid code points).
func Unsafe(r rune) bool {
	switch {
	case r < 0x20, r >= 0x7f && r <= 0x9f:
		return true
	case r < 0x61c:
		return false
	}
	return bidi(r) || !xmlChar(r)
}

// bidi reports whether r is a bidirectional formatting control.
func bidi(r rune) bool {
	switch {
	case r == 0x061c, r == 0x200e, r == 0x200f:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

// xmlChar reports whether r is a Char in XML 1.0 (fifth edition), §2.2.
func xmlChar(r rune) bool {
	switch {
	case r == 0x9 || r == 0xa || r == 0xd:
		return true
	case r >= 0x20 && r <= 0xd7ff:
		return true
	case r >= 0xe000 && r <= 0xfffd:
		return true
	case r >= 0x10000 && r <= 0x10ffff:
		return true
	}
	return false
}

// lineBreak reports whether r breaks a line or moves along it: Line shows
// it as a space, Text keeps a newline for the vertical ones.
func lineBreak(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', 0x85, 0x2028, 0x2029:
		return true
	}
	return false
}

// Line returns s as one line for a terminal or a message: tabs and line
// breaks become spaces, every other Unsafe rune and invalid UTF-8 become
// U+FFFD, and the result has at most limit runes, ending in Cut when s was
// longer. A limit below 1 counts as 1.
func Line(s string, limit int) string {
	if plainASCII(s, limit) {
		return s
	}
	return render(s, limit, false)
}

// Text is Line for text of several lines: "\n" and tabs are kept, "\r\n"
// becomes "\n", and the other breaks (a lone CR, VT, FF, NEL, U+2028,
// U+2029) become "\n" too, so nothing returns the cursor over text already
// shown.
func Text(s string, limit int) string {
	if plainASCII(s, limit) {
		return s
	}
	return render(strings.ReplaceAll(s, "\r\n", "\n"), limit, true)
}

// terminalRune is what a terminal is shown of r, on one line or several.
func terminalRune(r rune, multiline bool) rune {
	switch {
	case !lineBreak(r):
		if Unsafe(r) {
			return utf8.RuneError
		}
		return r
	case !multiline:
		return ' '
	case r == '\t':
		return r
	}
	return '\n'
}

// plainASCII reports whether s is printable ASCII of at most limit bytes
// (= runes): the common case, returned as is without allocating.
func plainASCII(s string, limit int) bool {
	if len(s) > limit {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

// render maps every rune of s (invalid bytes as U+FFFD) through
// terminalRune and keeps at most limit runes, the last one Cut when s is
// longer.
func render(s string, limit int, multiline bool) string {
	limit = max(limit, 1)
	var b strings.Builder
	b.Grow(min(len(s), 4*limit))
	n := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if n == limit-1 && i < len(s) {
			// Room for one rune and more than one to come.
			b.WriteString(Cut)
			return b.String()
		}
		b.WriteRune(terminalRune(r, multiline))
		n++
	}
	return b.String()
}

// Value returns s as a value for a data format (an XML attribute or
// element, a JSON string): invalid UTF-8 and the characters XML 1.0 cannot
// carry (C0 controls other than tab, LF and CR; U+FFFE, U+FFFF) become
// U+FFFD; everything else is kept. The result has at most maxBytes bytes,
// ending in ValueCut when s was longer (when maxBytes leaves no room for
// ValueCut, the value is only cut).
func Value(s string, maxBytes int) string {
	if validValue(s, maxBytes) {
		return s
	}
	maxBytes = max(maxBytes, 0)
	var b strings.Builder
	b.Grow(min(len(s), maxBytes))
	// The longest prefix that leaves room for the mark, should it be needed.
	room := maxBytes - len(ValueCut)
	keep := -1 // length of b when it reached room, -1 while below
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if !xmlChar(r) {
			r = utf8.RuneError // invalid bytes decode as U+FFFD already
		}
		if b.Len()+utf8.RuneLen(r) > maxBytes {
			return cutValue(b.String(), keep, room)
		}
		if keep < 0 && b.Len()+utf8.RuneLen(r) > room {
			keep = b.Len()
		}
		b.WriteRune(r)
	}
	return b.String()
}

// cutValue ends a value that did not fit: the prefix that leaves room for
// ValueCut, then ValueCut; without room for it, the prefix that fitted.
func cutValue(fitted string, keep, room int) string {
	if room < 0 {
		return fitted
	}
	if keep < 0 {
		keep = len(fitted)
	}
	return fitted[:keep] + ValueCut
}

// validValue reports whether Value would return s unchanged.
func validValue(s string, maxBytes int) bool {
	if len(s) > maxBytes {
		return false
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f || c == '\t' || c == '\n' || c == '\r' {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || !xmlChar(r) {
			return false
		}
		i += size
	}
	return true
}
