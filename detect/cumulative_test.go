package detect_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/catalog"
	"github.com/patchscan/patchscan/detect"
	"github.com/patchscan/patchscan/detect/memhost"
	"github.com/patchscan/patchscan/facts"
)

func TestFixedBuild(t *testing.T) {
	tests := []struct {
		name       string
		fixedBuild string
		host       func(h *memhost.Host)
		want       detect.Status
		reason     string        // must be among the reasons, verbatim ("" = none expected)
		check      *detect.Check // the build check recorded, when one is
	}{
		{
			name: "same build, later UBR: installed", fixedBuild: "10.0.17763.1397", want: detect.StatusInstalled,
			check: &detect.Check{Kind: detect.CheckBuild, Path: `HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\CurrentBuildNumber.UBR`, Expected: "17763.1397", Found: "17763.6660", Result: detect.CheckPass},
		},
		{name: "same build, same UBR: installed", fixedBuild: "10.0.17763.6660", want: detect.StatusInstalled},
		{
			name: "same build, lower UBR: missing", fixedBuild: "10.0.17763.8389", want: detect.StatusMissing,
			reason: "The OS build is 17763.6660; 17763.8389 (FixedBuild 10.0.17763.8389) or later in the same build is required for this patch to be considered installed.",
			check:  &detect.Check{Kind: detect.CheckBuild, Path: `HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\CurrentBuildNumber.UBR`, Expected: "17763.8389", Found: "17763.6660", Result: detect.CheckFail},
		},
		{
			name: "another build: note naming both, never a guess", fixedBuild: "10.0.17134.2000", want: detect.StatusNote,
			reason: "The patch cannot be confirmed on this host: it is for OS build 17134 (FixedBuild 10.0.17134.2000) and the host runs build 17763.",
		},
		{
			name: "a higher build is not 'later': note", fixedBuild: "10.0.17000.1", want: detect.StatusNote,
			reason: "The patch cannot be confirmed on this host: it is for OS build 17000 (FixedBuild 10.0.17000.1) and the host runs build 17763.",
		},
		{
			name: "UBR absent counts as 0: missing", fixedBuild: "10.0.17763.1", host: func(h *memhost.Host) { h.DeleteValue(ntCV, "UBR") },
			want: detect.StatusMissing, reason: "The OS build is 17763.0; 17763.1 (FixedBuild 10.0.17763.1) or later in the same build is required for this patch to be considered installed.",
		},
		{
			name: "UBR absent, FixedBuild UBR 0: installed", fixedBuild: "10.0.17763.0", host: func(h *memhost.Host) { h.DeleteValue(ntCV, "UBR") },
			want: detect.StatusInstalled,
		},
		{
			name: "UBR unreadable: error", fixedBuild: "10.0.17763.1397",
			host: func(h *memhost.Host) {
				h.SetError(facts.Request{Kind: facts.FactRegValue, Key: ntCV, Name: "UBR"}, facts.ErrAccessDenied)
			},
			want: detect.StatusError, reason: `The OS build cannot be checked: the host's UBR (HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion) could not be read: access denied.`,
		},
		{
			name: "UBR not a number: error", fixedBuild: "10.0.17763.1397", host: func(h *memhost.Host) { h.SetValue(ntCV, "UBR", facts.SZ("six")) },
			want: detect.StatusError, reason: "The OS build cannot be checked: the host's UBR has an unusable value [six].",
		},
		{
			name: "UBR as a decimal string is read", fixedBuild: "10.0.17763.1397", host: func(h *memhost.Host) { h.SetValue(ntCV, "UBR", facts.SZ("6660")) },
			want: detect.StatusInstalled,
		},
		{
			name: "CurrentBuildNumber unreadable: error", fixedBuild: "10.0.17763.1397",
			host: func(h *memhost.Host) {
				h.SetError(facts.Request{Kind: facts.FactRegValue, Key: ntCV, Name: "CurrentBuildNumber"}, errors.New("timeout"))
			},
			// The product is unknown then: product detection reads the same value.
			want: detect.StatusError,
		},
		{
			name: "FixedBuild of three parts (a hand-built catalog): error", fixedBuild: "10.0.17763", want: detect.StatusError,
			reason: "The OS build cannot be checked: the catalog's FixedBuild 10.0.17763 is not a four-part version (major.minor.build.UBR).",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := osPatch("KB5075904", tt.fixedBuild, mServer2019)
			cat := modernCatalog(bulletin("2026-Feb", p))
			h := server2019.host()
			if tt.host != nil {
				tt.host(h)
			}
			rep := scan(t, cat, detect.Options{}, h)
			r := byKB(rep)["KB5075904"]
			if r.Status != tt.want {
				t.Fatalf("status = %s, want %s (reasons %q)", r.Status, tt.want, r.Reasons)
			}
			if tt.reason != "" && !slices.Contains(r.Reasons, tt.reason) {
				t.Errorf("reasons = %q\nwant among them %q", r.Reasons, tt.reason)
			}
			if tt.want == detect.StatusInstalled && len(r.Reasons) != 0 {
				t.Errorf("installed with reasons %q", r.Reasons)
			}
			if tt.check != nil && !slices.Contains(r.Checks, *tt.check) {
				t.Errorf("checks = %+v\nwant among them %+v", r.Checks, *tt.check)
			}
			if tt.want == detect.StatusNote && len(r.Checks) != 0 {
				t.Errorf("a FixedBuild of another build recorded a check: %+v", r.Checks)
			}
			// FixedBuild reads identity values only: no fact of its own.
			if rep.Batches != 1 {
				t.Errorf("batches = %d, want 1 (build and UBR come with the identity values)", rep.Batches)
			}
		})
	}
}

// TestFixedBuildWithOtherChecks: a FixedBuild is one check among the
// patch's others, with MBSA's precedence (a failing check makes it missing
// whatever else holds).
func TestFixedBuildWithOtherChecks(t *testing.T) {
	kernel := `%SystemRoot%\System32\ntoskrnl.exe`
	tests := []struct {
		name       string
		fixedBuild string
		file       string
		want       detect.Status
	}{
		{"build holds, file older: missing", "10.0.17763.1397", "10.0.17763.9000", detect.StatusMissing},
		{"build fails, file holds: missing", "10.0.17763.9000", "10.0.17763.1397", detect.StatusMissing},
		{"other build, file older: missing", "10.0.19041.1", "10.0.17763.9000", detect.StatusMissing},
		{"other build, file holds: note", "10.0.19041.1", "10.0.17763.1397", detect.StatusNote},
		{"both hold: installed", "10.0.17763.1397", "10.0.17763.6660", detect.StatusInstalled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := osPatch("KB1", tt.fixedBuild, mServer2019)
			p.FileChecks = []catalog.FileCheck{fc(kernel, tt.file)}
			rep := scan(t, modernCatalog(bulletin("B", p)), detect.Options{}, server2019.host())
			if r := byKB(rep)["KB1"]; r.Status != tt.want {
				t.Errorf("status = %s, want %s (%q)", r.Status, tt.want, r.Reasons)
			}
		})
	}
}

func TestCumulativeFileCheck(t *testing.T) {
	kernel := `%SystemRoot%\System32\ntoskrnl.exe`
	tests := []struct {
		name       string
		expected   string
		cumulative bool
		want       detect.Status
		result     detect.CheckResult
		reason     string
	}{
		{"cumulative: later UBR of the same branch is installed", "10.0.17763.1397", true, detect.StatusInstalled, detect.CheckPass, ""},
		{"cumulative: exact version is installed", "10.0.17763.6660", true, detect.StatusInstalled, detect.CheckPass, ""},
		{"cumulative: lower is missing", "10.0.17763.8389", true, detect.StatusMissing, detect.CheckFail,
			`File C:\Windows\System32\ntoskrnl.exe has version 10.0.17763.6660; 10.0.17763.8389 or later is required.`},
		{"cumulative: higher version of another branch stays a warning", "10.0.17134.9999", true, detect.StatusWarning, detect.CheckNewer,
			`File C:\Windows\System32\ntoskrnl.exe has a file version [10.0.17763.6660] greater than what is expected [10.0.17134.9999].`},
		{"not cumulative: MBSA's warning for a later version stays", "10.0.17763.1397", false, detect.StatusWarning, detect.CheckNewer,
			`File C:\Windows\System32\ntoskrnl.exe has a file version [10.0.17763.6660] greater than what is expected [10.0.17763.1397].`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := fc(kernel, tt.expected)
			c.Cumulative = tt.cumulative
			p := osPatch("KB1", "", mServer2019)
			p.FileChecks = []catalog.FileCheck{c}
			rep := scan(t, modernCatalog(bulletin("B", p)), detect.Options{}, server2019.host())
			r := byKB(rep)["KB1"]
			if r.Status != tt.want || len(r.Checks) != 1 || r.Checks[0].Result != tt.result {
				t.Fatalf("status = %s, checks %+v; want %s with check %s", r.Status, r.Checks, tt.want, tt.result)
			}
			if tt.reason != "" && !slices.Contains(r.Reasons, tt.reason) {
				t.Errorf("reasons = %q, want %q", r.Reasons, tt.reason)
			}
		})
	}
}

// TestCumulativeChecksum: the checksum belongs to the expected version; a
// later file of the same branch is installed without one, the expected
// version still has it verified.
func TestCumulativeChecksum(t *testing.T) {
	kernel := `%SystemRoot%\System32\ntoskrnl.exe`
	for _, tt := range []struct {
		expected string
		want     detect.Status
	}{
		{"10.0.17763.1397", detect.StatusInstalled},
		{"10.0.17763.6660", detect.StatusMissing}, // same version, checksum differs
	} {
		c := fc(kernel, tt.expected)
		c.Cumulative, c.SHA256 = true, strings.Repeat("c", 64)
		p := osPatch("KB1", "", mServer2019)
		p.FileChecks = []catalog.FileCheck{c}
		h := server2019.host()
		h.SetFile(`C:\Windows\System32\ntoskrnl.exe`, facts.FileInfo{Size: 1, Version: "10.0.17763.6660", SHA256: strings.Repeat("d", 64)})
		rep := scan(t, modernCatalog(bulletin("B", p)), detect.Options{Checksums: detect.ChecksumOn}, h)
		if r := byKB(rep)["KB1"]; r.Status != tt.want {
			t.Errorf("expected %s: status = %s, want %s (%q)", tt.expected, r.Status, tt.want, r.Reasons)
		}
	}
}

// TestNote: a patch the source cannot decide is a note with the catalog's
// text, its checks are not asked, and it is not-applicable where its
// products are absent.
func TestNote(t *testing.T) {
	p := osPatch("KB9", "10.0.17763.1", mServer2019)
	p.FileChecks = []catalog.FileCheck{fc(`%SystemRoot%\System32\never-asked.dll`, "1.0")}
	p.Note = "MSRC gives FixedBuild 1.000 for CVE-2026-0001 on Windows Server 2019; the update cannot be checked."
	other := osPatch("KB10", "", mWin11_24H2)
	other.Note = "cannot decide"
	cat := modernCatalog(bulletin("B", p, other))
	h := server2019.host()
	rep := scan(t, cat, detect.Options{}, h)
	got := byKB(rep)
	if r := got["KB9"]; r.Status != detect.StatusNote || !slices.Equal(r.Reasons, []string{p.Note}) || len(r.Checks) != 0 {
		t.Errorf("KB9 = %s %q %+v, want note with the catalog's text and no checks", r.Status, r.Reasons, r.Checks)
	}
	if r := got["KB10"]; r.Status != detect.StatusNotApplicable {
		t.Errorf("KB10 = %s, want not-applicable (Windows 11 is absent)", r.Status)
	}
	for _, b := range h.Batches() {
		for _, r := range b {
			if strings.Contains(r.Path, "never-asked") {
				t.Errorf("the file check of a Note patch was asked: %+v", r)
			}
		}
	}
}

// TestModernProducts: Windows 11 24H2 and Server 2025 share build 26100;
// neither is judged by the other's patches.
func TestModernProducts(t *testing.T) {
	cat := modernCatalog(bulletin("2026-Feb",
		osPatch("KB5075899", "10.0.26100.32370", mServer2025),
		osPatch("KB5077181", "10.0.26100.7840", mWin11_24H2, mWin11_24ARM),
	))
	for _, tt := range []struct {
		hs       hostSpec
		products []int
		want     map[string]detect.Status
	}{
		{win11, []int{mWin11_24H2}, map[string]detect.Status{"KB5075899": detect.StatusNotApplicable, "KB5077181": detect.StatusInstalled}},
		{win11.with(func(h *hostSpec) { h.arch = "ARM64" }), []int{mWin11_24ARM}, map[string]detect.Status{"KB5075899": detect.StatusNotApplicable, "KB5077181": detect.StatusInstalled}},
		{server2025, []int{mServer2025}, map[string]detect.Status{"KB5075899": detect.StatusInstalled, "KB5077181": detect.StatusNotApplicable}},
	} {
		rep := scan(t, cat, detect.Options{}, tt.hs.host())
		var ids []int
		for _, p := range rep.Products {
			ids = append(ids, p.ID)
		}
		if !slices.Equal(ids, tt.products) {
			t.Errorf("%s %s: products %v, want %v", tt.hs.product, tt.hs.arch, ids, tt.products)
		}
		got := byKB(rep)
		for kb, st := range tt.want {
			if got[kb].Status != st {
				t.Errorf("%s %s: %s = %s, want %s (%q)", tt.hs.product, tt.hs.arch, kb, got[kb].Status, st, got[kb].Reasons)
			}
		}
	}
}
