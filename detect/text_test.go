package detect

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/patchscan/patchscan/facts"
)

// TestCleanRegValues: host values quoted in reasons are valid UTF-8 with
// control characters replaced.
func TestCleanRegValues(t *testing.T) {
	tests := []struct {
		v    facts.RegValue
		want string
	}{
		{facts.SZ("6.1"), "6.1"},
		{facts.SZ("Président €"), "Président €"},
		{facts.SZ("a\tb"), "a\uFFFDb"},
		{facts.RegValue{Type: facts.RegSZ, Data: []byte{0x3d, 0xd8, 'x', 0}}, "\uFFFDx"},
		{facts.MultiSZ("a", "", "c"), "a\uFFFD\uFFFDc"},
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
	if n := utf8.RuneCountInString(d); n > 300 || !strings.HasSuffix(d, "...") {
		t.Errorf("a huge value shows as %d runes, want it truncated with ...", n)
	}
	bad := facts.RegValue{Type: facts.RegBinary, Data: []byte(strings.Repeat("\xff", 10000))}
	if d := clean(bad.Text()); len(d) > 1000 || !utf8.ValidString(d) {
		t.Errorf("huge binary shows as %d bytes", len(d))
	}
}
