package winrm_test

import (
	"context"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/patchscan/patchscan/baseline"
	"github.com/patchscan/patchscan/configcheck"
	"github.com/patchscan/patchscan/facts"
	"github.com/patchscan/patchscan/internal/lab"
	"github.com/patchscan/patchscan/internal/netguard"
	"github.com/patchscan/patchscan/scan/smb"
	"github.com/patchscan/patchscan/scan/transport"
	"github.com/patchscan/patchscan/scan/winrm"
	"github.com/patchscan/patchscan/scan/winrm/winrmtest"
)

// TestConfigChecksOverWinRM evaluates the default baseline on the
// configuration lab host over SMB (real Samba), then over WinRM against
// the test server answering from the same registry content and the
// configuration facts SMB read: the configuration collector's requests,
// output and parser carry them all, and every check gives the same
// result. (The test server does not run PowerShell: what the script does
// on Windows is not verified here, docs/winrm.md.)
func TestConfigChecksOverWinRM(t *testing.T) {
	spec := lab.ConfigHost("wrcfg")
	spec.Reg = append(spec.Reg, "testdata/lab/config-weak.reg")
	spec.DataDriveFS = "FAT32"
	l := lab.Start(t, spec)
	h := l.Host(spec.Name)
	opts := transport.Options{Credentials: transport.Credentials{Domain: l.Domain, User: l.User, Password: l.Password}, Timeout: 30 * time.Second}
	ep := transport.Endpoint{Host: h.IP, Addr: h.Addr()}
	b, err := baseline.Default()
	if err != nil {
		t.Fatal(err)
	}
	eng := configcheck.New(b)
	ctx := context.Background()

	ss, err := smb.NewOpener(smb.Config{Dial: netguard.Loopback.DialContext, ConfigFacts: true}).Open(ctx, ep, opts)
	if err != nil {
		t.Fatal(err)
	}
	overSMB, err := eng.Evaluate(ctx, ss)
	if err != nil {
		t.Fatal(err)
	}
	// The fixture: the lab's registry, and the configuration facts as SMB read them.
	fixture := labFixture(t, spec)
	cfgReqs := configRequests(eng)
	ans, err := ss.Facts(ctx, cfgReqs)
	ss.Close()
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range cfgReqs {
		setConfigFact(t, fixture, r, ans[i])
	}
	srv, err := winrmtest.Start(winrmtest.Options{ListenAddr: net.JoinHostPort(h.IP, "0"), Host: fixture,
		Account: winrmtest.Account{Domain: h.Domain, User: h.User, Password: h.Password}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ws, err := winrm.NewOpener(onLoopback(winrm.Config{Port: srv.Port})).Open(ctx, ep, opts)
	if err != nil {
		t.Fatal(err)
	}
	overWinRM, err := eng.Evaluate(ctx, ws)
	ws.Close()
	if err != nil {
		t.Fatal(err)
	}
	if st := srv.Stats(); st.Commands != 2 || srv.OpenShells() != 0 {
		t.Errorf("%d commands (want the registry and the configuration collector), %d shells open", st.Commands, srv.OpenShells())
	}
	for i, rs := range overSMB.Results {
		rw := overWinRM.Results[i]
		if rs.Status != rw.Status || rs.Reason != rw.Reason {
			t.Errorf("%s: SMB %s %q, WinRM %s %q", rs.ID, rs.Status, rs.Reason, rw.Status, rw.Reason)
		}
		if rs.Status == configcheck.StatusError {
			t.Errorf("%s: error over SMB: %s", rs.ID, rs.Reason)
		}
	}
}

// configRequests are the engine's configuration fact requests.
func configRequests(e *configcheck.Engine) []facts.Request {
	var out []facts.Request
	for _, r := range e.Requests() {
		if r.Kind != facts.FactRegValue && r.Kind != facts.FactRegKey && r.Kind != facts.FactFile {
			out = append(out, r)
		}
	}
	return out
}

type configHost interface {
	SetUsers(...facts.Account)
	SetAdministrators(...facts.Principal)
	SetShares(...facts.Share)
	SetAuditPolicy(facts.AuditPolicy)
	SetVolumes(...facts.Volume)
	SetService(facts.Service)
}

func setConfigFact(t *testing.T, h configHost, r facts.Request, a facts.Answer) {
	t.Helper()
	if a.Err != nil {
		t.Fatalf("%v over SMB: %v", r.Kind, a.Err)
	}
	switch r.Kind {
	case facts.FactUsers:
		h.SetUsers(a.Users...)
	case facts.FactAdministrators:
		h.SetAdministrators(a.Members...)
	case facts.FactShares:
		h.SetShares(a.Shares...)
	case facts.FactAuditPolicy:
		h.SetAuditPolicy(a.Audit)
	case facts.FactVolumes:
		h.SetVolumes(a.Volumes...)
	case facts.FactService:
		if a.Found {
			h.SetService(a.Service)
		}
	}
}

// TestConfigOutputRoundTrip: what the test server prints for facts, the
// parser reads back as the same facts (attributes a WinRM source cannot
// give aside: FILE_PERSISTENT_ACLS).
func TestConfigOutputRoundTrip(t *testing.T) {
	reqs := []facts.Request{{Kind: facts.FactUsers}, {Kind: facts.FactAdministrators}, {Kind: facts.FactShares},
		{Kind: facts.FactAuditPolicy}, {Kind: facts.FactVolumes}, {Kind: facts.FactService, Name: "TlntSvr"}, {Kind: facts.FactService, Name: "Nope"}}
	answers := []facts.Answer{
		{Found: true, Users: []facts.Account{{RID: 500, SID: "S-1-5-21-1-2-3-500", Name: "Administrator", FullName: "Ad Min", Flags: facts.AccountDisabled | facts.AccountNormal}}},
		{Found: true, Members: []facts.Principal{{SID: "S-1-5-21-1-2-3-500", Domain: "WS01", Name: "Administrator", Kind: "user"}}},
		{Found: true, Shares: []facts.Share{{Name: "C$", Type: facts.ShareDisk, Special: true, Path: `C:\`},
			{Name: "Pub lic", Type: facts.ShareDisk, Path: `D:\P ub`, Remark: "ünïcode", ACLKnown: true,
				Access: []facts.ShareAccess{{SID: "S-1-1-0", Name: "Everyone", Allowed: true, Rights: "read"}, {SID: "S-1-5-32-544", Name: `BUILTIN\Administrators`, Rights: "full"}}}}},
		{Found: true, Audit: facts.AuditPolicy{Enabled: true, Categories: []facts.AuditSetting{{Category: "system"}, {Category: "logon", Success: true, Failure: true}, {Category: "account-management", Success: true}}}},
		{Found: true, Volumes: []facts.Volume{{Root: `C:\`, FileSystem: "NTFS"}, {Root: `E:\`, FileSystem: "FAT32"}}},
		{Found: true, Service: facts.Service{Name: "TlntSvr", DisplayName: "Telnet", Start: facts.StartAuto, State: facts.ServiceRunning}},
		{},
	}
	got, err := winrm.ParseConfigOutput(winrm.EncodeConfigOutput(reqs, answers), reqs, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, answers) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, answers)
	}
	data, sent, local := winrm.EncodeConfigRequests(append(reqs, facts.Request{Kind: facts.FactService, Name: "x' or 1=1"}))
	if len(sent) != len(reqs) || local[len(reqs)].Err == nil {
		t.Errorf("a service name that is no name was sent: %v", local[len(reqs)])
	}
	back, err := winrm.DecodeConfigRequests(data)
	if err != nil || !reflect.DeepEqual(back, reqs) {
		t.Errorf("requests round trip: %v %v", back, err)
	}
	if n := len(winrm.ConfigCommandLine()); n > 8191 {
		t.Errorf("the configuration collector's command line is %d characters; cmd.exe takes 8191", n)
	}
}

func TestConfigOutputStrict(t *testing.T) {
	reqs := []facts.Request{{Kind: facts.FactUsers}}
	for _, out := range []string{
		"", "PSCAN-CFGOUT 1 1\r\nPSCAN-END 1\r\n", "PSCAN-CFGOUT 1 1\r\n0 ok -\r\nPSCAN-END 2\r\n",
		"PSCAN-CFGOUT 1 1\r\n0 ok dSAx\r\nPSCAN-END 1\r\n",             // "u 1": too few fields
		"PSCAN-CFGOUT 1 1\r\n0 nf\r\nPSCAN-END 1\r\n",                  // nf is for services
		"PSCAN-CFGOUT 1 1\r\n1 ok -\r\nPSCAN-END 1\r\n",                // wrong index
		"PSCAN-CFGOUT 1 1\r\n0 ok !!\r\nPSCAN-END 1\r\n",               // not base64
		"PSCAN-CFGOUT 1 1\r\n0 ok -\r\n0 ok -\r\nPSCAN-END 1\r\n",      // extra line
		"PSCAN-CFGOUT 1 1\r\n0 ok dSB4IC0gLSAtIDE=\r\nPSCAN-END 1\r\n", // "u x - - - 1": RID not a number
	} {
		if _, err := winrm.ParseConfigOutput([]byte(out), reqs, 0); err == nil || !strings.Contains(err.Error(), "malformed collector output") {
			t.Errorf("%q: %v", out, err)
		}
	}
	// auditpol in another language: unavailable, not an error.
	out := "PSCAN-CFGOUT 1 1\r\n0 na U3VjY8Oocw==\r\nPSCAN-END 1\r\n"
	a, err := winrm.ParseConfigOutput([]byte(out), []facts.Request{{Kind: facts.FactAuditPolicy}}, 0)
	if err != nil || !strings.Contains(a[0].Err.Error(), "another language") {
		t.Errorf("na answer: %v %v", a, err)
	}
}
