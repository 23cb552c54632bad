package detect_test

import (
	"fmt"
	"testing"

	"github.com/patchscan/patchscan/catalog"
	"github.com/patchscan/patchscan/detect"
)

func TestOpenVulnerabilities(t *testing.T) {
	kernel := `%SystemRoot%\System32\ntoskrnl.exe`
	withCVEs := func(p catalog.Patch, sev int, cves ...string) catalog.Patch {
		p.CVEs, p.SeverityID = cves, sev
		return p
	}
	missing := func(kb string) catalog.Patch { return osPatch(kb, "10.0.17763.9000", mServer2019) }
	installed := func(kb string) catalog.Patch { return osPatch(kb, "10.0.17763.1", mServer2019) }
	warning := osPatch("KB3", "", mServer2019)
	warning.FileChecks = []catalog.FileCheck{fc(kernel, "10.0.17763.1")} // not cumulative: newer file = warning
	superseded := missing("KB5")
	superseded.SupersededBy = []catalog.Supersedence{{BulletinID: "B2", SQNumber: "KB2"}}

	cat := modernCatalog(
		bulletin("B1", withCVEs(missing("KB1"), 2, "CVE-2026-21510", "CVE-2026-9999", "cve-2025-999", "CVE-2026-20")),
		bulletin("B2", withCVEs(installed("KB2"), 2, "CVE-2026-20")),
		bulletin("B3", withCVEs(warning, 1, "CVE-2026-300")),
		bulletin("B4", withCVEs(missing("KB4"), 1, "CVE-2026-400")),
		bulletin("B5", withCVEs(superseded, 1, "CVE-2026-500")),
		bulletin("B6", withCVEs(osPatch("KB6", "10.0.26100.9999", mWin11_24H2), 1, "CVE-2026-600")),
		bulletin("B7", withCVEs(missing("KB7"), 3, "CVE-2026-21510")),
		bulletin("B8", withCVEs(missing("KB8"), 3, "CVE-2026-9999")),
	)
	cat.Vulnerabilities = []catalog.Vulnerability{
		{CVE: "CVE-2026-21510", SeverityID: 1, Exploited: true},
		{CVE: "CVE-2026-9999"}, // no severity: the most severe applicable patch's (KB1, Important)
	}
	rep := scan(t, cat, detect.Options{Suppress: []string{"KB4"}}, server2019.host())
	got := fmt.Sprintf("%+v", rep.Vulnerabilities)
	want := fmt.Sprintf("%+v", []detect.Vulnerability{
		{CVE: "CVE-2025-999", Severity: "Important", FixedBy: []string{"KB1"}},
		{CVE: "CVE-2026-9999", Severity: "Important", FixedBy: []string{"KB1", "KB8"}},
		{CVE: "CVE-2026-21510", Severity: "Critical", Exploited: true, FixedBy: []string{"KB1", "KB7"}},
	})
	// Not open: CVE-2026-20 (KB2 installed), CVE-2026-300 (only a warning),
	// CVE-2026-400 (KB4 suppressed), CVE-2026-500 (KB5 superseded by KB2),
	// CVE-2026-600 (Windows 11 only).
	if got != want {
		t.Errorf("open vulnerabilities\n got %s\nwant %s", got, want)
	}
	r := byKB(rep)
	if r["KB5"].Status != detect.StatusSuperseded || r["KB3"].Status != detect.StatusWarning || fmt.Sprint(r["KB1"].CVEs) != "[CVE-2026-21510 CVE-2026-9999 cve-2025-999 CVE-2026-20]" {
		t.Errorf("setup: KB5 %s, KB3 %s, KB1 CVEs %v", r["KB5"].Status, r["KB3"].Status, r["KB1"].CVEs)
	}
}

// TestNoOpenVulnerabilities: a compliant host, or a catalog without CVEs,
// has none (nil, not an empty list).
func TestNoOpenVulnerabilities(t *testing.T) {
	p := osPatch("KB1", "10.0.17763.1", mServer2019)
	p.CVEs = []string{"CVE-2026-1"}
	for _, cat := range []*catalog.Catalog{modernCatalog(bulletin("B", p)), modernCatalog(bulletin("B", osPatch("KB2", "10.0.17763.9000", mServer2019)))} {
		if rep := scan(t, cat, detect.Options{}, server2019.host()); rep.Vulnerabilities != nil {
			t.Errorf("vulnerabilities = %+v, want none", rep.Vulnerabilities)
		}
	}
}
