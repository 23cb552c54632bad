package transport

import (
	"encoding/hex"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Redacted replaces a secret in text.
const Redacted = "<redacted>"

// minAnywhere is the shortest password redacted wherever it occurs.
// Shorter ones are redacted where they stand as a word of their own
// (between characters that are not letters or digits), so a two-letter
// password is cut out of "bad password 'ab'" without turning every "ab"
// inside other words into <redacted>.
const minAnywhere = 4

// Redact removes the secrets of c from s: the password (any length), and
// the NT hash in hex, in either case, alone or as LM:NT. Errors, logs and
// reports pass outside text through it, should a host, a library or a
// transport ever echo a secret.
func (c Credentials) Redact(s string) string {
	if len(c.NTHash) > 0 {
		s = replaceFold(s, hex.EncodeToString(c.NTHash))
	}
	switch p := c.Password; {
	case p == "":
	case len(p) >= minAnywhere:
		s = strings.ReplaceAll(s, p, Redacted)
	default:
		s = replaceWord(s, p)
	}
	return s
}

// replaceFold replaces every ASCII-case-insensitive occurrence of old (hex
// digits) in s.
func replaceFold(s, old string) string {
	lower := strings.ToLower(s)
	if len(lower) != len(s) { // non-ASCII case mapping changed lengths
		return strings.ReplaceAll(strings.ReplaceAll(s, old, Redacted), strings.ToUpper(old), Redacted)
	}
	var b strings.Builder
	for {
		i := strings.Index(lower, old)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		b.WriteString(Redacted)
		s, lower = s[i+len(old):], lower[i+len(old):]
	}
}

// replaceWord replaces the occurrences of old in s that are not part of a
// longer word.
func replaceWord(s, old string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, old)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		before, _ := utf8.DecodeLastRuneInString(s[:i])
		after, _ := utf8.DecodeRuneInString(s[i+len(old):])
		if i > 0 && isWord(before) || i+len(old) < len(s) && isWord(after) {
			b.WriteString(s[:i+1])
			s = s[i+1:]
			continue
		}
		b.WriteString(s[:i])
		b.WriteString(Redacted)
		s = s[i+len(old):]
	}
}

func isWord(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
