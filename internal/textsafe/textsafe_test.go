package textsafe

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// hostile carries everything a host could send to act on a terminal or
// break a document: C0 and C1 escapes, DEL, every bidi control, invalid
// UTF-8, an encoded surrogate, noncharacters, line breaks.
const hostile = "a\x00b\x1b[31mred\x1b[0m\x7f\u009b2J\u0085\u202e\u202a\u2066\u2069\u200e\u200f\u061c" +
	"\xff\xfe\xed\xa0\x80\ufffe\uffff\t\n\r\v\f\u2028\u2029z"

func TestLine(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		limit int
		want  string
	}{
		{"plain", "WS01", 10, "WS01"},
		{"empty", "", 10, ""},
		{"unicode kept", "Président € 𝄞", 20, "Président € 𝄞"},
		{"CSI C0", "\x1b[31mred", 20, "\ufffd[31mred"},
		{"CSI C1", "\u009b31mred", 20, "\ufffd31mred"},
		{"bidi override", "evil\u202egpj.exe", 20, "evil\ufffdgpj.exe"},
		{"bidi isolate and marks", "\u2066a\u2069\u200eb\u200f\u061c", 20, "\ufffda\ufffd\ufffdb\ufffd\ufffd"},
		{"line breaks become spaces", "a\tb\nc\r\nd\u2028e\u0085f", 20, "a b c  d e f"},
		{"DEL and NUL", "a\x7fb\x00", 20, "a\ufffdb\ufffd"},
		{"invalid UTF-8, byte by byte", "bad\xffutf8\xe2\x82", 20, "bad\ufffdutf8\ufffd\ufffd"},
		{"surrogate bytes", "x\xed\xa0\x80y", 20, "x\ufffd\ufffd\ufffdy"},
		{"noncharacters", "x\ufffe\uffffy", 20, "x\ufffd\ufffdy"},
		{"exactly the limit", "abcde", 5, "abcde"},
		{"one over the limit", "abcdef", 5, "abcd…"},
		{"cut counts runes, not bytes", "éééééé", 5, "éééé…"},
		{"cut never splits a character", "ab𝄞𝄞𝄞", 3, "ab…"},
		{"limit below 1", "abc", 0, "…"},
		{"limit 1 fits one rune", "a", 1, "a"},
	}
	for _, tt := range tests {
		if got := Line(tt.in, tt.limit); got != tt.want {
			t.Errorf("%s: Line(%+q, %d) = %+q, want %+q", tt.name, tt.in, tt.limit, got, tt.want)
		}
	}
}

func TestText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"lines and tabs kept", "a\tb\nc", "a\tb\nc"},
		{"CRLF", "a\r\nb\r\n", "a\nb\n"},
		{"lone CR cannot overwrite", "safe\rEVIL", "safe\nEVIL"},
		{"other breaks", "a\vb\fc\u0085d\u2028e\u2029f", "a\nb\nc\nd\ne\nf"},
		{"escapes and bidi", "\x1b[2J\u009b2J\u202e", "\ufffd[2J\ufffd2J\ufffd"},
	}
	for _, tt := range tests {
		if got := Text(tt.in, 100); got != tt.want {
			t.Errorf("%s: Text(%+q) = %+q, want %+q", tt.name, tt.in, got, tt.want)
		}
	}
	if got := Text("line one\nline two", 10); got != "line one\n…" {
		t.Errorf("Text cut = %+q", got)
	}
}

func TestValue(t *testing.T) {
	tests := []struct {
		name, in string
		limit    int
		want     string
	}{
		{"plain", "C:\\Windows", 100, "C:\\Windows"},
		{"whitespace kept", "a\tb\nc\rd", 100, "a\tb\nc\rd"},
		{"C1 and bidi are data", "\u009b31m\u202e", 100, "\u009b31m\u202e"},
		{"C0 XML cannot carry", "a\x00b\x1bc\x7f", 100, "a\ufffdb\ufffdc\x7f"},
		{"invalid UTF-8", "x\xffy", 100, "x\ufffdy"},
		{"noncharacters", "\ufffe\uffff", 100, "\ufffd\ufffd"},
		{"U+FFFD itself", "\ufffd", 100, "\ufffd"},
		{"exactly the limit", strings.Repeat("a", 20), 20, strings.Repeat("a", 20)},
		{"cut with the mark", strings.Repeat("a", 21), 20, "aaaaaa" + ValueCut},
		{"cut never splits a character", strings.Repeat("é", 20), 21, "ééé" + ValueCut},
		{"no room for the mark", "abcdef", 4, "abcd"},
		{"no room at all", "abc", 0, ""},
	}
	for _, tt := range tests {
		got := Value(tt.in, tt.limit)
		if got != tt.want {
			t.Errorf("%s: Value(%+q, %d) = %+q, want %+q", tt.name, tt.in, tt.limit, got, tt.want)
		}
		if len(got) > max(tt.limit, 0) {
			t.Errorf("%s: Value is %d bytes, over the limit %d", tt.name, len(got), tt.limit)
		}
	}
}

func TestUnsafe(t *testing.T) {
	for _, r := range []rune{0, '\t', '\n', '\r', 0x1b, 0x1f, 0x7f, 0x80, 0x85, 0x9b, 0x9f,
		0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069,
		0xd800, 0xdfff, 0xfffe, 0xffff, 0x110000, -1} {
		if !Unsafe(r) {
			t.Errorf("Unsafe(%U) = false", r)
		}
	}
	for _, r := range []rune{' ', 'a', '~', 0xa0, 0xe9, 0x05d0, 0x0627, 0x200b, 0x2028, 0xfffd, 0x1d11e} {
		if Unsafe(r) {
			t.Errorf("Unsafe(%U) = true", r)
		}
	}
}

// TestNoAllocation: the common case (printable ASCII within the bound) is
// returned as is; the engine and the writers call these per value.
func TestNoAllocation(t *testing.T) {
	s := "HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion"
	if n := testing.AllocsPerRun(100, func() {
		_ = Line(s, 100)
		_ = Text(s, 100)
		_ = Value(s, 100)
		_ = Value("Président", 100)
	}); n != 0 {
		t.Errorf("%v allocations for clean text", n)
	}
}

// FuzzClean: whatever the input, every function returns valid UTF-8
// within its bound, idempotently; Line and Text let no Unsafe rune through
// (Text only its newlines and tabs); Value only characters XML can carry.
func FuzzClean(f *testing.F) {
	for _, s := range []string{"", "plain", hostile, strings.Repeat("é𝄞\x00", 50), "\r\n\r\n", ValueCut + Cut} {
		f.Add(s, 8)
	}
	f.Fuzz(func(t *testing.T, s string, limit int) {
		limit = limit%300 + 1
		if limit <= 0 {
			limit += 300
		}
		for _, c := range []struct {
			name  string
			clean func(string, int) string
			ok    func(rune) bool
			count func(string) int
		}{
			{"Line", Line, func(r rune) bool { return !Unsafe(r) && !lineBreak(r) }, utf8.RuneCountInString},
			{"Text", Text, func(r rune) bool { return r == '\n' || r == '\t' || !Unsafe(r) && !lineBreak(r) }, utf8.RuneCountInString},
			{"Value", Value, xmlChar, func(s string) int { return len(s) }},
		} {
			got := c.clean(s, limit)
			if !utf8.ValidString(got) {
				t.Fatalf("%s(%+q, %d) = %+q: invalid UTF-8", c.name, s, limit, got)
			}
			if n := c.count(got); n > limit {
				t.Fatalf("%s(%+q, %d) = %+q: %d over the limit", c.name, s, limit, got, n)
			}
			for _, r := range got {
				if !c.ok(r) {
					t.Fatalf("%s(%+q, %d) = %+q: %U let through", c.name, s, limit, got, r)
				}
			}
			if again := c.clean(got, limit); again != got {
				t.Fatalf("%s is not idempotent on %+q: %+q, then %+q", c.name, s, got, again)
			}
			if c.count(s) <= limit && utf8.ValidString(s) && strings.IndexFunc(s, func(r rune) bool { return !c.ok(r) }) < 0 && c.name != "Text" {
				if got != s {
					t.Fatalf("%s changed clean text %+q into %+q", c.name, s, got)
				}
			}
		}
	})
}
