package detect_test

import (
	"slices"
	"testing"

	"github.com/patchscan/patchscan/catalog"
	"github.com/patchscan/patchscan/detect"
)

// february builds the shape of MSRC's 2026-Feb release for Server 2025
// and Windows 11 24H2: a Security Update and a Security Hotpatch Update
// for each, alternatives of each other, fixing the same CVEs.
func february() catalog.Bulletin {
	cves := []string{"CVE-2026-21510", "CVE-2026-21513", "CVE-2026-21519"}
	std := osPatch("KB5075899", "10.0.26100.32370", mServer2025)
	hot := osPatch("KB5075942", "10.0.26100.32313", mServer2025)
	hot.SubType = "Security Hotpatch Update"
	std.Alternatives, hot.Alternatives = []string{"KB5075942"}, []string{"KB5075899"}
	w11 := osPatch("KB5077181", "10.0.26100.7840", mWin11_24H2)
	w11hot := osPatch("KB5077212", "10.0.26100.7781", mWin11_24H2)
	w11hot.SubType = "Security Hotpatch Update"
	w11.Alternatives, w11hot.Alternatives = []string{"KB5077212"}, []string{"KB5077181"}
	ps := []catalog.Patch{std, hot, w11, w11hot}
	for i := range ps {
		ps[i].CVEs = cves
	}
	return bulletin("2026-Feb", ps...)
}

func TestAlternatives(t *testing.T) {
	tests := []struct {
		name   string
		hs     hostSpec
		opts   detect.Options
		want   map[string]detect.Status
		via    map[string]string
		reason map[string]string
		open   []string
	}{
		{
			name: "hotpatched Server 2025: the standard update is installed through the hotpatch",
			hs:   server2025.with(func(h *hostSpec) { h.ubr = 32313 }),
			want: map[string]detect.Status{"KB5075899": detect.StatusInstalled, "KB5075942": detect.StatusInstalled},
			via:  map[string]string{"KB5075899": "KB5075942", "KB5075942": ""},
			reason: map[string]string{"KB5075899": "Installed through its alternative KB5075942 (Security Hotpatch Update), " +
				"which fixes the same vulnerabilities and is installed."},
		},
		{
			name: "standard branch past both: each installed by its own check",
			hs:   server2025,
			want: map[string]detect.Status{"KB5075899": detect.StatusInstalled, "KB5075942": detect.StatusInstalled},
			via:  map[string]string{"KB5075899": "", "KB5075942": ""},
		},
		{
			name: "behind both: both missing, the CVEs open, fixed by either",
			hs:   server2025.with(func(h *hostSpec) { h.ubr = 32200 }),
			want: map[string]detect.Status{"KB5075899": detect.StatusMissing, "KB5075942": detect.StatusMissing},
			open: []string{"CVE-2026-21510", "CVE-2026-21513", "CVE-2026-21519"},
		},
		{
			name: "approved list names only the standard update: the hotpatch is still evaluated",
			hs:   server2025.with(func(h *hostSpec) { h.ubr = 32313 }),
			opts: detect.Options{Approved: []string{"KB5075899"}},
			want: map[string]detect.Status{"KB5075899": detect.StatusInstalled},
			via:  map[string]string{"KB5075899": "KB5075942"},
		},
		{
			name: "Windows 11 24H2 at 7840: both installed, no Server 2025 KB judged",
			hs:   win11,
			want: map[string]detect.Status{"KB5077181": detect.StatusInstalled, "KB5077212": detect.StatusInstalled,
				"KB5075899": detect.StatusNotApplicable, "KB5075942": detect.StatusNotApplicable},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := scan(t, modernCatalog(february()), tt.opts, tt.hs.host())
			got := byKB(rep)
			for kb, st := range tt.want {
				if got[kb].Status != st {
					t.Errorf("%s = %s, want %s (%q)", kb, got[kb].Status, st, got[kb].Reasons)
				}
			}
			if _, ok := got["KB5075942"]; ok && tt.opts.Approved != nil {
				t.Errorf("the unapproved hotpatch is reported")
			}
			for kb, via := range tt.via {
				if got[kb].Via != via {
					t.Errorf("%s via %q, want %q", kb, got[kb].Via, via)
				}
			}
			for kb, why := range tt.reason {
				if !slices.Equal(got[kb].Reasons, []string{why}) {
					t.Errorf("%s reasons %q, want %q", kb, got[kb].Reasons, why)
				}
			}
			var open []string
			for _, v := range rep.Vulnerabilities {
				open = append(open, v.CVE)
				if !slices.Equal(v.FixedBy, []string{"KB5075899", "KB5075942"}) {
					t.Errorf("%s fixed by %v, want both updates", v.CVE, v.FixedBy)
				}
			}
			if !slices.Equal(open, tt.open) {
				t.Errorf("open CVEs %v, want %v", open, tt.open)
			}
		})
	}
}

// TestAlternativesBounds: an alternative only counts inside its bulletin,
// only when it is installed by its own checks (no chains), and never for
// a patch that does not apply.
func TestAlternativesBounds(t *testing.T) {
	a := osPatch("KBA", "10.0.17763.9000", mServer2019)
	b := osPatch("KBB", "10.0.17763.9100", mServer2019)
	c := osPatch("KBC", "10.0.17763.1", mServer2019)
	a.Alternatives = []string{"KBB"} // B is missing too: no help
	b.Alternatives = []string{"KBC"} // C is installed: B installed via C
	c.Alternatives = nil
	d := osPatch("KBD", "10.0.17763.9200", mServer2019)
	d.Alternatives = []string{"KBE"} // E is in another bulletin
	e := osPatch("KBE", "10.0.17763.1", mServer2019)
	w := osPatch("KBW", "10.0.26100.9999", mWin11_24H2)
	w.Alternatives = []string{"KBC"} // not applicable here: stays so
	cat := modernCatalog(bulletin("B1", a, b, c, d, w), bulletin("B2", e))
	got := byKB(scan(t, cat, detect.Options{}, server2019.host()))
	// A and D are not installed: their builds are not reached, and no
	// alternative stands in (MBSA's disagreement note does not apply to a
	// FixedBuild, whose missing verdict is exact; see noteDisagreement).
	for kb, want := range map[string]struct {
		st  detect.Status
		via string
	}{
		"KBA": {detect.StatusMissing, ""}, // B is installed only through C: alternatives do not chain
		"KBB": {detect.StatusInstalled, "KBC"},
		"KBC": {detect.StatusInstalled, ""},
		"KBD": {detect.StatusMissing, ""}, // E is of another bulletin: no alternative
		"KBE": {detect.StatusInstalled, ""},
		"KBW": {detect.StatusNotApplicable, ""},
	} {
		if got[kb].Status != want.st || got[kb].Via != want.via {
			t.Errorf("%s = %s via %q, want %s via %q (%q)", kb, got[kb].Status, got[kb].Via, want.st, want.via, got[kb].Reasons)
		}
	}
}
