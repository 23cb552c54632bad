package image_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/patchscan/patchscan/baseline"
	"github.com/patchscan/patchscan/configcheck"
	"github.com/patchscan/patchscan/internal/imagelab"
	"github.com/patchscan/patchscan/internal/lab"
	"github.com/patchscan/patchscan/scan/image"
)

// win1709 is the identity of the real SYSTEM hive's Windows (10 1709,
// build 16299, a workstation), written into the SOFTWARE hive imagelab
// builds, with the CurrentMajorVersionNumber Windows 10 has.
func win1709() string {
	os := imagelab.OS{ProductName: "Windows 10 Pro", CurrentVersion: "6.3", CurrentBuildNumber: "16299", CurrentBuild: "16299",
		UBR: 15, EditionID: "Professional", InstallationType: "Client", ReleaseID: "1709", ProductType: "WinNT", Arch: "AMD64"}
	return os.Reg() + `
[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion]
"CurrentMajorVersionNumber"=dword:0000000a
`
}

func evaluateImage(t *testing.T, dir string) map[string]configcheck.Result {
	t.Helper()
	h, err := image.Open(dir, image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	b, err := baseline.Default()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rep, err := configcheck.New(b).Evaluate(ctx, h)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]configcheck.Result{}
	for _, r := range rep.Results {
		out[r.ID] = r
	}
	return out
}

// TestConfigOnRealHives evaluates every check of the default baseline on
// an image made of the real hives of testdata/hives (a Windows 10 1709
// workstation's SYSTEM, a real SAM and SECURITY) with nothing written for
// the test but the SOFTWARE identity no real hive gives: the hives' own
// values decide. In particular smb-signing (RequireSecuritySignature 0),
// firewall (EnableFirewall 1 in each profile of ControlSet001, reached
// through Select\Current), rdp-nla (fDenyTSConnections 1: RDP off) and
// wdigest (UseLogonCredential absent: off by default on 6.3).
func TestConfigOnRealHives(t *testing.T) {
	dir := imagelab.Build(t, imagelab.Spec{Reg: []string{win1709()}})
	fail, warn, pass, na := configcheck.StatusFail, configcheck.StatusWarning, configcheck.StatusPass, configcheck.StatusNotApplicable
	want := map[string]configcheck.Status{
		"autologon": pass, "restrict-anonymous": fail, "smb-signing": fail, "smb1": fail, "lm-compat": fail,
		"wdigest": pass, "lsa-ppl": fail, "llmnr": fail, "rdp-nla": na, "firewall": pass, "auto-update": pass,
		"always-install-elevated": pass, "uac": pass, "guest-account": pass, "admin-count": pass,
		"password-expiry": pass, "shares": pass, "audit-policy": warn, "file-system": na, "services": pass,
	}
	says := map[string]string{
		"smb-signing":   `LanmanServer\Parameters\RequireSecuritySignature`,
		"rdp-nla":       `Remote Desktop is off (HKLM\SYSTEM\CurrentControlSet\Control\Terminal Server\fDenyTSConnections)`,
		"wdigest":       "off by default from Windows 8.1",
		"smb1":          "srv Start 2, mrxsmb10 Start 2",
		"admin-count":   "DESKTOP-2KGM189\\Administrator (S-1-5-21-1760460187-1592185332-161725925-500); DESKTOP-2KGM189\\Preston",
		"audit-policy":  "Account management auditing records successes only",
		"guest-account": "The Guest account is disabled.",
		"file-system":   "not on a mounted Windows volume",
	}
	res := evaluateImage(t, dir)
	for id, st := range want {
		r := res[id]
		if r.Status != st {
			t.Errorf("%s: %s %q, want %s\n  details %q", id, r.Status, r.Reason, st, r.Details)
		}
		if w := says[id]; w != "" && !strings.Contains(r.Reason, w) {
			t.Errorf("%s: reason %q does not say %q", id, r.Reason, w)
		}
	}
	if len(res) != len(want) {
		t.Errorf("%d results, want %d", len(res), len(want))
	}
}

// TestConfigOnWeakImage: the lab's weak registry content merged into the
// real hives turns the registry checks round, and the image's own shares
// (LanmanServer\Shares with and without a Security descriptor) are read.
func TestConfigOnWeakImage(t *testing.T) {
	weak, err := os.ReadFile(filepath.Join(lab.RepoRoot(), "testdata", "lab", "config-weak.reg"))
	if err != nil {
		t.Fatal(err)
	}
	shares := `Windows Registry Editor Version 5.00

[HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\LanmanServer\Shares]
"Drop"=hex(7):50,00,61,00,74,00,68,00,3d,00,43,00,3a,00,5c,00,44,00,72,00,6f,00,70,00,00,00,54,00,79,00,70,00,65,00,3d,00,30,00,00,00,00,00

[HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\LanmanServer\Shares\Security]
"Drop"=hex:01,00,04,80,00,00,00,00,00,00,00,00,00,00,00,00,14,00,00,00,02,00,1c,00,01,00,00,00,00,00,14,00,ff,01,1f,00,01,01,00,00,00,00,00,01,00,00,00,00
`
	dir := imagelab.Build(t, imagelab.Spec{Reg: []string{win1709(), string(weak), shares}})
	res := evaluateImage(t, dir)
	for id, w := range map[string]string{
		"autologon": "password of kiosk", "rdp-nla": "without Network Level Authentication",
		"firewall": "public off", "uac": "LocalAccountTokenFilterPolicy 1", "services": "TlntSvr (Telnet): automatic",
		"shares": `Drop: Everyone full`,
	} {
		if r := res[id]; (r.Status != configcheck.StatusFail && r.Status != configcheck.StatusWarning) || !strings.Contains(r.Reason, w) {
			t.Errorf("%s: %s %q, want a failure saying %q", id, r.Status, r.Reason, w)
		}
	}
}

// TestConfigWithoutSAMOrSECURITY: an image without them cannot say who the
// accounts are or what is audited: those checks are not-applicable, with
// the reason, never failed.
func TestConfigWithoutSAMOrSECURITY(t *testing.T) {
	dir := imagelab.Build(t, imagelab.Spec{Reg: []string{win1709()}, NoSAM: true, NoSECURITY: true})
	res := evaluateImage(t, dir)
	for _, id := range []string{"guest-account", "admin-count", "password-expiry", "audit-policy"} {
		r := res[id]
		if r.Status != configcheck.StatusNotApplicable || !strings.Contains(r.Reason, "the image has no") {
			t.Errorf("%s: %s %q, want not-applicable", id, r.Status, r.Reason)
		}
	}
}
