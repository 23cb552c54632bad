package main

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/internal/imagelab"
	"github.com/patchscan/patchscan/scan/image"
	"github.com/patchscan/patchscan/scan/winrm/winrmtest"
)

// Modern Windows through the whole tool (issue 11 item 7): `patchscan
// catalog import msrc` of Microsoft's February 2026 document, then `patchscan
// scan --transport winrm` of hosts whose registry is REAL hives (imagelab:
// a Windows 10 SYSTEM hive, SAM and SECURITY, with each release's identity
// values merged in by hivex) read by the offline image reader behind the
// WinRM test server (Samba cannot present Windows 10+; no Windows host is
// available), reports in every format checked against the schemas.

// modernReport is a ScanReport as these tests read it back.
type modernReport struct {
	XMLName xml.Name `xml:"urn:patchscan:report:2 ScanReport"`
	Catalog string   `xml:"catalogVersion,attr"`
	Date    string   `xml:"catalogDate,attr"`
	Hosts   []struct {
		Status string `xml:"status,attr"`
		OS     struct {
			Name             string `xml:"name,attr"`
			Product          string `xml:"product,attr"`
			Build            string `xml:"build,attr"`
			UBR              string `xml:"ubr,attr"`
			InstallationType string `xml:"installationType,attr"`
			Architecture     string `xml:"architecture,attr"`
		} `xml:"OS"`
		Products []struct {
			ID   int    `xml:"id,attr"`
			Name string `xml:"name,attr"`
		} `xml:"Products>Product"`
		Vulnerabilities []struct {
			CVE       string `xml:"cve,attr"`
			Exploited bool   `xml:"exploited,attr"`
			FixedBy   string `xml:"fixedBy,attr"`
		} `xml:"Vulnerability"`
		Results []struct {
			Bulletin string `xml:"bulletin,attr"`
			KB       string `xml:"kb,attr"`
			Product  int    `xml:"product,attr"`
			Status   string `xml:"status,attr"`
			Via      string `xml:"via,attr"`
			CVEs     string `xml:"cves,attr"`
			Checks   []struct {
				Kind   string `xml:"kind,attr"`
				Result string `xml:"result,attr"`
			} `xml:"Check"`
		} `xml:"Result"`
	} `xml:"Host"`
}

// winrmImageHost serves an imagelab image over the WinRM test server and
// returns the flags that scan it.
func winrmImageHost(t *testing.T, o imagelab.OS, files ...string) []string {
	t.Helper()
	h, err := image.Open(imagelab.Build(t, imagelab.Spec{Reg: []string{o.Reg()}, Files: o.Files(files...)}), image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	const user, password = "audit", "Modern-Windows-1"
	srv, err := winrmtest.Start(winrmtest.Options{Account: winrmtest.Account{User: user, Password: password}, TLS: true, Host: h})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	ca, err := srv.WriteCAFile(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(envPassword, password)
	return []string{"-u", `LAB\` + user, "--transport", "winrm", "--winrm-port", strconv.Itoa(srv.Port), "--winrm-ca", ca, "127.0.0.1"}
}

// scanModern scans one host with --format xml into a report directory,
// checks every document against the schemas and returns the exit code and
// the report.
func scanModern(t *testing.T, args ...string) (int, modernReport) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "reports")
	code, stdout, stderr := runScanCLI(t, "", append([]string{"--format", "xml", "--out", out}, args...)...)
	stdoutFile := filepath.Join(t.TempDir(), "stdout.xml")
	if err := os.WriteFile(stdoutFile, []byte(stdout), 0o600); err != nil {
		t.Fatal(err)
	}
	xsdCheck(t, reportXSD, stdoutFile)
	xsdCheck(t, reportXSD, runFile(t, out, "127.0.0.1.xml"))
	xsdCheck(t, rollupXSD, runFile(t, out, "rollup.xml"))
	var rep modernReport
	if err := xml.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("%v\nstderr: %s", err, stderr)
	}
	if len(rep.Hosts) != 1 || rep.Hosts[0].Status != "scanned" {
		t.Fatalf("hosts %+v\nstderr: %s", rep.Hosts, stderr)
	}
	return code, rep
}

func TestScanModernWindows(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir()) // no cached catalog of the machine's
	feb := filepath.Join(t.TempDir(), "2026-Feb.xml")
	if code, _, stderr := runCatalogCLI(t, "", "import", "msrc", "-o", feb, msrcDocs+"cvrfDocument-2026-Feb.xml.gz"); code != 0 {
		t.Fatalf("import: exit %d\n%s", code, stderr)
	}
	kernel := []string{`System32\ntoskrnl.exe`, `System32\localspl.dll`}

	for _, c := range []struct {
		name string
		run  func(t *testing.T, feb string, kernel []string)
	}{
		{"Server 2019 at UBR 8388: KB5075904 missing, its 24 CVEs open", modernServer2019Behind},
		{"Server 2025 Core on the hotpatch branch: compliant through KB5075942", modernServer2025Hotpatch},
		{"Windows 11 24H2 x64 at 26100.7840: KB5077181 installed, named Windows 11", modernWindows11},
		{"embedded catalog, Server 2019 at UBR 6660: no warning (issue 11's first bug)", modernEmbeddedServer2019},
	} {
		t.Run(c.name, func(t *testing.T) { c.run(t, feb, kernel) })
	}
}

func modernServer2019Behind(t *testing.T, feb string, kernel []string) {
	code, rep := scanModern(t, append([]string{"--catalog", feb}, winrmImageHost(t, imagelab.Server2019(8388), kernel...)...)...)
	h := rep.Hosts[0]
	if code != ExitMissing || rep.Date != "2026-03-01" || h.OS.Build != "17763" || h.OS.UBR != "8388" {
		t.Errorf("exit %d, catalog date %q, OS %+v", code, rep.Date, h.OS)
	}
	var cves []string
	for _, r := range h.Results {
		if r.KB == "KB5075904" && r.Product == h.Products[0].ID {
			cves = strings.Fields(r.CVEs)
			if r.Status != "missing" || len(r.Checks) != 1 || r.Checks[0].Kind != "build" || r.Checks[0].Result != "fail" {
				t.Errorf("KB5075904: %+v", r)
			}
		}
	}
	var open []string
	for _, v := range h.Vulnerabilities {
		open = append(open, v.CVE)
		if v.FixedBy != "KB5075904" {
			t.Errorf("%s fixed by %q", v.CVE, v.FixedBy)
		}
	}
	slices.Sort(cves)
	if len(cves) != 24 || !slices.Equal(open, cves) {
		t.Errorf("open CVEs %v, want KB5075904's 24 %v", open, cves)
	}
}

func modernServer2025Hotpatch(t *testing.T, feb string, kernel []string) {
	o := imagelab.Server2025(32313)
	o.InstallationType, o.EditionID = "Server Core", "ServerDatacenterCore"
	code, rep := scanModern(t, append([]string{"--catalog", feb}, winrmImageHost(t, o, kernel...)...)...)
	h := rep.Hosts[0]
	if code != ExitCompliant || len(h.Vulnerabilities) != 0 || h.Products[0].Name != "Windows Server 2025 (Server Core installation)" || h.OS.InstallationType != "Server Core" {
		t.Errorf("exit %d, %d open CVEs, products %+v, OS %+v", code, len(h.Vulnerabilities), h.Products, h.OS)
	}
	found := false
	for _, r := range h.Results {
		if r.KB == "KB5075899" && r.Product == h.Products[0].ID {
			found = r.Status == "installed" && r.Via == "KB5075942"
		}
	}
	if !found {
		t.Errorf("KB5075899 not installed via KB5075942: %+v", h.Results)
	}
}

func modernWindows11(t *testing.T, feb string, kernel []string) {
	code, rep := scanModern(t, append([]string{"--catalog", feb}, winrmImageHost(t, imagelab.Windows11(7840), kernel...)...)...)
	h := rep.Hosts[0]
	if code != ExitCompliant || h.OS.Name != "Windows 11 Pro" || h.OS.Product != "Windows 10 Pro" || h.OS.Architecture != "AMD64" ||
		h.Products[0].Name != "Windows 11 Version 24H2 for x64-based Systems" {
		t.Errorf("exit %d, OS %+v, products %+v", code, h.OS, h.Products)
	}
	for _, r := range h.Results {
		if r.KB == "KB5077181" && r.Product == h.Products[0].ID && r.Status != "installed" {
			t.Errorf("KB5077181 %s", r.Status)
		}
		if r.Status != "not-applicable" && r.Product != h.Products[0].ID {
			t.Errorf("%s judged %s on product %d", r.KB, r.Status, r.Product)
		}
	}
}

func modernEmbeddedServer2019(t *testing.T, feb string, kernel []string) {
	o := imagelab.Server2019(6660)
	code, rep := scanModern(t, winrmImageHost(t, o, kernel...)...)
	h := rep.Hosts[0]
	// Zerologon and PrintNightmare are fixed at 6660; the embedded
	// catalog's MSRC data (to February 2026) finds the host behind
	// December 2025's update and later ones: missing, by build.
	if code != ExitMissing {
		t.Errorf("exit %d, want %d (the 2025-Dec to 2026-Feb updates are missing at UBR 6660)", code, ExitMissing)
	}
	want := map[string]string{"CVE-2020-1472": "installed", "CVE-2021-34527": "installed"}
	for _, r := range h.Results {
		if r.Status == "warning" {
			t.Errorf("%s %s: warning", r.Bulletin, r.KB)
		}
		if r.Status == "missing" && r.Bulletin != "2025-Dec" && r.Bulletin != "2026-Jan" && r.Bulletin != "2026-Feb" {
			t.Errorf("%s %s missing on a host at 17763.6660", r.Bulletin, r.KB)
		}
		if w, ok := want[r.Bulletin]; ok && r.Product != 0 {
			if r.Status != w {
				t.Errorf("%s %s: %s, want %s", r.Bulletin, r.KB, r.Status, w)
			}
			delete(want, r.Bulletin)
		}
	}
	if len(want) != 0 {
		t.Errorf("no verdict for %v", want)
	}
}
