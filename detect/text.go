package detect

import (
	"strings"
	"unicode/utf8"
)

// maxShown bounds a host-provided string quoted in a reason or a check, so
// a huge value can't bloat every report that mentions it.
const maxShown = 256

// clean makes a host-provided string safe to quote in a report: invalid
// UTF-8 and control characters become U+FFFD, and it is truncated to
// maxShown runes.
func clean(s string) string {
	if len(s) <= maxShown && isPlain(s) {
		return s
	}
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n == maxShown {
			b.WriteString("...")
			break
		}
		if r == utf8.RuneError || r < 0x20 || r == 0x7f {
			r = utf8.RuneError
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}
