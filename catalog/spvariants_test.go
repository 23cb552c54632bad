package catalog_test

import (
	"context"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/catalog"
	"github.com/patchscan/patchscan/detect"
	"github.com/patchscan/patchscan/detect/memhost"
	"github.com/patchscan/patchscan/facts"
	"github.com/patchscan/patchscan/internal/winkeys"
)

const (
	ntCV    = winkeys.NTCurrentVersion
	prodOpt = winkeys.ProductOptions
	netapi  = `C:\Windows\System32\netapi32.dll`
)

// host is an English Windows XP or Server 2003 host at a service pack
// level, with netapi32.dll at a version.
func host(version, productType string, sp int, netapiVersion string) *memhost.Host {
	h := memhost.New()
	h.SetValue(ntCV, "CurrentVersion", facts.SZ(version))
	if sp > 0 {
		h.SetValue(ntCV, "CSDVersion", facts.SZ("Service Pack "+string(rune('0'+sp))))
	}
	h.SetValue(ntCV, "SystemRoot", facts.SZ(`C:\Windows`))
	h.SetValue(prodOpt, "ProductType", facts.SZ(productType))
	h.SetFile(netapi, facts.FileInfo{Size: 1000, Version: netapiVersion})
	return h
}

// verdict is what a test expects of one patch result.
type verdict struct {
	line   int // the Patch's line in sp-variants.xml
	status detect.Status
	reason string // a substring of a reason; "" = don't care
}

// TestSPVariantsThroughEngine: patches of one package for disjoint service
// packs never both apply, so each host gets the verdict of its own service
// pack's patch and the engine's "several patches of one bulletin disagree"
// note never fires.
func TestSPVariantsThroughEngine(t *testing.T) {
	cat, err := catalog.LoadFile("../testdata/catalogs/sp-variants.xml")
	if err != nil {
		t.Fatal(err)
	}
	line := map[int]int{} // patch line -> index in the bulletin
	for i, p := range cat.Bulletins[0].Patches {
		line[p.Line] = i
	}
	const (
		xpSP3  = 41 // 5.1.2600.5694
		xpSP2  = 45 // 5.1.2600.3462
		srvSP2 = 49 // 5.2.3790.4392
		srvSP1 = 53 // 5.2.3790.3229
	)
	for _, l := range []int{xpSP3, xpSP2, srvSP2, srvSP1} {
		if _, ok := line[l]; !ok {
			t.Fatalf("no patch at line %d of sp-variants.xml (lines: %v)", l, line)
		}
	}
	na := func(l int) verdict { return verdict{l, detect.StatusNotApplicable, "only at service pack level"} }
	tests := []struct {
		name string
		h    *memhost.Host
		want []verdict
	}{
		{"XP SP2 patched", host("5.1", "WinNT", 2, "5.1.2600.3462"), []verdict{
			{xpSP2, detect.StatusInstalled, ""}, na(xpSP3), {srvSP2, detect.StatusNotApplicable, "No product"}, {srvSP1, detect.StatusNotApplicable, "No product"},
		}},
		{"XP SP2 unpatched", host("5.1", "WinNT", 2, "5.1.2600.2180"), []verdict{
			{xpSP2, detect.StatusMissing, "5.1.2600.3462 or later is required"}, na(xpSP3),
		}},
		// The SP3 patch's version is newer than the SP2 one: were both
		// applicable, this host would be "installed" by one and
		// "missing" by the other, and the missing one a note.
		{"XP SP3 patched", host("5.1", "WinNT", 3, "5.1.2600.5694"), []verdict{
			{xpSP3, detect.StatusInstalled, ""}, na(xpSP2),
		}},
		{"XP SP3 at the SP2 patch's version", host("5.1", "WinNT", 3, "5.1.2600.3462"), []verdict{
			{xpSP3, detect.StatusMissing, "5.1.2600.5694 or later is required"}, na(xpSP2),
		}},
		{"XP SP1: no patch for it", host("5.1", "WinNT", 1, "5.1.2600.1106"), []verdict{
			na(xpSP3), na(xpSP2),
		}},
		{"Server 2003 SP1 patched", host("5.2", "ServerNT", 1, "5.2.3790.3229"), []verdict{
			{srvSP1, detect.StatusInstalled, ""}, na(srvSP2), {xpSP3, detect.StatusNotApplicable, "No product"},
		}},
		{"Server 2003 SP2 with a later file", host("5.2", "ServerNT", 2, "5.2.3790.4500"), []verdict{
			{srvSP2, detect.StatusWarning, ""}, na(srvSP1),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := detect.New(cat, detect.Options{}).Scan(context.Background(), tt.h)
			if err != nil {
				t.Fatal(err)
			}
			var patches []detect.Result
			for _, r := range rep.Results {
				if r.Kind == detect.KindPatch {
					patches = append(patches, r)
				}
				if r.Status == detect.StatusNote {
					t.Errorf("note for %s %s: %q", r.BulletinID, r.KB, r.Reasons)
				}
			}
			if len(patches) != len(cat.Bulletins[0].Patches) {
				t.Fatalf("%d patch results, want one per patch (%d)", len(patches), len(cat.Bulletins[0].Patches))
			}
			for _, w := range tt.want {
				// Results come in catalog order, one per patch.
				r := patches[line[w.line]]
				if r.Status != w.status || !strings.Contains(strings.Join(r.Reasons, " "), w.reason) {
					t.Errorf("patch at line %d (%s): %s %q; want %s with %q", w.line, r.PatchName, r.Status, r.Reasons, w.status, w.reason)
				}
			}
		})
	}
}

// TestOverlapWouldNote shows why the loader rejects overlapping duplicates:
// built by hand (the loader refuses this catalog), two patches of one
// package that both apply to an SP2 host disagree, and the engine can only
// say "cannot be confirmed".
func TestOverlapWouldNote(t *testing.T) {
	cat, err := catalog.LoadFile("../testdata/catalogs/sp-variants.xml")
	if err != nil {
		t.Fatal(err)
	}
	ps := cat.Bulletins[0].Patches
	ps[0].Affected[0].ServicePackIDs = nil // the SP3 patch now applies at every level
	rep, err := detect.New(cat, detect.Options{}).Scan(context.Background(), host("5.1", "WinNT", 2, "5.1.2600.3462"))
	if err != nil {
		t.Fatal(err)
	}
	var notes int
	for _, r := range rep.Results {
		if r.Status == detect.StatusNote && strings.Contains(strings.Join(r.Reasons, " "), "disagree") {
			notes++
		}
	}
	if notes != 1 {
		t.Errorf("want the engine's disagreement note once, got %d: %+v", notes, rep.Results)
	}
}
