package detect_test

import (
	"testing"

	"github.com/patchscan/patchscan/catalog"
	"github.com/patchscan/patchscan/detect"
	"github.com/patchscan/patchscan/facts"
)

// TestMultiSZBounded: a REG_MULTI_SZ of very many strings is only looked at
// up to a bound (the engine's rules), and the element past it isn't seen.
func TestMultiSZBounded(t *testing.T) {
	ss := make([]string, 5000)
	for i := range ss {
		ss[i] = "x"
	}
	ss[4999] = "needle"
	h := serverHost()
	h.SetValue(updKey, "M", facts.MultiSZ(ss...))
	h.SetValue(updKey, "N", facts.MultiSZ("a", "needle"))
	cat := testCatalog(
		bulletin("MS1", patch("KB1", regValue(updKey, "M", catalog.OpEquals, "needle"))),
		bulletin("MS2", patch("KB2", regValue(updKey, "N", catalog.OpEquals, "needle"))))
	got := byKB(scan(t, cat, detect.Options{}, h))
	if got["KB1"].Status != detect.StatusMissing || got["KB2"].Status != detect.StatusInstalled {
		t.Errorf("KB1 = %s (want missing: element 5000 is past the bound), KB2 = %s (want installed)", got["KB1"].Status, got["KB2"].Status)
	}
}
