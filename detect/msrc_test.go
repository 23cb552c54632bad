package detect_test

import (
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/catalog"
	"github.com/patchscan/patchscan/catalog/msrc/msrctest"
	"github.com/patchscan/patchscan/detect"
)

// The acceptance verdicts, on Microsoft's own data: the shared
// February 2026 CVRF document (../catalog/default/msrc, provenance in its
// README), converted by the MSRC importer, judged by the engine on
// memhost hosts with the registry values each Windows writes.

// patchCVEs is the CVE list of a KB's patch for a product of the catalog.
func patchCVEs(t *testing.T, cat *catalog.Catalog, kb, product string) []string {
	t.Helper()
	ids := map[int]string{}
	for _, p := range cat.Products {
		ids[p.ID] = p.Name
	}
	for _, b := range cat.Bulletins {
		for _, p := range b.Patches {
			for _, a := range p.Affected {
				if p.SQNumber == kb && ids[a.ProductID] == product {
					return p.CVEs
				}
			}
		}
	}
	t.Fatalf("no %s patch for %s", kb, product)
	return nil
}

func openCVEs(rep *detect.Report) []string {
	var out []string
	for _, v := range rep.Vulnerabilities {
		out = append(out, v.CVE)
	}
	sort.Strings(out)
	return out
}

func productNames(rep *detect.Report) []string {
	var out []string
	for _, p := range rep.Products {
		out = append(out, p.Name)
	}
	return out
}

func TestFebruary2026Server2019(t *testing.T) {
	cat := msrctest.February2026(t)
	e := detect.New(cat, detect.Options{})
	for _, tt := range []struct {
		name    string
		hs      hostSpec
		product string
	}{
		{"Server 2019", server2019, "Windows Server 2019"},
		{"Server 2019 Core", server2019.with(func(h *hostSpec) { h.installType = "Server Core" }), "Windows Server 2019 (Server Core installation)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cves := slices.Sorted(slices.Values(patchCVEs(t, cat, "KB5075904", tt.product)))
			if len(cves) != 24 {
				t.Fatalf("KB5075904 lists %d CVEs for %s, want 24", len(cves), tt.product)
			}
			// UBR 8388: one short of the fix.
			rep := scanWith(t, e, tt.hs.with(func(h *hostSpec) { h.ubr = 8388 }))
			if got := productNames(rep); !slices.Equal(got, []string{tt.product}) {
				t.Fatalf("products %q, want %q", got, tt.product)
			}
			r := resultOn(rep, "KB5075904")
			if r.Status != detect.StatusMissing || !slices.Equal(slices.Sorted(slices.Values(r.CVEs)), cves) {
				t.Errorf("UBR 8388: KB5075904 %s with %d CVEs (%q), want missing with its 24", r.Status, len(r.CVEs), r.Reasons)
			}
			if got := openCVEs(rep); !slices.Equal(got, cves) {
				t.Errorf("UBR 8388: open CVEs %v\nwant KB5075904's %v", got, cves)
			}
			for _, v := range rep.Vulnerabilities {
				if !slices.Equal(v.FixedBy, []string{"KB5075904"}) || v.Severity == "" {
					t.Errorf("%s: fixed by %v, severity %q", v.CVE, v.FixedBy, v.Severity)
				}
			}
			// UBR 8389: the fix itself.
			rep = scanWith(t, e, tt.hs.with(func(h *hostSpec) { h.ubr = 8389 }))
			if r := resultOn(rep, "KB5075904"); r.Status != detect.StatusInstalled || len(rep.Vulnerabilities) != 0 {
				t.Errorf("UBR 8389: KB5075904 %s (%q), %d CVEs open; want installed, none", r.Status, r.Reasons, len(rep.Vulnerabilities))
			}
		})
	}
}

func TestFebruary2026Server2025Hotpatch(t *testing.T) {
	cat := msrctest.February2026(t)
	e := detect.New(cat, detect.Options{})
	for _, core := range []bool{false, true} {
		hs := server2025.with(func(h *hostSpec) {
			h.ubr = 32313
			if core {
				h.installType = "Server Core"
			}
		})
		rep := scanWith(t, e, hs)
		if len(rep.Products) != 1 || !strings.HasPrefix(rep.Products[0].Name, "Windows Server 2025") {
			t.Fatalf("core %v: products %q", core, productNames(rep))
		}
		if len(rep.Vulnerabilities) != 0 {
			t.Errorf("core %v: February CVEs open on a hotpatched Server 2025: %v", core, openCVEs(rep))
		}
		if r := resultOn(rep, "KB5075942"); r.Status != detect.StatusInstalled || r.SubType != "Security Hotpatch Update" {
			t.Errorf("core %v: hotpatch KB5075942 %s %q", core, r.Status, r.SubType)
		}
		if r := resultOn(rep, "KB5075899"); r.Status != detect.StatusInstalled || r.Via != "KB5075942" {
			t.Errorf("core %v: KB5075899 %s via %q (%q), want installed via KB5075942", core, r.Status, r.Via, r.Reasons)
		}
		for _, r := range rep.Results {
			if !r.Status.Compliant() {
				t.Errorf("core %v: %s %s (%q)", core, r.KB, r.Status, r.Reasons)
			}
		}
	}
	// One UBR short of the hotpatch: every February CVE of Server 2025 open,
	// each closed by either update.
	rep := scanWith(t, e, server2025.with(func(h *hostSpec) { h.ubr = 32312 }))
	if len(rep.Vulnerabilities) == 0 {
		t.Fatal("a Server 2025 behind both February updates has no open CVE")
	}
	for _, v := range rep.Vulnerabilities {
		if !slices.Contains(v.FixedBy, "KB5075899") || !slices.Contains(v.FixedBy, "KB5075942") {
			t.Errorf("%s fixed by %v, want both KB5075899 and KB5075942", v.CVE, v.FixedBy)
		}
	}
}

func TestFebruary2026Windows11(t *testing.T) {
	cat := msrctest.February2026(t)
	server := map[int]bool{}
	for _, p := range cat.Products {
		if strings.HasPrefix(p.Name, "Windows Server 2025") {
			server[p.ID] = true
		}
	}
	for _, arch := range []string{"AMD64", "ARM64"} {
		rep := scanWith(t, detect.New(cat, detect.Options{}), win11.with(func(h *hostSpec) { h.arch = arch }))
		want := map[string]string{"AMD64": "Windows 11 Version 24H2 for x64-based Systems", "ARM64": "Windows 11 Version 24H2 for ARM64-based Systems"}[arch]
		if got := productNames(rep); !slices.Equal(got, []string{want}) {
			t.Fatalf("%s: products %q, want %q", arch, got, want)
		}
		if rep.OS.Name != "Windows 11 Pro" {
			t.Errorf("%s: OS name %q", arch, rep.OS.Name)
		}
		if r := resultOn(rep, "KB5077181"); r.Status != detect.StatusInstalled {
			t.Errorf("%s: KB5077181 %s (%q)", arch, r.Status, r.Reasons)
		}
		for _, r := range rep.Results {
			if server[r.ProductID] || (r.Status != detect.StatusNotApplicable && r.Status != detect.StatusInstalled) {
				t.Errorf("%s: %s judged %s on product %d (%q)", arch, r.KB, r.Status, r.ProductID, r.Reasons)
			}
		}
		if len(rep.Vulnerabilities) != 0 {
			t.Errorf("%s: open CVEs %v", arch, openCVEs(rep))
		}
	}
}

// resultOn is a KB's result for the product detected on the host (a KB
// has a patch per product set: byKB would keep any of them).
func resultOn(rep *detect.Report, kb string) detect.Result {
	for _, r := range rep.Results {
		if r.KB == kb && len(rep.Products) > 0 && r.ProductID == rep.Products[0].ID {
			return r
		}
	}
	return detect.Result{}
}

func scanWith(t *testing.T, e *detect.Engine, hs hostSpec) *detect.Report {
	t.Helper()
	rep, err := e.Scan(t.Context(), hs.host())
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestFebruary2026OtherHosts: Windows 10 22H2 by its FixedBuild, and
// Server 2012 R2, whose 6.3 monthly rollup the MSRC data cannot check (the
// importer makes it a note, never a guess).
func TestFebruary2026OtherHosts(t *testing.T) {
	e := detect.New(msrctest.February2026(t), detect.Options{})
	server2012R2 := hostSpec{product: "Windows Server 2012 R2 Standard", edition: "ServerStandard", build: 9600, ubr: 23022,
		productType: "ServerNT", installType: "Server", arch: "AMD64"}
	for _, tt := range []struct {
		name    string
		hs      hostSpec
		product string
		want    detect.Status
		open    bool
	}{
		{"Windows 10 22H2 patched", win10, "Windows 10 Version 22H2 for x64-based Systems", detect.StatusInstalled, false},
		{"Windows 10 22H2 one UBR short", win10.with(func(h *hostSpec) { h.ubr = 6936 }), "Windows 10 Version 22H2 for x64-based Systems", detect.StatusMissing, true},
		{"Windows 10 22H2 x86", win10.with(func(h *hostSpec) { h.arch = "x86" }), "Windows 10 Version 22H2 for 32-bit Systems", detect.StatusInstalled, false},
		{"Server 2012 R2: a note", server2012R2, "Windows Server 2012 R2", detect.StatusNote, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rep := scanWith(t, e, tt.hs)
			if got := productNames(rep); !slices.Equal(got, []string{tt.product}) {
				t.Fatalf("products %q, want %q", got, tt.product)
			}
			n := 0
			for _, r := range rep.Results {
				if r.Status == detect.StatusNotApplicable {
					continue
				}
				n++
				if r.Status != tt.want {
					t.Errorf("%s %s (%q), want %s", r.KB, r.Status, r.Reasons, tt.want)
				}
			}
			if n == 0 {
				t.Error("no February patch applies")
			}
			if (len(rep.Vulnerabilities) > 0) != tt.open {
				t.Errorf("open CVEs %v", openCVEs(rep))
			}
		})
	}
}
