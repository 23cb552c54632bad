package smb

import (
	"context"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/patchscan/patchscan/baseline"
	"github.com/patchscan/patchscan/configcheck"
	"github.com/patchscan/patchscan/facts"
	"github.com/patchscan/patchscan/internal/lab"
	"github.com/patchscan/patchscan/internal/netem"
	"github.com/patchscan/patchscan/internal/netguard"
	"github.com/patchscan/patchscan/scan/transport"
)

// The configuration lab: cfgweak is lab.ConfigHost (users, Guest, three
// Administrators, an open share) with testdata/lab/config-weak.reg and a
// FAT32 second drive; cfghard has config-hardened.reg and nothing else to
// complain about. Samba shows both as Windows Server 2008 R2 (CurrentVersion
// 6.1), so Windows' defaults of that version apply to absent values.
var (
	cfgLabOnce sync.Once
	cfgLab     *lab.Lab
	cfgLabErr  error
)

func configLab(t *testing.T) *lab.Lab {
	t.Helper()
	cfgLabOnce.Do(func() {
		weak := lab.ConfigHost("cfgweak")
		weak.Reg = append(weak.Reg, "testdata/lab/config-weak.reg")
		weak.DataDriveFS = "FAT32"
		hard := lab.HostSpec{Name: "cfghard", Reg: []string{lab.BaseReg, "testdata/lab/config-hardened.reg"},
			Administrators: []string{lab.Account}}
		var dir string
		if dir, cfgLabErr = osMkdirTemp(); cfgLabErr == nil {
			cfgLab, cfgLabErr = lab.Run(dir, lab.Config{}, weak, hard)
		}
	})
	if cfgLabErr != nil {
		if ciMode() {
			t.Fatalf("samba lab: %v", cfgLabErr)
		}
		t.Skipf("samba lab cannot start (set CI=true to make this fatal): %v", cfgLabErr)
	}
	return cfgLab
}

func evaluateConfig(t *testing.T, s transport.Session) *configcheck.Report {
	t.Helper()
	b, err := baseline.Default()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	rep, err := configcheck.New(b).Evaluate(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestConfigChecksOverSMB evaluates every check of the default baseline
// over SMB: registry settings through MS-RRP from the lab's .reg content;
// users, Guest and Administrators through MS-SAMR; shares through MS-SRVS;
// the audit policy through MS-LSAD; services through MS-SCMR and their
// Start values; volumes through FileFsAttributeInformation.
func TestConfigChecksOverSMB(t *testing.T) {
	l := configLab(t)
	fail, warn, pass, na := configcheck.StatusFail, configcheck.StatusWarning, configcheck.StatusPass, configcheck.StatusNotApplicable
	want := map[string]map[string]configcheck.Status{
		"cfgweak": {
			"autologon": fail, "restrict-anonymous": fail, "smb-signing": fail, "smb1": fail, "lm-compat": fail,
			"wdigest": fail, "lsa-ppl": na, "llmnr": fail, "rdp-nla": fail, "firewall": fail, "auto-update": fail,
			"always-install-elevated": fail, "uac": fail, "guest-account": fail, "admin-count": warn,
			"password-expiry": warn, "shares": fail, "audit-policy": pass, "file-system": fail, "services": warn,
		},
		"cfghard": {
			"autologon": pass, "restrict-anonymous": pass, "smb-signing": pass, "smb1": pass, "lm-compat": pass,
			"wdigest": pass, "lsa-ppl": na, "llmnr": pass, "rdp-nla": pass, "firewall": pass, "auto-update": pass,
			"always-install-elevated": pass, "uac": pass, "guest-account": pass, "admin-count": pass,
			"password-expiry": pass, "shares": pass, "audit-policy": pass, "file-system": pass, "services": pass,
		},
	}
	// What the weak host's reasons must name: the lab's own content.
	says := map[string]string{
		"autologon":     "password of kiosk is stored in the registry",
		"admin-count":   "3 accounts and groups",
		"shares":        "Data: Everyone full",
		"file-system":   `D:\ (FAT32)`,
		"services":      "TlntSvr: automatic",
		"guest-account": "Guest account is enabled",
	}
	for host, checks := range want {
		t.Run(host, func(t *testing.T) {
			s, err := open(t, l, host, Config{ConfigFacts: true})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			rep := evaluateConfig(t, s)
			if rep.Batches != 1 || len(rep.Results) != len(checks) {
				t.Errorf("%d results in %d batches", len(rep.Results), rep.Batches)
			}
			for _, r := range rep.Results {
				if r.Status != checks[r.ID] {
					t.Errorf("%s: %s %q, want %s\n  details %q", r.ID, r.Status, r.Reason, checks[r.ID], r.Details)
				}
				if w := says[r.ID]; host == "cfgweak" && w != "" && !strings.Contains(r.Reason, w) {
					t.Errorf("%s: reason %q does not say %q", r.ID, r.Reason, w)
				}
				if strings.Contains(strings.Join(r.Details, " ")+r.Reason, "lab-autologon-not-a-secret") {
					t.Errorf("%s shows the autologon password", r.ID)
				}
			}
		})
	}
}

// TestConfigFactsMatchImpacket compares the configuration facts the SMB
// transport composes with what impacket's own clients read from the same
// host: accounts and flags, Administrators, shares and their ACLs, the
// audit policy, the services' states, the volumes' file systems.
func TestConfigFactsMatchImpacket(t *testing.T) {
	l := configLab(t)
	h := l.Host("cfgweak")
	s, err := open(t, l, "cfgweak", Config{ConfigFacts: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	kinds := []facts.FactKind{facts.FactUsers, facts.FactAdministrators, facts.FactShares, facts.FactAuditPolicy, facts.FactVolumes}
	var reqs []facts.Request
	for _, k := range kinds {
		reqs = append(reqs, facts.Request{Kind: k})
	}
	reqs = append(reqs, facts.Request{Kind: facts.FactService, Name: "RemoteRegistry"}, facts.Request{Kind: facts.FactService, Name: "NoSuchService"})
	ans, err := s.Facts(context.Background(), reqs)
	if err != nil {
		t.Fatal(err)
	}
	for i, a := range ans {
		if a.Err != nil {
			t.Fatalf("%v: %v", reqs[i].Kind, a.Err)
		}
	}
	compareSAMR(t, l, h, ans[0].Users, ans[1].Members)
	compareShares(t, l, h, ans[2].Shares)
	compareAudit(t, l, h, ans[3].Audit)
	compareVolumes(t, l, h, ans[4].Volumes)
	compareService(t, l, h, ans[5])
	if ans[6].Found {
		t.Errorf("a service the host does not have was found: %+v", ans[6].Service)
	}
}

// TestConfigRoundTrips measures a configuration scan of the weak host
// through a netem proxy that puts it 20 ms away: round trips of the
// session's set-up (which opens the configuration pipes beside the
// registry ones) and of the evaluation, and the bytes.
func TestConfigRoundTrips(t *testing.T) {
	l := configLab(t)
	h := l.Host("cfgweak")
	p, err := netem.Start(netem.Config{Listen: "127.0.0.1:0", Target: h.Addr(), Delay: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	cfg := onLoopback(Config{ConfigFacts: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return netguard.Loopback.DialContext(ctx, network, p.Addr())
	}})
	ctx := context.Background()
	start := time.Now()
	s, err := NewOpener(cfg).Open(ctx, transport.Endpoint{Host: h.IP, Addr: h.Addr()}, transport.Options{
		Credentials: transport.Credentials{Domain: l.Domain, User: l.User, Password: l.Password}, Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	setup, setupStats := time.Since(start), p.Stats()
	start = time.Now()
	rep := evaluateConfig(t, s)
	eval := time.Since(start)
	s.Close()
	st := p.Stats()
	const rtt = 20 * time.Millisecond
	t.Logf("config scan of cfgweak at 20 ms RTT: %d facts in %d batch; set-up %.1f RTT of wall time (%d round trips counted); evaluation %.1f RTT of wall time; %d round trips in all (%d turns), %d B up, %d B down",
		rep.Facts, rep.Batches, float64(setup)/float64(rtt), setupStats.RoundTrips, float64(eval)/float64(rtt), st.RoundTrips, st.Turns, st.BytesUp, st.BytesDown)
	// Generous bounds for a loaded machine (Samba starts its RPC servers
	// on demand: the first binds cost it seconds); one call at a time
	// over a single pipe would be far past them.
	if eval > 150*rtt {
		t.Errorf("evaluation took %v", eval)
	}
	if slices.ContainsFunc(rep.Results, func(r configcheck.Result) bool { return r.Status == configcheck.StatusError }) {
		t.Errorf("errors through the proxy: %+v", rep.Results)
	}
}
