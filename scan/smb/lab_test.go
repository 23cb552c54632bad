package smb

import (
	"context"
	"encoding/hex"
	"errors"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/patchscan/patchscan/facts"
	"github.com/patchscan/patchscan/internal/lab"
	"github.com/patchscan/patchscan/internal/leakcheck"
	"github.com/patchscan/patchscan/scan/hint"
	"github.com/patchscan/patchscan/scan/transport"
)

// The standard lab is started once for the package's tests: smbd start-up
// is the slow part.
var (
	labOnce sync.Once
	theLab  *lab.Lab
	labErr  error
	labDir  string
)

func standardLab(t *testing.T) *lab.Lab {
	t.Helper()
	labOnce.Do(func() {
		labDir, labErr = osMkdirTemp()
		if labErr == nil {
			theLab, labErr = lab.Run(labDir, lab.Config{}, lab.StandardHosts()...)
		}
	})
	if labErr != nil {
		if ciMode() {
			t.Fatalf("samba lab: %v", labErr)
		}
		t.Skipf("samba lab cannot start (set CI=true to make this fatal): %v", labErr)
	}
	return theLab
}

func open(t *testing.T, l *lab.Lab, name string, cfg Config) (transport.Session, error) {
	t.Helper()
	h := l.Host(name)
	if h == nil {
		t.Fatalf("no lab host %s", name)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return NewOpener(onLoopback(cfg)).Open(ctx, transport.Endpoint{Host: h.IP, Addr: h.Addr()}, transport.Options{
		Credentials: transport.Credentials{Domain: l.Domain, User: l.User, Password: l.Password},
		Timeout:     20 * time.Second,
	})
}

func utf16z(s string) []byte {
	var b []byte
	for _, r := range s {
		b = append(b, byte(r), byte(r>>8))
	}
	return append(b, 0, 0)
}

const (
	cv     = `HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion`
	kbKey  = `HKLM\SOFTWARE\Microsoft\Updates\Windows 7\SP1\KB4012212`
	srvWin = `C:\Windows\System32\drivers\srv.sys`
)

func TestLabPatchedHostFacts(t *testing.T) {
	l := standardLab(t)
	s, err := open(t, l, lab.Patched, Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	reqs := []facts.Request{
		{Kind: facts.FactRegValue, Key: cv, Name: "CurrentVersion"},
		{Kind: facts.FactRegValue, Key: cv, Name: "SystemRoot"},
		{Kind: facts.FactRegValue, Key: cv, Name: "ProductName"}, // hidden by Samba
		{Kind: facts.FactRegValue, Key: `HKLM\SYSTEM\CurrentControlSet\Control\ProductOptions`, Name: "ProductType"},
		{Kind: facts.FactRegKey, Key: kbKey},
		{Kind: facts.FactRegValue, Key: kbKey, Name: "Installed"},
		{Kind: facts.FactRegKey, Key: `HKLM\SOFTWARE\Microsoft\Updates\Windows 7\SP1\KB9999999`},
		{Kind: facts.FactRegValue, Key: `HKLM\SOFTWARE\NoSuchKey`, Name: "X"},
		{Kind: facts.FactRegValue, Key: `HKLM\SOFTWARE\PatchscanLab`, Name: ""},
		{Kind: facts.FactRegValue, Key: `HKLM\SOFTWARE\PatchscanLab\Big`, Name: "Long"},
		{Kind: facts.FactRegValue, Key: `HKCU\Software\X`, Name: "Y"},
		{Kind: facts.FactFile, Path: srvWin, SHA256: true},
		{Kind: facts.FactFile, Path: `C:\Program Files\PatchscanLab\tool.exe`},
		{Kind: facts.FactFile, Path: `C:\Windows\System32\drivers\nosuch.sys`},
		{Kind: facts.FactFile, Path: `C:\Windows\System32\drivers`},
		{Kind: facts.FactFile, Path: `C:\Windows\System32\locked.dll`},
	}
	answers, err := s.Facts(context.Background(), reqs)
	if err != nil {
		t.Fatal(err)
	}
	if len(answers) != len(reqs) {
		t.Fatalf("%d answers for %d requests", len(answers), len(reqs))
	}
	big := strings.Repeat("ABCDEFGHIJKLMNOPQRSTUVWXYZ", 9000/26+1)[:9000]
	wants := []factWant{
		{found: true, typ: facts.RegSZ, data: utf16z("6.1")},
		{found: true, typ: facts.RegSZ, data: utf16z(`c:\Windows`)},
		{found: false},
		{found: true, typ: facts.RegSZ, data: utf16z("ServerNT")},
		{found: true},
		{found: true, typ: facts.RegDWORD, data: []byte{1, 0, 0, 0}},
		{found: false},
		{found: false},
		{found: true, typ: facts.RegSZ, data: utf16z("default value")},
		{found: true, typ: facts.RegSZ, data: utf16z(big)},
		{errLike: "only HKLM"},
		{found: true, version: "6.1.7601.23689", sha: lab.SrvSHA256},
		{found: true, version: "6.1.7601.17514"},
		{found: false},
		{errLike: "directory"},
		{errLike: "access denied"},
	}
	for i, w := range wants {
		w.check(t, reqs[i], answers[i])
	}
}

// factWant is what one fact of the patched lab host must be.
type factWant struct {
	found   bool
	errLike string
	typ     facts.ValueType
	data    []byte
	version string
	sha     string
}

func (w factWant) check(t *testing.T, r facts.Request, a facts.Answer) {
	t.Helper()
	name := r.Key + `\` + r.Name + r.Path
	if w.errLike != "" {
		if a.Err == nil || !strings.Contains(a.Err.Error(), w.errLike) {
			t.Errorf("%s: err %v, want %q", name, a.Err, w.errLike)
		}
		if w.errLike == "access denied" && !errors.Is(a.Err, facts.ErrAccessDenied) {
			t.Errorf("%s: %v does not wrap facts.ErrAccessDenied", name, a.Err)
		}
		return
	}
	if a.Err != nil {
		t.Errorf("%s: %v", name, a.Err)
		return
	}
	if a.Found != w.found {
		t.Errorf("%s: found %v, want %v", name, a.Found, w.found)
		return
	}
	if r.Kind == facts.FactRegValue && w.found {
		if a.Value.Type != w.typ || hex.EncodeToString(a.Value.Data) != hex.EncodeToString(w.data) {
			t.Errorf("%s: type %d data %x, want %d %x", name, a.Value.Type, a.Value.Data, w.typ, w.data)
		}
	}
	if r.Kind == facts.FactFile && w.found {
		if a.File.Version != w.version || a.File.SHA256 != w.sha || a.File.Size == 0 {
			t.Errorf("%s: %+v, want version %s sha %q", name, a.File, w.version, w.sha)
		}
		if !strings.HasPrefix(a.File.StringVersion, w.version+" (") {
			t.Errorf("%s: string version %q", name, a.File.StringVersion)
		}
	}
}

func TestLabHostErrors(t *testing.T) {
	l := standardLab(t)
	tests := []struct {
		host string
		kind transport.Outcome
		hint string
		// noRegistry: the error is transport.ErrRegistryUnavailable, on
		// which the auto transport falls back to WinRM.
		noRegistry bool
		remedy     hint.Hint // for the front end to word
	}{
		{lab.NoWinreg, transport.Failed, "Remote Registry service running", true, hint.TryWinRM},
		{lab.WrongPassword, transport.AuthFailed, "unknown user name or bad password", false, hint.CheckCredentials},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			s, err := open(t, l, tt.host, Config{})
			if err == nil {
				s.Close()
				t.Fatal("opened")
			}
			var te *transport.Error
			if !errors.As(err, &te) || te.Outcome != tt.kind || !strings.Contains(err.Error(), tt.hint) {
				t.Fatalf("err %v (kind %v), want kind %v with %q", err, transport.OutcomeOf(err), tt.kind, tt.hint)
			}
			if got := errors.Is(err, transport.ErrRegistryUnavailable); got != tt.noRegistry {
				t.Errorf("errors.Is(err, ErrRegistryUnavailable) = %v, want %v", got, tt.noRegistry)
			}
			if !hint.Has(err, tt.remedy) || strings.Contains(err.Error(), "--") {
				t.Errorf("hints %v, want %v; and no flag named in %q", hint.Of(err), tt.remedy, err)
			}
			if transport.ShouldFallBack(err) != tt.noRegistry {
				t.Errorf("ShouldFallBack = %v, want %v", !tt.noRegistry, tt.noRegistry)
			}
			if strings.Contains(err.Error(), l.Password) {
				t.Fatal("error reveals the password")
			}
			t.Logf("%s: %v", tt.host, err)
		})
	}
}

func TestUnreachableHost(t *testing.T) {
	// A loopback port nobody listens on.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, err = NewOpener(onLoopback(Config{})).Open(context.Background(), transport.Endpoint{Host: "127.0.0.1", Addr: addr},
		transport.Options{Credentials: transport.Credentials{User: "u", Password: "secret-pw"}, Timeout: 2 * time.Second})
	if transport.OutcomeOf(err) != transport.Unreachable || !strings.Contains(err.Error(), "refused") || strings.Contains(err.Error(), "secret-pw") {
		t.Fatalf("err %v, kind %v", err, transport.OutcomeOf(err))
	}
	if !errors.Is(err, transport.ErrNoConnection) || errors.Is(err, transport.ErrRegistryUnavailable) {
		t.Errorf("a refused connection is not marked ErrNoConnection (and only that): %v", err)
	}
}

func TestCancelClosesConnection(t *testing.T) {
	l := standardLab(t)
	s, err := open(t, l, lab.Patched, Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Facts(ctx, []facts.Request{{Kind: facts.FactRegKey, Key: kbKey}}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	// Cancel mid-batch: the answer comes back promptly with the context error.
	ctx, cancel = context.WithCancel(context.Background())
	var reqs []facts.Request
	for i := 0; i < 200; i++ {
		reqs = append(reqs, facts.Request{Kind: facts.FactRegKey, Key: kbKey + strings.Repeat("x", i+1)})
	}
	time.AfterFunc(20*time.Millisecond, cancel)
	start := time.Now()
	_, err = s.Facts(ctx, reqs)
	if err == nil || time.Since(start) > 2*time.Second {
		t.Fatalf("err %v after %v", err, time.Since(start))
	}
}

// The NT hash logs on like the password (pass-the-hash for operators who
// hold only the hash), and the encrypted host is read through SMB3
// encryption.
func TestLabNTHashAndEncryption(t *testing.T) {
	l := standardLab(t)
	for _, host := range []string{lab.Patched, lab.Encrypted} {
		h := l.Host(host)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		s, err := NewOpener(onLoopback(Config{})).Open(ctx, transport.Endpoint{Host: h.IP, Addr: h.Addr()}, transport.Options{
			Credentials: transport.Credentials{Domain: l.Domain, User: l.User, NTHash: ntHash(l.Password)},
			Timeout:     20 * time.Second,
		})
		if err != nil {
			cancel()
			t.Fatalf("%s: %v", host, err)
		}
		a, err := s.Facts(ctx, []facts.Request{{Kind: facts.FactFile, Path: srvWin, SHA256: true}, {Kind: facts.FactRegKey, Key: kbKey}})
		s.Close()
		cancel()
		if err != nil || !a[0].Found || a[0].File.SHA256 != lab.SrvSHA256 || !a[1].Found {
			t.Fatalf("%s: %+v %v", host, a, err)
		}
	}
}

// A host that accepts TCP but never answers costs the timeout, not more,
// and is reported unreachable.
func TestSilentHostTimesOut(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	start := time.Now()
	_, err = NewOpener(onLoopback(Config{})).Open(context.Background(), transport.Endpoint{Host: "127.0.0.1", Addr: ln.Addr().String()},
		transport.Options{Credentials: transport.Credentials{User: "u", Password: "pw"}, Timeout: 300 * time.Millisecond})
	if transport.OutcomeOf(err) != transport.Unreachable || time.Since(start) > 3*time.Second {
		t.Fatalf("err %v (kind %v) after %v", err, transport.OutcomeOf(err), time.Since(start))
	}
	t.Logf("%v after %v", err, time.Since(start).Round(time.Millisecond))
}

// A session leaves no goroutine behind once closed: background pipe opens,
// tree connects and file closes all end with the connection.
func TestCloseLeaksNoGoroutines(t *testing.T) {
	l := standardLab(t)
	before := runtime.NumGoroutine()
	for i := 0; i < 3; i++ {
		s, err := open(t, l, lab.Patched, Config{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Facts(context.Background(), []facts.Request{{Kind: facts.FactFile, Path: srvWin}, {Kind: facts.FactRegValue, Key: cv, Name: "SystemRoot"}}); err != nil {
			t.Fatal(err)
		}
		s.Close()
		s.Close() // idempotent
	}
	leakcheck.Settle(t, before)
}
