package facts_test

import (
	"slices"
	"testing"
	"unicode/utf8"

	"github.com/patchscan/patchscan/facts"
)

func TestRegValueDecoding(t *testing.T) {
	tests := []struct {
		name  string
		v     facts.RegValue
		text  string
		strs  []string
		num   uint64
		numOK bool
	}{
		{"sz", facts.SZ("6.1"), "6.1", []string{"6.1"}, 0, false},
		{"sz decimal", facts.SZ("42"), "42", []string{"42"}, 42, true},
		{"expand sz", facts.ExpandSZ(`%SystemRoot%\x`), `%SystemRoot%\x`, []string{`%SystemRoot%\x`}, 0, false},
		{"sz stops at NUL", facts.RegValue{Type: facts.RegSZ, Data: []byte{'a', 0, 0, 0, 'b', 0}}, "a", []string{"a"}, 0, false},
		{"sz without terminator", facts.RegValue{Type: facts.RegSZ, Data: []byte{'a', 0, 'b', 0}}, "ab", []string{"ab"}, 0, false},
		{"sz odd length", facts.RegValue{Type: facts.RegSZ, Data: []byte{'a', 0, 'b'}}, "a", []string{"a"}, 0, false},
		{"sz unpaired surrogate", facts.RegValue{Type: facts.RegSZ, Data: []byte{0x3d, 0xd8, 'x', 0}}, "\uFFFDx", []string{"\uFFFDx"}, 0, false},
		{"sz non-ASCII", facts.SZ("Président €"), "Président €", []string{"Président €"}, 0, false},
		{"sz control chars shown safely", facts.SZ("a\tb"), "a\tb", []string{"a\tb"}, 0, false},
		{"empty sz", facts.RegValue{Type: facts.RegSZ}, "", []string{""}, 0, false},
		{"multi", facts.MultiSZ("a", "", "c"), "a\n\nc", []string{"a", "", "c"}, 0, false},
		{"multi empty", facts.MultiSZ(), "", nil, 0, false},
		{"multi unterminated", facts.RegValue{Type: facts.RegMultiSZ, Data: []byte{'a', 0, 0, 0, 'b', 0}}, "a\nb", []string{"a", "b"}, 0, false},
		{"dword", facts.DWORD(0xdeadbeef), "3735928559", nil, 0xdeadbeef, true},
		{"dword long buffer", facts.RegValue{Type: facts.RegDWORD, Data: []byte{1, 0, 0, 0, 9}}, "1", nil, 1, true},
		{"dword short", facts.RegValue{Type: facts.RegDWORD, Data: []byte{1, 0}}, "0100", nil, 0, false},
		{"qword", facts.QWORD(1 << 40), "1099511627776", nil, 1 << 40, true},
		{"qword short", facts.RegValue{Type: facts.RegQWORD, Data: []byte{1}}, "01", nil, 0, false},
		{"binary", facts.Binary([]byte{0xde, 0xad}), "dead", nil, 0, false},
		{"none", facts.RegValue{Type: facts.RegNone}, "", nil, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.v.Text(); got != tt.text {
				t.Errorf("Text = %q, want %q", got, tt.text)
			}
			if got := tt.v.Strings(); !slices.Equal(got, tt.strs) {
				t.Errorf("Strings = %q, want %q", got, tt.strs)
			}
			n, ok := tt.v.Uint()
			if n != tt.num || ok != tt.numOK {
				t.Errorf("Uint = %d, %v; want %d, %v", n, ok, tt.num, tt.numOK)
			}
		})
	}
}

// FuzzRegValue feeds arbitrary typed data to every decoder: no panics,
// valid UTF-8 out, and output no larger than a small
// multiple of the input.
func FuzzRegValue(f *testing.F) {
	f.Add(uint32(1), []byte("a\x00b\x00\x00\x00"))
	f.Add(uint32(7), []byte("a\x00\x00\x00b\x00\x00\x00\x00\x00"))
	f.Add(uint32(4), []byte{1, 2, 3})
	f.Add(uint32(11), []byte{1, 2, 3, 4, 5, 6, 7, 8})
	f.Add(uint32(2), []byte{0x00, 0xd8, 0x00, 0xdc, 0x00})
	f.Add(uint32(3), []byte{0xff})
	f.Fuzz(func(t *testing.T, typ uint32, data []byte) {
		v := facts.RegValue{Type: facts.ValueType(typ), Data: data}
		text := v.Text()
		if !utf8.ValidString(text) {
			t.Fatalf("Text not valid UTF-8: %q", text)
		}
		if len(text) > 2*len(data)+8 && len(text) > 40 {
			t.Fatalf("Text is %d bytes from %d bytes of data", len(text), len(data))
		}
		for _, s := range v.Strings() {
			if !utf8.ValidString(s) {
				t.Fatalf("Strings element not valid UTF-8: %q", s)
			}
		}
		v.Uint()
		for _, s := range v.Texts() {
			if !utf8.ValidString(s) {
				t.Fatalf("Texts element not valid UTF-8: %q", s)
			}
		}
	})
}
