package detect_test

import (
	"testing"

	"github.com/patchscan/patchscan/catalog/msrc"
	"github.com/patchscan/patchscan/detect"
)

// TestDecember2025OneMonthBehind: MSRC's 2025-Dec document lists Windows
// 11 24H2's October and November updates (for CVEs it revises) next to
// December's KB5072033. A host on November's build (26100.7171) has the
// older two and lacks December's: KB5072033 is missing - not MBSA's
// "patches of one bulletin disagree" note - and its CVEs are open.
func TestDecember2025OneMonthBehind(t *testing.T) {
	d, err := msrc.ParseFile("../catalog/default/msrc/cvrfDocument-2025-Dec.xml.gz", msrc.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	cat, _, err := msrc.Convert([]*msrc.Document{d})
	if err != nil {
		t.Fatal(err)
	}
	e := detect.New(cat, detect.Options{})
	rep := scanWith(t, e, win11.with(func(h *hostSpec) { h.ubr = 7171 }))
	for kb, want := range map[string]detect.Status{"KB5066835": detect.StatusInstalled, "KB5068861": detect.StatusInstalled, "KB5072033": detect.StatusMissing} {
		if r := resultOn(rep, kb); r.Status != want {
			t.Errorf("26100.7171: %s %s (%q), want %s", kb, r.Status, r.Reasons, want)
		}
	}
	if len(rep.Vulnerabilities) == 0 {
		t.Error("26100.7171: no CVE open although December's update is missing")
	}
	rep = scanWith(t, e, win11.with(func(h *hostSpec) { h.ubr = 7462 }))
	if r := resultOn(rep, "KB5072033"); r.Status != detect.StatusInstalled || len(rep.Vulnerabilities) != 0 {
		t.Errorf("26100.7462: KB5072033 %s (%q), open %v", r.Status, r.Reasons, openCVEs(rep))
	}
}
