package report

import (
	"bytes"
	"encoding/xml"
	"errors"
	"flag"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/patchscan/patchscan/configcheck"
	"github.com/patchscan/patchscan/detect"
	"github.com/patchscan/patchscan/internal/testenv"
	"github.com/patchscan/patchscan/internal/textsafe"
	"github.com/patchscan/patchscan/scan"
	"github.com/patchscan/patchscan/scan/transport"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden/report")

var (
	t0       = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	testMeta = Meta{ToolVersion: "1.0.0-test", CatalogVersion: "2026.11.1", CatalogDate: "2026-11-22", Baseline: "patchscan default baseline 2026.11.1", Generated: t0}
)

// fixtureConfig has a configuration check of every status, with details
// and advice, and a hostile detail.
func fixtureConfig() *configcheck.Report {
	return &configcheck.Report{Baseline: "patchscan default baseline 2026.11.1", Facts: 50, Batches: 1, Results: []configcheck.Result{
		{ID: "smb-signing", Title: "SMB server signing", Severity: "Important", Status: configcheck.StatusFail,
			Reason:  `The SMB server does not require signing (HKLM\SYSTEM\CurrentControlSet\Services\LanmanServer\Parameters\RequireSecuritySignature): SMB sessions can be relayed and tampered with on the way.`,
			Details: []string{`RequireSecuritySignature = 0 (not required) [HKLM\SYSTEM\CurrentControlSet\Services\LanmanServer\Parameters\RequireSecuritySignature]`},
			Advice:  `Enable "Microsoft network server: Digitally sign communications (always)".`},
		{ID: "admin-count", Title: "Administrators", Severity: "Moderate", Status: configcheck.StatusWarning,
			Reason:  "3 accounts and groups are members of the Administrators group: WS01\\Administrator; LAB\\Domain Admins; S-1-5-21-1-2-3-1105.",
			Details: []string{"Administrators members = 3", "Administrators members: WS01\\Administrator (S-1-5-21-4-5-6-500)", "Administrators members: evil\x1b[31m<b>&"},
			Advice:  "Keep the Administrators group small."},
		{ID: "audit-policy", Title: "Auditing", Severity: "Moderate", Status: configcheck.StatusError,
			Reason: "The check could not be decided: the audit policy could not be read: MS-LSAD audit policy: access denied."},
		{ID: "shares", Title: "File shares", Severity: "Moderate", Status: configcheck.StatusInfo,
			Reason: "1 shares are present besides the administrative ones: Team (D:\\Team): LAB\\Team change."},
		{ID: "wdigest", Title: "WDigest clear-text credentials", Severity: "Important", Status: configcheck.StatusPass,
			Reason: "WDigest does not keep passwords in memory (UseLogonCredential 0, absent: off by default from Windows 8.1 / Server 2012 R2 on)."},
		{ID: "rdp-nla", Title: "Remote Desktop without Network Level Authentication", Severity: "Important", Status: configcheck.StatusNotApplicable,
			Reason: "Remote Desktop is off (absent: Remote Desktop is off by default)."},
	}}
}

// fixtureHosts covers every host status and every result status, a
// missing service pack, reasons and every check result.
func fixtureHosts() []scan.HostResult {
	w2008r2 := detect.OS{Product: "Windows Server 2008 R2 Standard", Version: "6.1", Build: "7601", CSDVersion: "Service Pack 1",
		ServicePack: 1, EditionID: "ServerStandard", ProductType: "ServerNT", Language: "1033", SystemRoot: `C:\Windows`}
	w7 := detect.OS{Product: "Windows 7 Professional", Version: "6.1", Build: "7600", ServicePack: 0,
		ProductType: "WinNT", Language: "1031", SystemRoot: `C:\Windows`}
	srv := `C:\Windows\System32\drivers\srv.sys`
	ms17010 := detect.Result{Kind: detect.KindPatch, BulletinID: "MS17-010", KB: "KB4012212", PatchName: "Windows6.1-KB4012212-x64.msu",
		Title: "Security Update for Microsoft Windows SMB Server (4013389)", Severity: "Critical", ProductID: 10, Status: detect.StatusMissing,
		Released: "2017-03-14", // due 2017-03-15: long overdue
		Reasons:  []string{"File " + srv + " has version 6.1.7601.17514; 6.1.7601.23689 or later is required."},
		Checks:   []detect.Check{{Kind: detect.CheckFile, Path: srv, Expected: "6.1.7601.23689", Found: "6.1.7601.17514", Result: detect.CheckFail}}}
	hosts := []scan.HostResult{
		{
			Target: "ws01.lab.test", Name: "WS01", Address: "127.0.0.21", Domain: "LAB", Transport: "smb",
			Status: transport.Scanned, Started: t0.Add(time.Second), Finished: t0.Add(3 * time.Second),
			Config: fixtureConfig(),
			Report: &detect.Report{
				OS:       w2008r2,
				Products: []detect.ProductRef{{ID: 10, Name: "Windows Server 2008 R2"}},
				Results: []detect.Result{
					ms17010,
					{Kind: detect.KindPatch, BulletinID: "MS15-034", KB: "KB3042553", Title: "Vulnerability in HTTP.sys", Severity: "Critical",
						ProductID: 10, Status: detect.StatusWarning,
						Reasons: []string{`File C:\Windows\System32\drivers\http.sys has a file version [6.1.7601.24000] greater than what is expected [6.1.7601.18772].`},
						Checks:  []detect.Check{{Kind: detect.CheckFile, Path: `C:\Windows\System32\drivers\http.sys`, Expected: "6.1.7601.18772", Found: "6.1.7601.24000", Result: detect.CheckNewer}}},
					{Kind: detect.KindPatch, BulletinID: "MS09-050", KB: "KB975517", Severity: "Critical", ProductID: 10, Status: detect.StatusNote,
						Reasons: []string{"The patch has no detection criteria for this product: it cannot be confirmed."}},
					{Kind: detect.KindPatch, BulletinID: "MS12-020", KB: "KB2621440", Severity: "Critical", ProductID: 10, Status: detect.StatusError,
						Reasons: []string{`File C:\Windows\System32\drivers\rdpwd.sys could not be read: access denied.`},
						Checks:  []detect.Check{{Kind: detect.CheckFile, Path: `C:\Windows\System32\drivers\rdpwd.sys`, Expected: "6.1.7601.17779", Result: detect.CheckUnreadable}}},
					{Kind: detect.KindPatch, BulletinID: "MS08-067", KB: "KB958644", Severity: "Critical", ProductID: 10, Status: detect.StatusSuperseded,
						SupersededBy: "MS17-010 KB4012212"},
					{Kind: detect.KindPatch, BulletinID: "MS10-061", KB: "KB2347290", Severity: "Critical", ProductID: 10, Status: detect.StatusInstalled,
						Checks: []detect.Check{{Kind: detect.CheckRegistry, Path: `HKLM\SOFTWARE\Microsoft\Updates\KB2347290\Installed`, Expected: "1", Found: "1", Result: detect.CheckPass}}},
					{Kind: detect.KindPatch, BulletinID: "CVE-2020-0796", KB: "KB4551762", Severity: "Critical", ProductID: 0, Status: detect.StatusNotApplicable},
					// One KB in several catalog patches (MSRC: a patch per
					// KB and product set): told apart in text by the
					// installer file, identical ones folded.
					{Kind: detect.KindPatch, BulletinID: "2026-Feb", KB: "KB5075899", PatchName: "windows10.0-kb5075899-x64.msu", Status: detect.StatusNotApplicable,
						Reasons: []string{"No product affected by this patch was detected on this host."}},
					{Kind: detect.KindPatch, BulletinID: "2026-Feb", KB: "KB5075899", PatchName: "windows10.0-kb5075899-arm64.msu", Status: detect.StatusNotApplicable,
						Reasons: []string{"No product affected by this patch was detected on this host."}},
					{Kind: detect.KindPatch, BulletinID: "2026-Feb", KB: "KB5075912", Status: detect.StatusNotApplicable,
						Reasons: []string{"No product affected by this patch was detected on this host."}},
					{Kind: detect.KindPatch, BulletinID: "2026-Feb", KB: "KB5075912", Status: detect.StatusNotApplicable,
						Reasons: []string{"No product affected by this patch was detected on this host."}},
				},
				Facts: 12, Batches: 2,
			},
		},
		{
			Target: "127.0.0.22", Name: "PC02", Address: "127.0.0.22", Domain: "LAB", Transport: "smb",
			Status: transport.Scanned, Started: t0.Add(time.Second), Finished: t0.Add(4 * time.Second),
			Report: &detect.Report{
				OS:       w7,
				Products: []detect.ProductRef{{ID: 20, Name: "Windows 7"}},
				Results: []detect.Result{
					{Kind: detect.KindServicePack, KB: "Service Pack 1", Title: "Windows 7 Service Pack 1", ProductID: 20, Status: detect.StatusMissing,
						Released: "2011-02-22", // unrated: due a month later
						Reasons:  []string{"Windows 7 is at service pack level 0; Service Pack 1 is current."}},
					func() detect.Result { r := ms17010; r.ProductID = 20; r.KB = "KB4012212"; return r }(),
					{Kind: detect.KindPatch, BulletinID: "MS14-068", KB: "KB3011780", Severity: "Critical", ProductID: 20, Status: detect.StatusNotApplicable},
				},
			},
		},
		{
			Target: "srv03", Name: "SRV03", Address: "127.0.0.23", Transport: "winrm",
			Status: transport.Scanned, Started: t0.Add(time.Second), Finished: t0.Add(2 * time.Second),
			Report: &detect.Report{
				OS:       w2008r2,
				Products: []detect.ProductRef{{ID: 10, Name: "Windows Server 2008 R2"}},
				Results: []detect.Result{
					{Kind: detect.KindPatch, BulletinID: "MS17-010", KB: "KB4012212", Severity: "Critical", ProductID: 10, Status: detect.StatusInstalled},
				},
			},
		},
		modernHost(),
		{Target: "127.0.0.24", Address: "127.0.0.24", Transport: "smb", Status: transport.Unreachable,
			Error: errors.New("dial tcp 127.0.0.24:445: connection refused; check that the host is up and TCP 445 is open"), Started: t0, Finished: t0.Add(5 * time.Second)},
		{Target: "ws05", Name: "WS05", Address: "127.0.0.25", Transport: "smb", Status: transport.AuthFailed,
			Error: errors.New("logon failure for LAB\\scanner: check the user name and password"), Started: t0, Finished: t0.Add(time.Second)},
		{Target: "ws06", Name: "WS06", Address: "127.0.0.26", Transport: "smb", Status: transport.AccessDenied,
			Error:   errors.New(`access denied to the remote registry (winreg) of 127.0.0.26 as LAB\scanner: the account must be a local administrator of the host; check with: net use \\127.0.0.26\C$ /user:LAB\scanner`),
			Started: t0, Finished: t0.Add(time.Second)},
		{Target: "ws07", Name: "WS07", Address: "127.0.0.27", Transport: "winrm", Status: transport.Failed,
			Error: nil, Started: t0, Finished: t0.Add(time.Second)},
	}
	for i := range hosts {
		hosts[i].Seq = i
	}
	return hosts
}

// completionOrder is the fixture hosts in the order a run might finish
// them: fast failures first, the first host of the input last.
func completionOrder(hosts []scan.HostResult) []scan.HostResult {
	order := []int{5, 4, 2, 7, 3, 1, 6, 0}
	out := make([]scan.HostResult, len(hosts))
	for i, j := range order {
		out[i] = hosts[j]
	}
	return out
}

// modernHost is a hotpatched Windows Server 2025 Core a month behind:
// FixedBuild checks, an update installed through its hotpatch
// alternative, CVE lists and open vulnerabilities (catalog format 2).
func modernHost() scan.HostResult {
	cves := []string{"CVE-2026-21510", "CVE-2026-21513"}
	build := func(want, found string, res detect.CheckResult) []detect.Check {
		return []detect.Check{{Kind: detect.CheckBuild, Path: `HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\CurrentBuildNumber.UBR`, Expected: want, Found: found, Result: res}}
	}
	return scan.HostResult{
		Target: "srv25", Name: "SRV25", Address: "127.0.0.28", Domain: "LAB", Transport: "winrm",
		Status: transport.Scanned, Started: t0.Add(time.Second), Finished: t0.Add(2 * time.Second),
		Report: &detect.Report{
			OS: detect.OS{Product: "Windows Server 2025 Datacenter", Name: "Windows Server 2025 Datacenter", Version: "6.3", Build: "26100", UBR: "32313",
				DisplayVersion: "24H2", EditionID: "ServerDatacenter", InstallationType: "Server Core", ProductType: "ServerNT", Architecture: "AMD64",
				Language: "1033", SystemRoot: `C:\Windows`},
			Products: []detect.ProductRef{{ID: 12437, Name: "Windows Server 2025 (Server Core installation)"}},
			Vulnerabilities: []detect.Vulnerability{
				{CVE: "CVE-2026-20841", Severity: "Important", FixedBy: []string{"KB5078001"}},
				{CVE: "CVE-2026-21533", Severity: "Critical", Exploited: true, FixedBy: []string{"KB5078001", "KB5078002"}},
			},
			Results: []detect.Result{
				{Kind: detect.KindPatch, BulletinID: "2026-Feb", KB: "KB5075899", Title: "February 2026 Security Updates", Severity: "Critical", ProductID: 12437,
					Status: detect.StatusInstalled, Via: "KB5075942", SubType: "Security Update", CVEs: cves,
					Reasons: []string{"Installed through its alternative KB5075942 (Security Hotpatch Update), which fixes the same vulnerabilities and is installed."},
					Checks:  build("26100.32370", "26100.32313", detect.CheckFail)},
				{Kind: detect.KindPatch, BulletinID: "2026-Feb", KB: "KB5075942", Title: "February 2026 Security Updates", Severity: "Critical", ProductID: 12437,
					Status: detect.StatusInstalled, SubType: "Security Hotpatch Update", CVEs: cves, Checks: build("26100.32313", "26100.32313", detect.CheckPass)},
				{Kind: detect.KindPatch, BulletinID: "2026-Mar", KB: "KB5078001", Title: "March 2026 Security Updates", Severity: "Critical", ProductID: 12437,
					Status: detect.StatusMissing, SubType: "Security Update", CVEs: []string{"CVE-2026-20841", "CVE-2026-21533"},
					Released: "2026-11-22", // due tomorrow: not overdue
					Reasons:  []string{"The OS build is 26100.32313; 26100.32522 (FixedBuild 10.0.26100.32522) or later in the same build is required for this patch to be considered installed."},
					Checks:   build("26100.32522", "26100.32313", detect.CheckFail)},
				{Kind: detect.KindPatch, BulletinID: "2026-Mar", KB: "KB5078003", Severity: "Important", ProductID: 12437, Status: detect.StatusNote, CVEs: []string{"CVE-2026-20900"},
					Reasons: []string{"The patch cannot be confirmed on this host: it is for OS build 26200 (FixedBuild 10.0.26200.8000) and the host runs build 26100."}},
			},
		},
	}
}

// hostile is a host whose every string is hostile: control characters,
// terminal escapes, invalid UTF-8, "]]>", markup, bidi overrides, and very
// long values.
func hostile() scan.HostResult {
	bad := "a\x00b\x01c\x1b[31mred\x1b[0m\x7f\u009b2J\xff\xfe<x>&amp;]]>\"'\t\n\r\u202eevil\ufffe\U0001F600"
	long := strings.Repeat("<&\x00é", 100_000)
	return scan.HostResult{
		Target: bad, Name: "../../etc/passwd\x00" + bad, Address: "127.0.0.99", Domain: bad, Transport: bad,
		Status: transport.Scanned, Error: errors.New(bad), Started: t0, Finished: t0.Add(time.Second),
		Report: &detect.Report{
			OS: detect.OS{Product: bad, Name: bad, Version: bad, Build: long, UBR: bad, DisplayVersion: bad, CSDVersion: bad, EditionID: bad,
				InstallationType: bad, ProductType: bad, Architecture: bad, Language: bad, SystemRoot: bad},
			Products:        []detect.ProductRef{{ID: 1, Name: bad}},
			Vulnerabilities: []detect.Vulnerability{{CVE: bad, Severity: bad, Exploited: true, FixedBy: []string{bad, long}}},
			Results: []detect.Result{
				{Kind: detect.KindPatch, BulletinID: bad, KB: bad, PatchName: bad, Title: long, Severity: bad, ProductID: 1, Status: detect.StatusMissing,
					Reasons: []string{bad, long, "]]>", "<![CDATA[x]]>"}, SupersededBy: bad, Via: bad, SubType: bad, CVEs: []string{bad, long},
					Checks: []detect.Check{{Kind: detect.CheckRegistry, Path: bad, Expected: bad, Found: long, Result: detect.CheckFail}}},
				{Kind: detect.KindServicePack, KB: bad, ProductID: 1, Status: detect.StatusMissing},
			},
		},
	}
}

// golden compares got with testdata/golden/report/name, or rewrites it
// with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("..", "testdata", "golden", "report", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./report -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test ./report -update rewrites it after review)\n--- got ---\n%s\n--- want ---\n%s", name, got, want)
	}
}

// wellFormed parses doc with a strict XML parser.
func wellFormed(t *testing.T, doc []byte) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(doc))
	d.Strict = true
	for {
		_, err := d.Token()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, textsafe.Text(string(doc), 2000))
		}
	}
}

// validate checks doc against an XSD with xmllint. Without xmllint it
// skips (the subtest only) locally and fails under CI=true.
func validate(t *testing.T, xsd string, doc []byte) {
	t.Helper()
	t.Run("xsd", func(t *testing.T) {
		xmllint := testenv.Xmllint(t)
		f := filepath.Join(t.TempDir(), "doc.xml")
		if err := os.WriteFile(f, doc, 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(xmllint, "--noout", "--nonet", "--schema", xsd, f).CombinedOutput()
		if err != nil {
			t.Fatalf("xmllint --schema %s: %v\n%s", xsd, err, out)
		}
	})
}

const (
	reportXSD = "report.xsd"
	rollupXSD = "rollup.xsd"
)
