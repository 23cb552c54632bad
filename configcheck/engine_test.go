package configcheck_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/baseline"
	"github.com/patchscan/patchscan/configcheck"
	"github.com/patchscan/patchscan/detect/memhost"
	"github.com/patchscan/patchscan/facts"
)

const (
	cv      = `HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion`
	lsa     = `HKLM\SYSTEM\CurrentControlSet\Control\Lsa`
	lanman  = `HKLM\SYSTEM\CurrentControlSet\Services\LanmanServer\Parameters`
	winlog  = `HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon`
	ts      = `HKLM\SYSTEM\CurrentControlSet\Control\Terminal Server`
	tsPol   = `HKLM\SOFTWARE\Policies\Microsoft\Windows NT\Terminal Services`
	rdpTCP  = ts + `\WinStations\RDP-Tcp`
	fwLocal = `HKLM\SYSTEM\CurrentControlSet\Services\SharedAccess\Parameters\FirewallPolicy`
	fwPol   = `HKLM\SOFTWARE\Policies\Microsoft\WindowsFirewall`
	sysPol  = `HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System`
	auPol   = `HKLM\SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate\AU`
	svcs    = `HKLM\SYSTEM\CurrentControlSet\Services`
)

const machine = "S-1-5-21-1-2-3"

// hardened is a Windows 10 host on which every check of the default
// baseline passes.
func hardened() *memhost.Host {
	h := memhost.New()
	h.SetValue(cv, "CurrentVersion", facts.SZ("6.3"))
	h.SetValue(cv, "CurrentMajorVersionNumber", facts.DWORD(10))
	h.SetValue(cv, "CurrentBuildNumber", facts.SZ("19045"))
	h.SetValue(`HKLM\SYSTEM\CurrentControlSet\Control\ProductOptions`, "ProductType", facts.SZ("WinNT"))
	h.SetValue(lsa, "RestrictAnonymous", facts.DWORD(1))
	h.SetValue(lsa, "LmCompatibilityLevel", facts.DWORD(5))
	h.SetValue(lsa, "RunAsPPL", facts.DWORD(1))
	h.SetValue(lanman, "RequireSecuritySignature", facts.DWORD(1))
	h.SetValue(lanman, "SMB1", facts.DWORD(0))
	h.SetValue(svcs+`\mrxsmb10`, "Start", facts.DWORD(4))
	h.SetValue(`HKLM\SOFTWARE\Policies\Microsoft\Windows NT\DNSClient`, "EnableMulticast", facts.DWORD(0))
	h.SetValue(ts, "fDenyTSConnections", facts.DWORD(0))
	h.SetValue(rdpTCP, "UserAuthentication", facts.DWORD(1))
	h.SetValue(svcs+`\MpsSvc`, "Start", facts.DWORD(2))
	h.SetUsers(
		facts.Account{RID: 500, Name: "Administrator", Flags: facts.AccountNormal | facts.AccountDisabled | facts.AccountPasswordNeverExpires},
		facts.Account{RID: 501, Name: "Guest", Flags: facts.AccountNormal | facts.AccountDisabled},
		facts.Account{RID: 1001, Name: "alice", Flags: facts.AccountNormal},
	)
	h.SetAdministrators(facts.Principal{SID: machine + "-500", Domain: "WS01", Name: "Administrator", Kind: "user"},
		facts.Principal{SID: "S-1-5-21-9-9-9-512", Domain: "CORP", Name: "Domain Admins", Kind: "group"})
	h.SetShares(
		facts.Share{Name: "C$", Type: facts.ShareDisk, Special: true, Path: `C:\`},
		facts.Share{Name: "IPC$", Type: facts.ShareIPC, Special: true},
	)
	h.SetAuditPolicy(auditAll(true, true))
	h.SetVolumes(facts.Volume{Root: `C:\`, FileSystem: "NTFS", PersistentACLs: true, ACLsKnown: true})
	h.SetService(facts.Service{Name: "RemoteRegistry", Start: facts.StartDisabled, State: facts.ServiceStopped})
	return h
}

func auditAll(success, failure bool) facts.AuditPolicy {
	p := facts.AuditPolicy{Enabled: true}
	for _, c := range facts.AuditCategories {
		p.Categories = append(p.Categories, facts.AuditSetting{Category: c, Success: success, Failure: failure})
	}
	return p
}

func defaultEngine(t *testing.T) *configcheck.Engine {
	t.Helper()
	b, err := baseline.Default()
	if err != nil {
		t.Fatal(err)
	}
	return configcheck.New(b)
}

func evaluate(t *testing.T, e *configcheck.Engine, h facts.Host) map[string]configcheck.Result {
	t.Helper()
	rep, err := e.Evaluate(context.Background(), h)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]configcheck.Result{}
	for _, r := range rep.Results {
		out[r.ID] = r
	}
	return out
}

// requiredIDs are the checks issue 16 requires of the default baseline.
var requiredIDs = []string{
	"autologon", "restrict-anonymous", "smb-signing", "smb1", "lm-compat", "wdigest", "lsa-ppl",
	"llmnr", "rdp-nla", "firewall", "auto-update", "always-install-elevated", "uac", "guest-account",
	"admin-count", "password-expiry", "shares", "audit-policy", "file-system", "services",
}

func TestHardenedHostPassesEverything(t *testing.T) {
	h := hardened()
	res := evaluate(t, defaultEngine(t), h)
	for _, id := range requiredIDs {
		r, ok := res[id]
		if !ok {
			t.Errorf("%s: no result", id)
			continue
		}
		if r.Status != configcheck.StatusPass {
			t.Errorf("%s: %s: %s (details %q)", id, r.Status, r.Reason, r.Details)
		}
		if r.Reason == "" || strings.Contains(r.Reason, "{") {
			t.Errorf("%s: reason %q", id, r.Reason)
		}
	}
	if st := h.Stats(); st.Calls != 1 {
		t.Errorf("the host was asked in %d batches, want 1", st.Calls)
	}
	if rep := h.Repeated(); len(rep) > 0 {
		t.Errorf("facts asked twice: %v", rep)
	}
}

// change is one departure from the hardened host and the result it must
// give.
type change struct {
	name   string
	id     string
	apply  func(h *memhost.Host)
	status configcheck.Status
	reason string // a substring of the reason
}

func TestEachCheckFails(t *testing.T) {
	e := defaultEngine(t)
	for _, tc := range failingChanges() {
		t.Run(tc.name, func(t *testing.T) {
			h := hardened()
			tc.apply(h)
			r := evaluate(t, e, h)[tc.id]
			if r.Status != tc.status || !strings.Contains(r.Reason, tc.reason) {
				t.Errorf("%s = %s %q; want %s with %q\ndetails: %q", tc.id, r.Status, r.Reason, tc.status, tc.reason, r.Details)
			}
			if strings.Contains(r.Reason, "{") {
				t.Errorf("unrendered reference in %q", r.Reason)
			}
		})
	}
}

func failingChanges() []change {
	fail, warn, na, info := configcheck.StatusFail, configcheck.StatusWarning, configcheck.StatusNotApplicable, configcheck.StatusInfo
	set := func(k, n string, v facts.RegValue) func(*memhost.Host) {
		return func(h *memhost.Host) { h.SetValue(k, n, v) }
	}
	return []change{
		{"autologon with password", "autologon", func(h *memhost.Host) {
			h.SetValue(winlog, "AutoAdminLogon", facts.SZ("1"))
			h.SetValue(winlog, "DefaultUserName", facts.SZ("kiosk"))
			h.SetValue(winlog, "DefaultPassword", facts.SZ("Secret-Pa55"))
		}, fail, "password of kiosk is stored in the registry in clear text"},
		{"autologon without password", "autologon", set(winlog, "AutoAdminLogon", facts.SZ("1")), warn, "Autologon is enabled"},
		{"stale default password", "autologon", set(winlog, "DefaultPassword", facts.SZ("x")), warn, "Autologon is off, but a password"},
		{"restrict anonymous sam", "restrict-anonymous", set(lsa, "RestrictAnonymousSAM", facts.DWORD(0)), fail, "RestrictAnonymousSAM is 0"},
		{"restrict anonymous absent", "restrict-anonymous", func(h *memhost.Host) { h.DeleteValue(lsa, "RestrictAnonymous") }, fail, "RestrictAnonymous is 0"},
		{"smb signing off", "smb-signing", set(lanman, "RequireSecuritySignature", facts.DWORD(0)), fail, `LanmanServer\Parameters\RequireSecuritySignature`},
		{"smb signing absent on a client", "smb-signing", func(h *memhost.Host) { h.DeleteValue(lanman, "RequireSecuritySignature") }, fail, "absent: not required by default"},
		{"smb1 server and client", "smb1", func(h *memhost.Host) {
			h.DeleteValue(lanman, "SMB1")
			h.SetValue(svcs+`\srv`, "Start", facts.DWORD(2))
			h.SetValue(svcs+`\mrxsmb10`, "Start", facts.DWORD(2))
		}, fail, "Both the SMB1 server and the SMB1 client"},
		{"smb1 client", "smb1", set(svcs+`\mrxsmb10`, "Start", facts.DWORD(3)), fail, "SMB1 client is enabled"},
		{"lm level absent", "lm-compat", func(h *memhost.Host) { h.DeleteValue(lsa, "LmCompatibilityLevel") }, fail, "accepts LM and NTLMv1"},
		{"lm level 1", "lm-compat", set(lsa, "LmCompatibilityLevel", facts.DWORD(1)), fail, "still sends LM or NTLMv1"},
		{"wdigest on", "wdigest", set(`HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\WDigest`, "UseLogonCredential", facts.DWORD(1)), fail, "UseLogonCredential 1"},
		{"wdigest absent before 8.1", "wdigest", set(cv, "CurrentVersion", facts.SZ("6.1")), fail, "on by default before Windows 8.1"},
		{"lsa ppl off", "lsa-ppl", func(h *memhost.Host) { h.DeleteValue(lsa, "RunAsPPL") }, fail, "does not run as a protected process"},
		{"lsa ppl before 8.1", "lsa-ppl", set(cv, "CurrentVersion", facts.SZ("6.1")), na, "from Windows 8.1"},
		{"llmnr", "llmnr", func(h *memhost.Host) { h.DeleteKey(`HKLM\SOFTWARE\Policies\Microsoft\Windows NT\DNSClient`) }, fail, "LLMNR is on"},
		{"rdp without nla", "rdp-nla", set(rdpTCP, "UserAuthentication", facts.DWORD(0)), fail, "without Network Level Authentication"},
		{"rdp nla by policy off", "rdp-nla", set(tsPol, "UserAuthentication", facts.DWORD(0)), fail, `Terminal Services\UserAuthentication`},
		{"rdp off", "rdp-nla", set(ts, "fDenyTSConnections", facts.DWORD(1)), na, "Remote Desktop is off"},
		{"rdp off by policy", "rdp-nla", set(tsPol, "fDenyTSConnections", facts.DWORD(1)), na, "Remote Desktop is off"},
		{"firewall public off", "firewall", set(fwLocal+`\PublicProfile`, "EnableFirewall", facts.DWORD(0)), fail, "public off"},
		{"firewall policy wins", "firewall", func(h *memhost.Host) {
			h.SetValue(fwLocal+`\DomainProfile`, "EnableFirewall", facts.DWORD(1))
			h.SetValue(fwPol+`\DomainProfile`, "EnableFirewall", facts.DWORD(0))
		}, fail, "domain off"},
		{"firewall service disabled", "firewall", set(svcs+`\MpsSvc`, "Start", facts.DWORD(4)), fail, "MpsSvc) is disabled"},
		{"updates off", "auto-update", set(auPol, "NoAutoUpdate", facts.DWORD(1)), fail, "turned off by policy"},
		{"updates notify", "auto-update", set(auPol, "AUOptions", facts.DWORD(2)), warn, "only notify"},
		{"updates unconfigured on 7", "auto-update", func(h *memhost.Host) { h.DeleteValue(cv, "CurrentMajorVersionNumber") }, warn, "not configured"},
		{"install elevated", "always-install-elevated", set(`HKLM\SOFTWARE\Policies\Microsoft\Windows\Installer`, "AlwaysInstallElevated", facts.DWORD(1)), fail, "system rights"},
		{"uac off", "uac", set(sysPol, "EnableLUA", facts.DWORD(0)), fail, "User Account Control is off"},
		{"token filter", "uac", set(sysPol, "LocalAccountTokenFilterPolicy", facts.DWORD(1)), fail, "pass-the-hash"},
		{"guest on", "guest-account", func(h *memhost.Host) {
			h.SetUsers(facts.Account{RID: 501, Name: "Guest", Flags: facts.AccountNormal})
		}, fail, "Guest account is enabled"},
		{"three admins", "admin-count", func(h *memhost.Host) {
			h.SetAdministrators(facts.Principal{SID: machine + "-500", Name: "Administrator"}, facts.Principal{SID: machine + "-1001", Name: "alice"}, facts.Principal{SID: "S-1-5-21-7-7-7-1105"})
		}, warn, "3 accounts and groups are members of the Administrators group: Administrator (S-1-5-21-1-2-3-500); alice (S-1-5-21-1-2-3-1001); S-1-5-21-7-7-7-1105."},
		{"never expires", "password-expiry", func(h *memhost.Host) {
			h.SetUsers(facts.Account{RID: 1001, Name: "svc", Flags: facts.AccountNormal | facts.AccountPasswordNeverExpires},
				facts.Account{RID: 1002, Name: "old", Flags: facts.AccountDisabled | facts.AccountPasswordNeverExpires})
		}, warn, "1 enabled local accounts have passwords that never expire: svc"},
		{"share for everyone to write", "shares", func(h *memhost.Host) {
			h.SetShares(facts.Share{Name: "Drop", Type: facts.ShareDisk, Path: `D:\Drop`, ACLKnown: true,
				Access: []facts.ShareAccess{{SID: "S-1-1-0", Allowed: true, Rights: "change"}}})
		}, fail, "Drop: Everyone change"},
		{"share for everyone to read", "shares", func(h *memhost.Host) {
			h.SetShares(facts.Share{Name: "Pub", Type: facts.ShareDisk, ACLKnown: true,
				Access: []facts.ShareAccess{{SID: "S-1-1-0", Allowed: true, Rights: "read"}, {SID: "S-1-5-32-544", Allowed: true, Rights: "full"}}})
		}, warn, "Pub: Everyone read"},
		{"share for a group", "shares", func(h *memhost.Host) {
			h.SetShares(facts.Share{Name: "Team", Type: facts.ShareDisk, Path: `D:\Team`, ACLKnown: true,
				Access: []facts.ShareAccess{{SID: "S-1-5-21-9-9-9-1200", Name: `CORP\Team`, Allowed: true, Rights: "change"}}})
		}, info, `Team (D:\Team): CORP\Team change`},
		{"no audit", "audit-policy", func(h *memhost.Host) { h.SetAuditPolicy(facts.AuditPolicy{Enabled: false}) }, fail, "Neither logons"},
		{"logon success only", "audit-policy", func(h *memhost.Host) { h.SetAuditPolicy(auditAll(true, false)) }, warn, "records successes only"},
		{"fat volume", "file-system", func(h *memhost.Host) {
			h.SetVolumes(facts.Volume{Root: `C:\`, FileSystem: "NTFS"}, facts.Volume{Root: `D:\`, FileSystem: "FAT32"})
		}, fail, `D:\ (FAT32)`},
		{"telnet", "services", func(h *memhost.Host) {
			h.SetService(facts.Service{Name: "TlntSvr", DisplayName: "Telnet", Start: facts.StartAuto, State: facts.ServiceRunning})
		}, warn, "TlntSvr (Telnet): automatic, running"},
		{"remote registry on a client", "services", func(h *memhost.Host) {
			h.SetService(facts.Service{Name: "RemoteRegistry", Start: facts.StartDemand, State: facts.ServiceRunning})
		}, warn, "Remote Registry is set to run on a workstation"},
	}
}

func TestRemoteRegistryOnServerPasses(t *testing.T) {
	h := hardened()
	h.SetValue(`HKLM\SYSTEM\CurrentControlSet\Control\ProductOptions`, "ProductType", facts.SZ("ServerNT"))
	h.SetService(facts.Service{Name: "RemoteRegistry", Start: facts.StartAuto, State: facts.ServiceRunning})
	if r := evaluate(t, defaultEngine(t), h)["services"]; r.Status != configcheck.StatusPass {
		t.Errorf("services on a server with Remote Registry: %s %q", r.Status, r.Reason)
	}
}

func TestSecretNeverShown(t *testing.T) {
	h := hardened()
	h.SetValue(winlog, "AutoAdminLogon", facts.SZ("1"))
	h.SetValue(winlog, "DefaultPassword", facts.SZ("Secret-Pa55"))
	rep, err := defaultEngine(t).Evaluate(context.Background(), h)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.Results {
		all := r.Reason + strings.Join(r.Details, "\n")
		if strings.Contains(all, "Secret-Pa55") {
			t.Errorf("%s shows the password: %q", r.ID, all)
		}
		if r.ID == "autologon" && !strings.Contains(strings.Join(r.Details, "\n"), "DefaultPassword = present") {
			t.Errorf("autologon details %q do not say the password is present", r.Details)
		}
	}
}

func TestUnreadableIsErrorNeverFail(t *testing.T) {
	h := hardened()
	denied := facts.ErrAccessDenied
	h.SetError(facts.Request{Kind: facts.FactRegValue, Key: fwPol + `\PublicProfile`, Name: "EnableFirewall"}, denied)
	h.SetError(facts.Request{Kind: facts.FactUsers}, errors.New("SamrQueryDisplayInformation: broken reply"))
	res := evaluate(t, defaultEngine(t), h)
	if r := res["firewall"]; r.Status != configcheck.StatusError || !strings.Contains(r.Reason, `WindowsFirewall\PublicProfile\EnableFirewall could not be read: access denied`) {
		t.Errorf("firewall with an unreadable policy: %s %q", r.Status, r.Reason)
	}
	for _, id := range []string{"guest-account", "password-expiry"} {
		if r := res[id]; r.Status != configcheck.StatusError || !strings.Contains(r.Reason, "broken reply") {
			t.Errorf("%s with unreadable users: %s %q", id, r.Status, r.Reason)
		}
	}
}

func TestUnavailableIsNotApplicable(t *testing.T) {
	h := hardened()
	h.SetError(facts.Request{Kind: facts.FactVolumes}, facts.Unavailable("the image holds one volume"))
	r := evaluate(t, defaultEngine(t), h)["file-system"]
	if r.Status != configcheck.StatusNotApplicable || !strings.Contains(r.Reason, "the image holds one volume") {
		t.Errorf("file-system with volumes unavailable: %s %q", r.Status, r.Reason)
	}
}

func TestDecidedDespiteUnreadable(t *testing.T) {
	// A false condition decides an outcome even when another condition
	// of it cannot be read: RDP off needs nothing else.
	h := hardened()
	h.SetValue(ts, "fDenyTSConnections", facts.DWORD(1))
	h.SetError(facts.Request{Kind: facts.FactRegValue, Key: rdpTCP, Name: "UserAuthentication"}, facts.ErrAccessDenied)
	if r := evaluate(t, defaultEngine(t), h)["rdp-nla"]; r.Status != configcheck.StatusNotApplicable {
		t.Errorf("rdp-nla with RDP off and NLA unreadable: %s %q", r.Status, r.Reason)
	}
}

func TestHostFailure(t *testing.T) {
	h := hardened()
	h.SetHostError(errors.New("connection reset"))
	if _, err := defaultEngine(t).Evaluate(context.Background(), h); err == nil || !strings.Contains(err.Error(), "connection reset") {
		t.Errorf("Evaluate on a failing host: %v", err)
	}
}

func TestBlocking(t *testing.T) {
	h := hardened()
	rep, err := defaultEngine(t).Evaluate(context.Background(), h)
	if err != nil || rep.Blocking() {
		t.Fatalf("hardened host blocking=%v err=%v", rep.Blocking(), err)
	}
	h.SetValue(lanman, "RequireSecuritySignature", facts.DWORD(0)) // Important
	if rep, _ := defaultEngine(t).Evaluate(context.Background(), h); !rep.Blocking() {
		t.Error("a failed Important check does not block")
	}
	h = hardened()
	h.DeleteValue(lsa, "RunAsPPL") // Moderate
	if rep, _ := defaultEngine(t).Evaluate(context.Background(), h); rep.Blocking() || rep.Count(configcheck.StatusFail) != 1 {
		t.Errorf("a failed Moderate check: blocking %v, fails %d", rep.Blocking(), rep.Count(configcheck.StatusFail))
	}
}
