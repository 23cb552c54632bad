package report

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxValueLen bounds every string a report carries, in bytes. A hostile or
// broken host can return megabytes in a registry value; the report keeps
// the start and says it was cut, so files stay small enough for `rollup`
// to read back (see MaxReportSize).
const MaxValueLen = 8 << 10

const truncMark = "…[truncated]"

// clean makes s safe for every output format: invalid UTF-8 and characters
// XML 1.0 does not allow (most C0 controls, surrogates, U+FFFE/U+FFFF)
// become U+FFFD, and the result is at most MaxValueLen bytes plus a marker.
// Tab, newline and carriage return are kept (the XML writer encodes them as
// character references so they survive attribute normalization).
func clean(s string) string {
	if isClean(s) {
		return s
	}
	var b strings.Builder
	b.Grow(min(len(s), MaxValueLen+len(truncMark)))
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		if r == utf8.RuneError && n == 1 || !xmlChar(r) {
			r = utf8.RuneError
		}
		if b.Len()+utf8.RuneLen(r) > MaxValueLen {
			b.WriteString(truncMark)
			break
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isClean(s string) bool {
	if len(s) > MaxValueLen {
		return false
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 || !xmlChar(r) {
			return false
		}
		i += n
	}
	return true
}

// xmlChar reports whether r is a Char in XML 1.0 (fifth edition), §2.2.
func xmlChar(r rune) bool {
	switch {
	case r == 0x9 || r == 0xA || r == 0xD:
		return true
	case r >= 0x20 && r <= 0xD7FF:
		return true
	case r >= 0xE000 && r <= 0xFFFD:
		return true
	case r >= 0x10000 && r <= 0x10FFFF:
		return true
	}
	return false
}

// term makes a cleaned string safe for a terminal and for one line of
// text: control characters (C0, DEL, C1: the escape sequences a host could
// use to rewrite the operator's screen) and bidirectional overrides (which
// can make text display differently from what it is) become U+FFFD.
func term(s string) string {
	s = clean(s)
	ok := true
	for _, r := range s {
		if termUnsafe(r) {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	return strings.Map(func(r rune) rune {
		if termUnsafe(r) {
			return utf8.RuneError
		}
		return r
	}, s)
}

func termUnsafe(r rune) bool {
	if unicode.IsControl(r) {
		return true
	}
	switch {
	case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069, r == 0x200E, r == 0x200F, r == 0x061C:
		return true
	}
	return false
}

// shorten cuts s to at most n runes for narrow table columns.
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	rs := []rune(s)
	return string(rs[:n-1]) + "…"
}
