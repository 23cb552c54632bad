package image_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/patchscan/patchscan/catalog"
	"github.com/patchscan/patchscan/catalog/msrc/msrctest"
	"github.com/patchscan/patchscan/detect"
	"github.com/patchscan/patchscan/internal/imagelab"
)

// Modern Windows end to end (issue 11 item 7). Samba cannot present
// Windows 10 or later (its winreg hides CurrentVersion's build values), so
// these hosts are offline images: real Windows hives (a Windows 10 SYSTEM
// hive, SAM, SECURITY) with each release's identity values merged in by
// hivex, its system files as PE images of the build's version, scanned by
// this package (CurrentControlSet through Select\Current, case-insensitive
// lookups) and judged by the engine on Microsoft's own data: the shared
// February 2026 CVRF document, converted by the MSRC importer.

// systemFiles are the files the embedded catalog's Windows 10+ checks read.
var systemFiles = []string{`System32\ntoskrnl.exe`, `System32\localspl.dll`, `System32\drivers\srv.sys`}

func scanImage(t *testing.T, cat *catalog.Catalog, o imagelab.OS) *detect.Report {
	t.Helper()
	h := open(t, imagelab.Build(t, imagelab.Spec{Reg: []string{o.Reg()}, Files: o.Files(systemFiles...)}))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rep, err := detect.New(cat, detect.Options{}).Scan(ctx, h)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// onProduct is a KB's result for the product detected on the host (the
// importer makes one patch per KB and product set).
func onProduct(rep *detect.Report, kb string) detect.Result {
	for _, r := range rep.Results {
		if r.KB == kb && len(rep.Products) == 1 && r.ProductID == rep.Products[0].ID {
			return r
		}
	}
	return detect.Result{Status: "absent"}
}

func cvesOf(vs []detect.Vulnerability) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.CVE)
	}
	slices.Sort(out)
	return out
}

func core(o imagelab.OS) imagelab.OS {
	o.InstallationType = "Server Core"
	o.EditionID += "Core"
	return o
}

func TestModernWindowsFebruary2026(t *testing.T) {
	cat := msrctest.February2026(t)
	tests := []struct {
		name    string
		os      imagelab.OS
		product string
		osName  string
		kb      string
		status  detect.Status
		via     string
		open    int // open CVEs; -1: the KB's own CVE list
	}{
		{"Server 2019 at UBR 8388", imagelab.Server2019(8388), "Windows Server 2019", "Windows Server 2019 Datacenter",
			"KB5075904", detect.StatusMissing, "", -1},
		{"Server 2019 at UBR 8389", imagelab.Server2019(8389), "Windows Server 2019", "Windows Server 2019 Datacenter",
			"KB5075904", detect.StatusInstalled, "", 0},
		{"Server 2019 Core at UBR 8388", core(imagelab.Server2019(8388)), "Windows Server 2019 (Server Core installation)", "Windows Server 2019 Datacenter",
			"KB5075904", detect.StatusMissing, "", -1},
		{"Server 2025, standard branch", imagelab.Server2025(32370), "Windows Server 2025", "Windows Server 2025 Datacenter",
			"KB5075899", detect.StatusInstalled, "", 0},
		{"Server 2025, hotpatch branch", imagelab.Server2025(32313), "Windows Server 2025", "Windows Server 2025 Datacenter",
			"KB5075899", detect.StatusInstalled, "KB5075942", 0},
		{"Server 2025 Core, hotpatch branch", core(imagelab.Server2025(32313)), "Windows Server 2025 (Server Core installation)", "Windows Server 2025 Datacenter",
			"KB5075899", detect.StatusInstalled, "KB5075942", 0},
		{"Windows 11 24H2 x64", imagelab.Windows11(7840), "Windows 11 Version 24H2 for x64-based Systems", "Windows 11 Pro",
			"KB5077181", detect.StatusInstalled, "", 0},
		{"Windows 10 22H2 one month behind", imagelab.Windows10(6811), "Windows 10 Version 22H2 for x64-based Systems", "Windows 10 Pro",
			"KB5075912", detect.StatusMissing, "", -1},
		{"Server 2012 R2: the data cannot decide", imagelab.Server2012R2(), "Windows Server 2012 R2", "Windows Server 2012 R2 Standard",
			"", detect.StatusNote, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := scanImage(t, cat, tt.os)
			if len(rep.Products) != 1 || rep.Products[0].Name != tt.product {
				t.Fatalf("products %+v, want only %q", rep.Products, tt.product)
			}
			o := rep.OS
			if o.Name != tt.osName || o.Architecture != tt.os.Arch || o.InstallationType != tt.os.InstallationType || o.Build != tt.os.CurrentBuildNumber {
				t.Errorf("OS %+v: want name %q, %s, %s, build %s", o, tt.osName, tt.os.Arch, tt.os.InstallationType, tt.os.CurrentBuildNumber)
			}
			judged := 0
			for _, r := range rep.Results {
				if r.Status == detect.StatusNotApplicable {
					continue
				}
				judged++
				if r.ProductID != rep.Products[0].ID {
					t.Errorf("%s judged %s on product %d, not the host's", r.KB, r.Status, r.ProductID)
				}
				if tt.kb == "" && r.Status != tt.status {
					t.Errorf("%s %s (%q), want %s", r.KB, r.Status, r.Reasons, tt.status)
				}
			}
			if judged == 0 {
				t.Fatal("no February patch judged")
			}
			if tt.kb != "" {
				r := onProduct(rep, tt.kb)
				if r.Status != tt.status || r.Via != tt.via {
					t.Errorf("%s: %s via %q (%q), want %s via %q", tt.kb, r.Status, r.Via, r.Reasons, tt.status, tt.via)
				}
				want := tt.open
				if want < 0 {
					want = len(r.CVEs)
					if got := cvesOf(rep.Vulnerabilities); !slices.Equal(got, slices.Sorted(slices.Values(r.CVEs))) {
						t.Errorf("open CVEs %v, want %s's %v", got, tt.kb, r.CVEs)
					}
				}
				if len(rep.Vulnerabilities) != want {
					t.Errorf("%d open CVEs, want %d", len(rep.Vulnerabilities), want)
				}
			}
		})
	}
}
