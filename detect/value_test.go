package detect_test

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/patchscan/patchscan/catalog"
	"github.com/patchscan/patchscan/detect"
)

func TestRegValueDecoding(t *testing.T) {
	tests := []struct {
		name    string
		v       detect.RegValue
		text    string
		strs    []string
		num     uint64
		numOK   bool
		display string
	}{
		{"sz", detect.SZ("6.1"), "6.1", []string{"6.1"}, 0, false, "6.1"},
		{"sz decimal", detect.SZ("42"), "42", []string{"42"}, 42, true, "42"},
		{"expand sz", detect.ExpandSZ(`%SystemRoot%\x`), `%SystemRoot%\x`, []string{`%SystemRoot%\x`}, 0, false, `%SystemRoot%\x`},
		{"sz stops at NUL", detect.RegValue{Type: detect.RegSZ, Data: []byte{'a', 0, 0, 0, 'b', 0}}, "a", []string{"a"}, 0, false, "a"},
		{"sz without terminator", detect.RegValue{Type: detect.RegSZ, Data: []byte{'a', 0, 'b', 0}}, "ab", []string{"ab"}, 0, false, "ab"},
		{"sz odd length", detect.RegValue{Type: detect.RegSZ, Data: []byte{'a', 0, 'b'}}, "a", []string{"a"}, 0, false, "a"},
		{"sz unpaired surrogate", detect.RegValue{Type: detect.RegSZ, Data: []byte{0x3d, 0xd8, 'x', 0}}, "\uFFFDx", []string{"\uFFFDx"}, 0, false, "\uFFFDx"},
		{"sz non-ASCII", detect.SZ("Président €"), "Président €", []string{"Président €"}, 0, false, "Président €"},
		{"sz control chars shown safely", detect.SZ("a\tb"), "a\tb", []string{"a\tb"}, 0, false, "a\uFFFDb"},
		{"empty sz", detect.RegValue{Type: detect.RegSZ}, "", []string{""}, 0, false, ""},
		{"multi", detect.MultiSZ("a", "", "c"), "a\n\nc", []string{"a", "", "c"}, 0, false, "a\uFFFD\uFFFDc"},
		{"multi empty", detect.MultiSZ(), "", nil, 0, false, ""},
		{"multi unterminated", detect.RegValue{Type: detect.RegMultiSZ, Data: []byte{'a', 0, 0, 0, 'b', 0}}, "a\nb", []string{"a", "b"}, 0, false, "a\uFFFDb"},
		{"dword", detect.DWORD(0xdeadbeef), "3735928559", nil, 0xdeadbeef, true, "3735928559"},
		{"dword long buffer", detect.RegValue{Type: detect.RegDWORD, Data: []byte{1, 0, 0, 0, 9}}, "1", nil, 1, true, "1"},
		{"dword short", detect.RegValue{Type: detect.RegDWORD, Data: []byte{1, 0}}, "0100", nil, 0, false, "0100"},
		{"qword", detect.QWORD(1 << 40), "1099511627776", nil, 1 << 40, true, "1099511627776"},
		{"qword short", detect.RegValue{Type: detect.RegQWORD, Data: []byte{1}}, "01", nil, 0, false, "01"},
		{"binary", detect.Binary([]byte{0xde, 0xad}), "dead", nil, 0, false, "dead"},
		{"none", detect.RegValue{Type: detect.RegNone}, "", nil, 0, false, ""},
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
			if got := tt.v.Display(); got != tt.display {
				t.Errorf("Display = %q, want %q", got, tt.display)
			}
		})
	}
}

func TestDisplayBounded(t *testing.T) {
	v := detect.SZ(strings.Repeat("é", 10000))
	d := v.Display()
	if n := utf8.RuneCountInString(d); n > 300 || !strings.HasSuffix(d, "...") {
		t.Errorf("Display of a huge value has %d runes, want it truncated with ...", n)
	}
	bad := detect.RegValue{Type: detect.RegBinary, Data: []byte(strings.Repeat("\xff", 10000))}
	if d := bad.Display(); len(d) > 1000 || !utf8.ValidString(d) {
		t.Errorf("Display of huge binary is %d bytes", len(d))
	}
}

// FuzzRegValue feeds arbitrary typed data to every decoder: no panics,
// valid UTF-8 out, bounded display, and output no larger than a small
// multiple of the input.
func FuzzRegValue(f *testing.F) {
	f.Add(uint32(1), []byte("a\x00b\x00\x00\x00"))
	f.Add(uint32(7), []byte("a\x00\x00\x00b\x00\x00\x00\x00\x00"))
	f.Add(uint32(4), []byte{1, 2, 3})
	f.Add(uint32(11), []byte{1, 2, 3, 4, 5, 6, 7, 8})
	f.Add(uint32(2), []byte{0x00, 0xd8, 0x00, 0xdc, 0x00})
	f.Add(uint32(3), []byte{0xff})
	f.Fuzz(func(t *testing.T, typ uint32, data []byte) {
		v := detect.RegValue{Type: detect.ValueType(typ), Data: data}
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
		d := v.Display()
		if !utf8.ValidString(d) || utf8.RuneCountInString(d) > 260 {
			t.Fatalf("Display unbounded or invalid: %q", d)
		}
	})
}

// TestMultiSZBounded: a REG_MULTI_SZ of very many strings is only looked at
// up to a bound (the engine's rules), and the element past it isn't seen.
func TestMultiSZBounded(t *testing.T) {
	ss := make([]string, 5000)
	for i := range ss {
		ss[i] = "x"
	}
	ss[4999] = "needle"
	h := serverHost()
	h.SetValue(updKey, "M", detect.MultiSZ(ss...))
	h.SetValue(updKey, "N", detect.MultiSZ("a", "needle"))
	cat := testCatalog(
		bulletin("MS1", patch("KB1", regValue(updKey, "M", catalog.OpEquals, "needle"))),
		bulletin("MS2", patch("KB2", regValue(updKey, "N", catalog.OpEquals, "needle"))))
	got := byKB(scan(t, cat, detect.Options{}, h))
	if got["KB1"].Status != detect.StatusMissing || got["KB2"].Status != detect.StatusInstalled {
		t.Errorf("KB1 = %s (want missing: element 5000 is past the bound), KB2 = %s (want installed)", got["KB1"].Status, got["KB2"].Status)
	}
}
