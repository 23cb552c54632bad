package detect

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/patchscan/patchscan/facts"
	"github.com/patchscan/patchscan/internal/textsafe"
)

// TestCleanRegValues: host values quoted in reasons are valid UTF-8, and
// the characters XML cannot carry are replaced (tabs and line breaks are
// data: the terminal writers neutralise them).
func TestCleanRegValues(t *testing.T) {
	tests := []struct {
		v    facts.RegValue
		want string
	}{
		{facts.SZ("6.1"), "6.1"},
		{facts.SZ("Président €"), "Président €"},
		{facts.SZ("a\tb"), "a\tb"},
		{facts.SZ("a\x1b[31mb"), "a\uFFFD[31mb"},
		{facts.RegValue{Type: facts.RegSZ, Data: []byte{0x3d, 0xd8, 'x', 0}}, "\uFFFDx"},
		{facts.MultiSZ("a", "", "c"), "a\n\nc"},
		{facts.DWORD(0xdeadbeef), "3735928559"},
		{facts.Binary([]byte{0xde, 0xad}), "dead"},
	}
	for _, tt := range tests {
		if got := clean(tt.v.Text()); got != tt.want {
			t.Errorf("clean(%v) = %q, want %q", tt.v, got, tt.want)
		}
	}
}

func TestCleanBounded(t *testing.T) {
	d := clean(facts.SZ(strings.Repeat("é", 10000)).Text())
	if len(d) > maxShown || !strings.HasSuffix(d, textsafe.ValueCut) {
		t.Errorf("a huge value shows as %d bytes, want it cut at %d with %s", len(d), maxShown, textsafe.ValueCut)
	}
	bad := facts.RegValue{Type: facts.RegBinary, Data: []byte(strings.Repeat("\xff", 10000))}
	if d := clean(bad.Text()); len(d) > maxShown || !utf8.ValidString(d) {
		t.Errorf("huge binary shows as %d bytes", len(d))
	}
}
