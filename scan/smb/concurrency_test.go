package smb

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/patchscan/patchscan/facts"
	"github.com/patchscan/patchscan/internal/lab"
	"github.com/patchscan/patchscan/internal/netem"
	"github.com/patchscan/patchscan/internal/netguard"
	"github.com/patchscan/patchscan/internal/rrp"
	"github.com/patchscan/patchscan/scan/transport"
)

// manyFilesHost has nFiles copies of a fixture with a known version, as
// the bench host has 20.
const nFiles = 32

func manyFilesHost() lab.HostSpec {
	spec := lab.HostSpec{Name: "many", Reg: []string{lab.BaseReg, lab.KBReg}}
	for i := range nFiles {
		spec.Files = append(spec.Files, lab.File{Path: fmt.Sprintf(`Windows\System32\many\m%02d.dll`, i), Src: lab.SrvExact})
	}
	return spec
}

// Many files read at once on one session, beside registry reads, all come
// back with their version. Before the transport stopped using File.Stat
// (whose 1 MiB output buffer needs 16 credits, sent with fewer when other
// requests of the session held credits), Samba refused some of them with
// STATUS_INVALID_PARAMETER ("CreditCharge too low") and those files came
// out as errors.
func TestManyFilesConcurrently(t *testing.T) {
	l := lab.Start(t, manyFilesHost())
	h := l.Hosts[0]
	for _, tc := range []struct {
		name string
		cfg  Config
		hash bool
	}{
		{"default", Config{}, false},
		{"checksums", Config{}, true},
		{"64 at once", Config{FileConcurrency: 64}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			s, err := NewOpener(onLoopback(tc.cfg)).Open(ctx, transport.Endpoint{Host: h.IP, Addr: h.Addr()}, transport.Options{
				Credentials: transport.Credentials{Domain: l.Domain, User: l.User, Password: l.Password},
				Timeout:     20 * time.Second,
			})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			var reqs []facts.Request
			for i := range nFiles {
				reqs = append(reqs, facts.Request{Kind: facts.FactFile, SHA256: tc.hash,
					Path: fmt.Sprintf(`C:\Windows\System32\many\m%02d.dll`, i)})
			}
			// Registry calls hold credits meanwhile, as in a real batch.
			for range 16 {
				reqs = append(reqs, facts.Request{Kind: facts.FactRegValue, Key: cv, Name: "CurrentVersion"},
					facts.Request{Kind: facts.FactRegKey, Key: kbKey})
			}
			// Several batches: the credit balance differs each time.
			for batch := range 3 {
				answers, err := s.Facts(ctx, reqs)
				if err != nil {
					t.Fatalf("batch %d: %v", batch, err)
				}
				bad := 0
				for i, a := range answers[:nFiles] {
					if a.Err != nil || !a.Found || a.File.Version != "6.1.7601.23689" || a.File.Size != 5120 ||
						(tc.hash && a.File.SHA256 != lab.SrvSHA256) {
						bad++
						t.Errorf("batch %d, file %d: %+v, err %v", batch, i, a.File, a.Err)
					}
				}
				for i, a := range answers[nFiles:] {
					if a.Err != nil || !a.Found {
						t.Errorf("batch %d, registry request %d: %+v", batch, i, a)
					}
				}
				if bad > 0 {
					t.Fatalf("batch %d: %d of %d files failed", batch, bad, nFiles)
				}
			}
		})
	}
}

// The Remote Registry server dies between two batches: the next batch
// fails as a whole with a host-level error that says so, instead of
// coming back as registry facts in error on a host that looks scanned.
// A value the account may not read is different: that one fact's error
// (TestLabPatchedHostFacts' locked file, facts.ErrAccessDenied).
func TestWinregDiesMidScan(t *testing.T) {
	l := lab.Start(t, lab.HostSpec{Name: "dies", Reg: []string{lab.BaseReg, lab.KBReg}})
	h := l.Hosts[0]
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s, err := NewOpener(onLoopback(Config{})).Open(ctx, transport.Endpoint{Host: h.IP, Addr: h.Addr()}, transport.Options{
		Credentials: transport.Credentials{Domain: l.Domain, User: l.User, Password: l.Password},
		Timeout:     20 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	reqs := []facts.Request{
		{Kind: facts.FactRegValue, Key: cv, Name: "CurrentVersion"},
		{Kind: facts.FactRegKey, Key: kbKey},
		{Kind: facts.FactRegValue, Key: kbKey, Name: "Installed"},
	}
	if a, err := s.Facts(ctx, reqs); err != nil || a[0].Err != nil || !a[1].Found {
		t.Fatalf("first batch: %+v, %v", a, err)
	}
	pids := h.WinregPIDs()
	if len(pids) == 0 {
		t.Fatal("no rpcd_winreg process of the host found")
	}
	// An idle worker may exit by itself between the listing and the kill
	// (ESRCH); the one serving this session may not.
	killed := 0
	for _, pid := range pids {
		switch err := syscall.Kill(pid, syscall.SIGKILL); {
		case err == nil:
			killed++
		case !errors.Is(err, syscall.ESRCH):
			t.Fatal(err)
		}
	}
	if killed == 0 {
		t.Fatalf("every rpcd_winreg process of the host (%v) was gone before the kill", pids)
	}
	// Keys and values not read yet, so the calls reach the dead server.
	reqs = []facts.Request{
		{Kind: facts.FactRegValue, Key: cv, Name: "SystemRoot"},
		{Kind: facts.FactRegKey, Key: `HKLM\SOFTWARE\Microsoft\Updates`},
	}
	a, err := s.Facts(ctx, reqs)
	if err == nil {
		t.Fatalf("second batch answered %+v", a)
	}
	var te *transport.Error
	if !errors.As(err, &te) || te.Outcome != transport.Failed || !strings.Contains(err.Error(), "Remote Registry service stopped") {
		t.Fatalf("err %v (kind %v), want a host-level error naming the Remote Registry", err, transport.OutcomeOf(err))
	}
	t.Log(err)
}

// A registry call costs one round trip: the pipe WRITE of the request
// and the READ of the reply go out together (pipeIO.Transceive), where a
// write and then a read cost two. Counted at a netem proxy that puts the
// host 2×25 ms away: a round trip is a client turn (a send after a reply)
// at least one delay after the previous one. This test measured wall
// time, which a loaded machine's scheduling added to call after call
// until the bound broke; a count only moves when a READ is issued so
// late (over 50 ms) that the WRITE's reply came first, and the bound
// allows several of those. One call at a time (write, wait, read) is two
// round trips per call, far past it.
func TestRegistryCallOneRoundTrip(t *testing.T) {
	l := standardLab(t)
	const delay = 25 * time.Millisecond
	cfg, p := viaNetem(t, l.Host(lab.Patched), delay)
	cfg.RegistryPipes = 1
	ts, err := open(t, l, lab.Patched, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer ts.Close()
	s := ts.(*session)
	s.bg.Wait() // the ADMIN$ tree connect made in the background
	rp, err := s.takePipe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer s.addPipe(rp)
	h, err := rp.openKey(context.Background(), `SOFTWARE\Microsoft\Windows NT\CurrentVersion`, &watchdog{})
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"CurrentVersion", "SystemRoot", "NoSuchValue"}
	// A cancellable context, as a scan's is: the call runs its exchange
	// in a goroutine it can abandon.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const calls = 10
	p.Reset()
	start := time.Now()
	for i := range calls {
		if _, _, err := rp.c.QueryValue(ctx, h, names[i%len(names)]); err != nil && !errors.Is(err, rrp.ErrNotFound) {
			t.Fatal(err)
		}
	}
	elapsed := time.Since(start)
	st := p.Stats()
	t.Logf("%d registry calls: %d round trips (%d turns), %v of wall time at %v per round trip", calls, st.RoundTrips, st.Turns, elapsed.Round(time.Millisecond), 2*delay)
	if st.RoundTrips < calls || st.RoundTrips > calls+calls/2 {
		t.Errorf("%d registry calls took %d round trips, want about %d (two per call without pipelining)", calls, st.RoundTrips, calls)
	}
}

// viaNetem is a configuration whose connections go through a netem proxy
// in front of h, delay away each way.
func viaNetem(t *testing.T, h *lab.Host, delay time.Duration) (Config, *netem.Proxy) {
	t.Helper()
	p, err := netem.Start(netem.Config{Listen: "127.0.0.1:0", Target: h.Addr(), Delay: delay})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return Config{Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return netguard.Loopback.DialContext(ctx, network, p.Addr())
	}}, p
}
