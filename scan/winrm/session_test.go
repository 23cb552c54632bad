package winrm_test

import (
	"context"
	"errors"
	"net"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	//lint:ignore SA1019 NTLM is defined on MD4; this is protocol compatibility, not security.
	"golang.org/x/crypto/md4"

	"github.com/patchscan/patchscan/facts"
	"github.com/patchscan/patchscan/internal/netguard"
	"github.com/patchscan/patchscan/scan/hint"
	"github.com/patchscan/patchscan/scan/transport"
	"github.com/patchscan/patchscan/scan/winrm"
	"github.com/patchscan/patchscan/scan/winrm/winrmtest"
)

var acct = winrmtest.Account{Domain: "LAB", User: "scanner", Password: "S3cret-pa55!"}

func utf16z(s string) []byte {
	var b []byte
	for _, c := range utf16.Encode([]rune(s)) {
		b = append(b, byte(c), byte(c>>8))
	}
	return append(b, 0, 0)
}

const hostilePath = "C:\\it's $(calc) `n\r\n\"x\"\\日本.dll"

// fixtureHost is a small host with one of each kind of answer.
func fixtureHost() *winrmtest.MapHost {
	return winrmtest.NewMapHost().
		SetValue(`HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion`, "CurrentVersion", facts.RegSZ, utf16z("6.1")).
		SetValue(`HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion`, "UBR", facts.RegDWORD, []byte{0x39, 0x05, 0, 0}).
		AddKey(`HKLM\SOFTWARE\Microsoft\Updates\Windows 7\SP2\KB958644`).
		SetFile(`C:\Windows\System32\drivers\srv.sys`, facts.FileInfo{Size: 4096, Version: "6.1.7601.23689", StringVersion: "6.1.7601.23689 (win7sp1_ldr.170209-0600)", SHA256: strings.Repeat("ab", 32)}).
		SetFile(hostilePath, facts.FileInfo{Size: 1, Version: "1.0.0.1"}).
		SetError(`C:\Windows\System32\locked.dll`, errors.New("The process cannot access the file because it is being used by another process.")).
		SetError(`HKLM\SECURITY\Policy`, facts.ErrAccessDenied)
}

var batch = []facts.Request{
	{Kind: facts.FactRegValue, Key: `HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion`, Name: "CurrentVersion"},
	{Kind: facts.FactRegValue, Key: `HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion`, Name: "UBR"},
	{Kind: facts.FactRegValue, Key: `HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion`, Name: "CSDVersion"},
	{Kind: facts.FactRegKey, Key: `HKLM\SOFTWARE\Microsoft\Updates\Windows 7\SP2\KB958644`},
	{Kind: facts.FactRegKey, Key: `HKLM\SOFTWARE\Microsoft\Updates\Windows 7\SP2\KB000000`},
	{Kind: facts.FactFile, Path: `C:\Windows\System32\drivers\srv.sys`, SHA256: true},
	{Kind: facts.FactFile, Path: `C:\Windows\System32\drivers\srv.sys`},
	{Kind: facts.FactFile, Path: `C:\Windows\System32\missing.dll`},
	{Kind: facts.FactFile, Path: `C:\Windows\System32\locked.dll`},
	{Kind: facts.FactRegKey, Key: `HKLM\SECURITY\Policy`},
	{Kind: facts.FactFile, Path: hostilePath},
	{Kind: facts.FactRegKey, Key: `HKCU\Software`}, // refused locally: not a machine hive
}

func start(t *testing.T, o winrmtest.Options) *winrmtest.Server {
	t.Helper()
	if o.Host == nil {
		o.Host = fixtureHost()
	}
	if o.Account == (winrmtest.Account{}) {
		o.Account = acct
	}
	s, err := winrmtest.Start(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func endpoint(s *winrmtest.Server) transport.Endpoint {
	// Addr carries the SMB port, as the scan run would give it: the WinRM
	// transport must use its own port.
	return transport.Endpoint{Host: s.Host, Addr: net.JoinHostPort(s.Host, "445")}
}

func options(c transport.Credentials) transport.Options {
	return transport.Options{Credentials: c, Timeout: 5 * time.Second}
}

var goodCreds = transport.Credentials{Domain: "LAB", User: "scanner", Password: acct.Password}

func httpCfg(s *winrmtest.Server) winrm.Config {
	return winrm.Config{Port: s.Port, HTTPS: false}
}

func httpsCfg(t *testing.T, s *winrmtest.Server) winrm.Config {
	ca, err := s.WriteCAFile(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	c := winrm.DefaultConfig()
	c.Port, c.CAFile = s.Port, ca
	return c
}

func ntHash(pw string) []byte {
	h := md4.New()
	b := utf16z(pw)
	h.Write(b[:len(b)-2])
	return h.Sum(nil)
}

func TestFactsEqualFixture(t *testing.T) {
	tests := []struct {
		name  string
		auth  winrmtest.Auth
		tls   bool
		creds transport.Credentials
		cfg   func(t *testing.T, s *winrmtest.Server) winrm.Config
	}{
		{"ntlm over http", winrmtest.AuthNTLM, false, goodCreds, func(t *testing.T, s *winrmtest.Server) winrm.Config { return httpCfg(s) }},
		{"ntlm over https with CA file", winrmtest.AuthNTLM, true, goodCreds, httpsCfg},
		{"ntlm with NT hash", winrmtest.AuthNTLM, true, transport.Credentials{Domain: "LAB", User: "scanner", NTHash: ntHash(acct.Password)}, httpsCfg},
		{"basic over https", winrmtest.AuthBasic, true, goodCreds, func(t *testing.T, s *winrmtest.Server) winrm.Config {
			c := httpsCfg(t, s)
			c.Basic = true
			return c
		}},
		{"https insecure", winrmtest.AuthNTLM, true, goodCreds, func(t *testing.T, s *winrmtest.Server) winrm.Config {
			return winrm.Config{Port: s.Port, HTTPS: true, Insecure: true}
		}},
		{"tiny chunks", winrmtest.AuthNTLM, false, goodCreds, func(t *testing.T, s *winrmtest.Server) winrm.Config { return httpCfg(s) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := winrmtest.Options{Auth: tc.auth, TLS: tc.tls}
			if tc.name == "tiny chunks" {
				o.ChunkSize = 7
			}
			srv := start(t, o)
			host := fixtureHost()
			want, _ := host.Facts(context.Background(), batch)
			ctx := context.Background()
			sess, err := winrm.NewOpener(onLoopback(tc.cfg(t, srv))).Open(ctx, endpoint(srv), options(tc.creds))
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			got, err := sess.Facts(ctx, batch)
			if err != nil {
				t.Fatalf("Facts: %v", err)
			}
			compareAnswers(t, batch, got, want)
			// A second batch goes through the same shell.
			if _, err := sess.Facts(ctx, batch[:2]); err != nil {
				t.Fatalf("second Facts: %v", err)
			}
			if err := sess.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			st := srv.Stats()
			if st.ShellsCreated != 1 || st.ShellsDeleted != 1 || srv.OpenShells() != 0 {
				t.Errorf("shells created %d, deleted %d, open %d; want 1, 1, 0", st.ShellsCreated, st.ShellsDeleted, srv.OpenShells())
			}
			if st.Commands != 2 || len(st.Batches) != 2 || len(st.Batches[0]) != len(batch)-1 {
				t.Errorf("commands %d, batches %d (first of %d); want 2 commands, the first with every sendable request", st.Commands, len(st.Batches), len(st.Batches[0]))
			}
			if !reflect.DeepEqual(st.Batches[0][10].Path, hostilePath) {
				t.Errorf("hostile path arrived as %q", st.Batches[0][10].Path)
			}
			if n, ok := sess.(interface{ TransportName() string }); !ok || n.TransportName() != "winrm" {
				t.Error("session does not name its transport winrm")
			}
		})
	}
}

func compareAnswers(t *testing.T, reqs []facts.Request, got, want []facts.Answer) {
	t.Helper()
	if len(got) != len(reqs) {
		t.Fatalf("%d answers for %d requests", len(got), len(reqs))
	}
	for i := range reqs {
		g, w := got[i], want[i]
		if i == len(reqs)-1 { // HKCU: refused by the transport, never sent
			if g.Err == nil {
				t.Errorf("HKCU request answered %+v, want an error", g)
			}
			continue
		}
		if (g.Err == nil) != (w.Err == nil) || g.Found != w.Found || !reflect.DeepEqual(g.Value, w.Value) || g.File != w.File {
			t.Errorf("request %d (%+v):\n got %+v\nwant %+v", i, reqs[i], g, w)
		}
		if errors.Is(w.Err, facts.ErrAccessDenied) != errors.Is(g.Err, facts.ErrAccessDenied) {
			t.Errorf("request %d: access denied lost: %v", i, g.Err)
		}
	}
}

func TestFaults(t *testing.T) {
	closedPort := func() int {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		p := l.Addr().(*net.TCPAddr).Port
		l.Close()
		return p
	}
	tests := []faultCase{
		{name: "not an administrator", deny: true, atOpen: true, kind: transport.AccessDenied, contains: "Access is denied"},
		{name: "auth refused", fault: winrmtest.FaultAuth, atOpen: true, kind: transport.AuthFailed, contains: "rejected the credentials"},
		{name: "wrong password", creds: transport.Credentials{Domain: "LAB", User: "scanner", Password: "nope"}, atOpen: true, kind: transport.AuthFailed, contains: "401"},
		{name: "wrong user", creds: transport.Credentials{User: "mallory", Password: acct.Password}, atOpen: true, kind: transport.AuthFailed, contains: "401"},
		{name: "http 500 fault", fault: winrmtest.FaultHTTP500, kind: transport.Failed, contains: "not accept any remote shell requests"},
		{name: "slow answer past the deadline", fault: winrmtest.FaultSlow, delay: 3 * time.Second, timeout: 700 * time.Millisecond, kind: transport.Failed, contains: "timed out", remedy: hint.RaiseTimeout},
		{name: "truncated output", fault: winrmtest.FaultTruncated, kind: transport.Failed, contains: "truncated"},
		{name: "huge output", fault: winrmtest.FaultHuge, kind: transport.Failed, contains: "more than 65536 bytes"},
		{name: "garbage output", fault: winrmtest.FaultGarbage, kind: transport.Failed, contains: "first line"},
		{name: "not a ReceiveResponse", fault: winrmtest.FaultBadSOAP, kind: transport.Failed, contains: "no ReceiveResponse"},
		{name: "connection refused", atOpen: true, kind: transport.Unreachable, contains: "connection refused",
			cfg: func(t *testing.T, s *winrmtest.Server) winrm.Config { return winrm.Config{Port: closedPort()} }},
		{name: "untrusted certificate", tls: true, atOpen: true, kind: transport.Failed, contains: "certificate not trusted", remedy: hint.TrustWinRM,
			cfg: func(t *testing.T, s *winrmtest.Server) winrm.Config { return winrm.Config{Port: s.Port, HTTPS: true} }},
		{name: "https to an http listener", atOpen: true, kind: transport.Failed, contains: "does not speak TLS", remedy: hint.UseWinRMHTTP,
			cfg: func(t *testing.T, s *winrmtest.Server) winrm.Config { return winrm.Config{Port: s.Port, HTTPS: true} }},
		{name: "basic over http refused", atOpen: true, kind: transport.Failed, contains: "only allowed over HTTPS",
			cfg: func(t *testing.T, s *winrmtest.Server) winrm.Config { return winrm.Config{Port: s.Port, Basic: true} }},
	}
	for _, tc := range tests {
		t.Run(tc.name, tc.run)
	}
}

// faultCase is one misbehaving host of TestFaults and how it must fail.
type faultCase struct {
	name     string
	fault    winrmtest.Fault
	deny     bool
	delay    time.Duration
	creds    transport.Credentials
	cfg      func(*testing.T, *winrmtest.Server) winrm.Config
	tls      bool
	timeout  time.Duration // scan context
	atOpen   bool
	kind     transport.Outcome
	contains string
	remedy   hint.Hint // for the front end to word; 0: none
}

func (tc faultCase) run(t *testing.T) {
	srv := start(t, winrmtest.Options{Fault: tc.fault, Delay: tc.delay, TLS: tc.tls, DenyShell: tc.deny})
	cfg := httpCfg(srv)
	if tc.cfg != nil {
		cfg = tc.cfg(t, srv)
	}
	cfg.MaxOutput = 64 << 10
	creds := goodCreds
	if tc.creds.User != "" {
		creds = tc.creds
	}
	ctx := context.Background()
	if tc.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, tc.timeout)
		defer cancel()
	}
	began := time.Now()
	sess, err := winrm.NewOpener(onLoopback(cfg)).Open(ctx, endpoint(srv), options(creds))
	if err == nil {
		if tc.atOpen {
			sess.Close()
			t.Fatal("Open succeeded, want an error")
		}
		err = failingFacts(t, ctx, srv, sess)
	} else if !tc.atOpen {
		t.Fatalf("Open: %v, want it to succeed and Facts to fail", err)
	}
	tc.check(t, err)
	if tc.timeout > 0 && time.Since(began) > tc.timeout+2*time.Second {
		t.Errorf("took %v with a %v deadline", time.Since(began), tc.timeout)
	}
	st := srv.Stats()
	if st.ShellsCreated != st.ShellsDeleted || srv.OpenShells() != 0 {
		t.Errorf("shells leaked: created %d, deleted %d, open %d", st.ShellsCreated, st.ShellsDeleted, srv.OpenShells())
	}
}

// failingFacts asks for facts the host fails to give, and returns its
// error; the failure must delete the shell at once and stick.
func failingFacts(t *testing.T, ctx context.Context, srv *winrmtest.Server, sess transport.Session) error {
	t.Helper()
	_, err := sess.Facts(ctx, batch)
	if err == nil {
		t.Fatal("Facts succeeded, want an error")
	}
	// The shell is deleted as soon as the host fails, before Close.
	if n := srv.OpenShells(); n != 0 {
		t.Errorf("%d shells still open after the failure", n)
	}
	if cerr := sess.Close(); cerr != nil {
		t.Errorf("Close after failure: %v", cerr)
	}
	if _, again := sess.Facts(ctx, batch); again == nil {
		t.Error("Facts after a host failure succeeded")
	}
	return err
}

// check: the host's error has the outcome, says what, carries the remedy,
// names no flag and reveals no password.
func (tc faultCase) check(t *testing.T, err error) {
	t.Helper()
	if got := transport.OutcomeOf(err); got != tc.kind {
		t.Errorf("kind %q, want %q (error: %v)", got, tc.kind, err)
	}
	if !strings.Contains(err.Error(), tc.contains) {
		t.Errorf("error %q does not mention %q", err, tc.contains)
	}
	if tc.remedy != 0 && !hint.Has(err, tc.remedy) {
		t.Errorf("hints %v, want %v", hint.Of(err), tc.remedy)
	}
	if strings.Contains(err.Error(), "--") {
		t.Errorf("the transport names a flag: %q", err)
	}
	if strings.Contains(err.Error(), acct.Password) || strings.Contains(err.Error(), "nope") {
		t.Errorf("error reveals the password: %v", err)
	}
}

// TestSlowButInTime checks that OperationTimeout faults on Receive are
// retried, not errors.
func TestSlowButInTime(t *testing.T) {
	srv := start(t, winrmtest.Options{Fault: winrmtest.FaultSlow, Delay: 50 * time.Millisecond})
	sess, err := winrm.NewOpener(onLoopback(httpCfg(srv))).Open(context.Background(), endpoint(srv), options(goodCreds))
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	got, err := sess.Facts(context.Background(), batch[:1])
	if err != nil || !got[0].Found {
		t.Fatalf("Facts = %+v, %v", got, err)
	}
}

// TestCancelDeletesShell cancels the scan while the host is answering.
func TestCancelDeletesShell(t *testing.T) {
	srv := start(t, winrmtest.Options{Fault: winrmtest.FaultSlow, Delay: 5 * time.Second})
	sess, err := winrm.NewOpener(onLoopback(httpCfg(srv))).Open(context.Background(), endpoint(srv), options(goodCreds))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	if _, err := sess.Facts(ctx, batch); !errors.Is(err, context.Canceled) {
		t.Errorf("Facts after cancel: %v, want context.Canceled", err)
	}
	if n := srv.OpenShells(); n != 0 {
		t.Errorf("%d shells open after cancel", n)
	}
	if err := sess.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

func TestManyRequestsOneCommand(t *testing.T) {
	host := winrmtest.NewMapHost()
	var reqs []facts.Request
	for i := range 3000 {
		p := `C:\Windows\System32\f` + strconv.Itoa(i) + `.dll`
		if i%2 == 0 {
			host.SetFile(p, facts.FileInfo{Size: int64(i), Version: "6.1.7601." + strconv.Itoa(i)})
		}
		reqs = append(reqs, facts.Request{Kind: facts.FactFile, Path: p})
	}
	srv := start(t, winrmtest.Options{Host: host, ChunkSize: 64 << 10})
	sess, err := winrm.NewOpener(onLoopback(httpCfg(srv))).Open(context.Background(), endpoint(srv), options(goodCreds))
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	got, err := sess.Facts(context.Background(), reqs)
	if err != nil {
		t.Fatal(err)
	}
	for i, a := range got {
		if a.Found != (i%2 == 0) || (a.Found && a.File.Size != int64(i)) {
			t.Fatalf("answer %d = %+v", i, a)
		}
	}
	if st := srv.Stats(); st.Commands != 1 {
		t.Errorf("%d commands for one batch, want 1", st.Commands)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		cfg winrm.Config
		ok  bool
		is  error // the typed mistake, for the command line to word
	}{
		{winrm.DefaultConfig(), true, nil},
		{winrm.Config{HTTPS: true, Basic: true}, true, nil},
		{winrm.Config{Basic: true}, false, winrm.ErrBasicNeedsHTTPS},
		{winrm.Config{Insecure: true}, false, winrm.ErrInsecureNeedsHTTPS},
		{winrm.Config{CAFile: "ca.pem"}, false, winrm.ErrCANeedsHTTPS},
		{winrm.Config{HTTPS: true, CAFile: "/nonexistent/ca.pem"}, false, nil},
		{winrm.Config{HTTPS: true, Port: 70000}, false, nil},
	}
	for _, tc := range tests {
		err := tc.cfg.Validate()
		if (err == nil) != tc.ok || (tc.is != nil && !errors.Is(err, tc.is)) {
			t.Errorf("Validate(%+v) = %v, want ok=%v, %v", tc.cfg, err, tc.ok, tc.is)
		}
		if err != nil && strings.Contains(err.Error(), "--") {
			t.Errorf("Validate names a flag: %v", err)
		}
	}
	if !winrm.DefaultConfig().HTTPS || winrm.DefaultConfig().Insecure {
		t.Error("default must be HTTPS with certificate checks")
	}
}

// TestPortFromAddr: with --transport winrm the target's own port counts.
func TestPortFromAddr(t *testing.T) {
	srv := start(t, winrmtest.Options{})
	ep := transport.Endpoint{Host: srv.Host, Addr: srv.Addr()}
	for _, tc := range []struct {
		cfg winrm.Config
		ok  bool
	}{
		{winrm.Config{PortFromAddr: true, Port: 1}, true},
		{winrm.Config{Port: 1}, false}, // port 1 is closed: Addr's port ignored
	} {
		s, err := winrm.NewOpener(onLoopback(tc.cfg)).Open(context.Background(), ep, options(goodCreds))
		if (err == nil) != tc.ok {
			t.Errorf("%+v: Open error %v, want ok=%v", tc.cfg, err, tc.ok)
		}
		if err == nil {
			s.Close()
		}
	}
}

// onLoopback gives cfg the loopback policy's dialer, as the tests pass it.
func onLoopback(cfg winrm.Config) winrm.Config {
	cfg.Dial = netguard.Loopback.DialContext
	return cfg
}
