package scan

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/patchscan/patchscan/detect"
	"github.com/patchscan/patchscan/facts"
	"github.com/patchscan/patchscan/internal/netguard"
	"github.com/patchscan/patchscan/scan/hint"
	"github.com/patchscan/patchscan/scan/targets"
	"github.com/patchscan/patchscan/scan/transport"
)

// behaviour of a fake host, chosen by its name.
type behaviour struct {
	openErr   error
	factsErr  error
	hang      bool // Facts ignores its context and blocks until release
	slow      time.Duration
	probe     string // "refused", "silent": how the TCP probe fails
	nilReport bool
}

// fakeOpener is a transport.Opener double: it records concurrency and
// closes, and behaves per host as told.
type fakeOpener struct {
	hosts   map[string]behaviour
	release chan struct{} // unblocks hanging hosts

	mu        sync.Mutex
	opens     map[string]int
	active    int
	maxActive int
	closed    atomic.Int64
	opened    atomic.Int64
}

func newFake(hosts map[string]behaviour) *fakeOpener {
	return &fakeOpener{hosts: hosts, release: make(chan struct{}), opens: map[string]int{}}
}

func (f *fakeOpener) Name() string { return "smb" }

func (f *fakeOpener) Open(ctx context.Context, ep transport.Endpoint, opts transport.Options) (transport.Session, error) {
	b := f.hosts[ep.Host]
	f.mu.Lock()
	f.opens[ep.Host]++
	f.mu.Unlock()
	if b.openErr != nil {
		return nil, b.openErr
	}
	f.opened.Add(1)
	return &fakeSession{f: f, b: b, host: ep.Host}, nil
}

type fakeSession struct {
	f    *fakeOpener
	b    behaviour
	host string
}

func (s *fakeSession) Facts(ctx context.Context, reqs []facts.Request) ([]facts.Answer, error) {
	s.f.mu.Lock()
	s.f.active++
	if s.f.active > s.f.maxActive {
		s.f.maxActive = s.f.active
	}
	s.f.mu.Unlock()
	defer func() {
		s.f.mu.Lock()
		s.f.active--
		s.f.mu.Unlock()
	}()
	if s.b.hang {
		<-s.f.release
		return nil, errors.New("released")
	}
	if s.b.slow > 0 {
		select {
		case <-time.After(s.b.slow):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if s.b.factsErr != nil {
		return nil, s.b.factsErr
	}
	return make([]facts.Answer, len(reqs)), nil
}

func (s *fakeSession) Close() error { s.f.closed.Add(1); return nil }

// fakeEngine asks one batch of facts and reports.
type fakeEngine struct{}

func (e fakeEngine) Scan(ctx context.Context, h facts.Host) (*detect.Report, error) {
	if _, err := h.Facts(ctx, []facts.Request{{Kind: facts.FactRegKey, Key: `HKLM\SOFTWARE`}}); err != nil {
		return nil, err
	}
	if s, ok := h.(*fakeSession); ok && s.b.nilReport {
		return nil, nil
	}
	return &detect.Report{Facts: 1, Batches: 1}, nil
}

// fakeDial answers the probe per host without any network.
func fakeDial(hosts map[string]behaviour) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		h, _, _ := net.SplitHostPort(addr)
		for name, b := range hosts {
			// Names are "resolved" to themselves by the test resolver.
			if name != h {
				continue
			}
			switch b.probe {
			case "refused":
				return nil, &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
			case "silent":
				<-ctx.Done()
				return nil, &net.OpError{Op: "dial", Net: "tcp", Err: ctx.Err()}
			}
		}
		a, b := net.Pipe()
		_ = b.Close()
		return a, nil
	}
}

func seq(hosts ...string) func(func(targets.Target) bool) {
	return func(yield func(targets.Target) bool) {
		for _, h := range hosts {
			if !yield(targets.Target{Host: h, Input: h}) {
				return
			}
		}
	}
}

// IP-literal hosts skip the resolver, so the tests use addresses as names.
func ip(i int) string { return fmt.Sprintf("127.42.0.%d", i) }

func TestRunStatuses(t *testing.T) {
	hosts := map[string]behaviour{
		ip(1):  {},
		ip(2):  {probe: "refused"},
		ip(3):  {probe: "silent"},
		ip(4):  {openErr: hint.With(&transport.Error{Outcome: transport.AuthFailed, Host: ip(4), Op: "session setup", Err: errors.New("STATUS_LOGON_FAILURE")}, hint.CheckCredentials)},
		ip(5):  {openErr: &transport.Error{Outcome: transport.AccessDenied, Host: ip(5), Op: "open winreg", Err: errors.New("STATUS_ACCESS_DENIED")}},
		ip(6):  {openErr: &transport.Error{Outcome: transport.Unreachable, Host: ip(6), Op: "open winreg", Err: errors.New("STATUS_OBJECT_NAME_NOT_FOUND"), Hint: "winreg pipe unavailable: is the Remote Registry service running?"}},
		ip(7):  {factsErr: errors.New("connection reset\nby peer")},
		ip(8):  {factsErr: fmt.Errorf("read: %w", facts.ErrAccessDenied)},
		ip(9):  {slow: 5 * time.Second},
		ip(10): {openErr: errors.New("bad password s3cr3t-Pa55 rejected")},
		ip(11): {nilReport: true},
	}
	want := map[string]statusWant{
		ip(1):  {transport.Scanned, "", nil},
		ip(2):  {transport.Unreachable, "TCP port 445 refused the connection", nil},
		ip(3):  {transport.Unreachable, "no answer on TCP port 445 within 200ms", []hint.Hint{hint.RaiseProbeTimeout}},
		ip(4):  {transport.AuthFailed, "session setup on 127.42.0.4: STATUS_LOGON_FAILURE", []hint.Hint{hint.CheckCredentials}},
		ip(5):  {transport.AccessDenied, "STATUS_ACCESS_DENIED", nil},
		ip(6):  {transport.Unreachable, "is the Remote Registry service running?", nil},
		ip(7):  {transport.Failed, "connection reset by peer", nil},
		ip(8):  {transport.AccessDenied, "access denied", nil},
		ip(9):  {transport.Failed, "per-host timeout of 3s", []hint.Hint{hint.RaiseTimeout}},
		ip(10): {transport.Failed, "bad password <redacted> rejected", nil},
		ip(11): {transport.Failed, "no report", nil},
	}
	f := newFake(hosts)
	cfg := onLoopback(Config{
		Opener: f, Engine: fakeEngine{}, Port: 445, Threads: 4,
		// Generous: a loaded CI machine must not turn fast hosts into timeouts.
		Timeout: 3 * time.Second, ProbeTimeout: 200 * time.Millisecond,
		Dial:        fakeDial(hosts),
		Credentials: transport.Credentials{User: "u", Password: "s3cr3t-Pa55"},
	})
	got := runEach(t, cfg, hosts)
	for h, w := range want {
		r, ok := got[h]
		if !ok {
			t.Errorf("%s: no result", h)
			continue
		}
		w.check(t, h, r)
	}
	if o, c := f.opened.Load(), f.closed.Load(); o != c {
		t.Errorf("%d sessions opened, %d closed", o, c)
	}
	// The error is typed: its cause stays reachable under the clean line.
	if r := got[ip(9)]; !errors.Is(r.Error, context.DeadlineExceeded) {
		t.Errorf("timed-out host: %v does not match context.DeadlineExceeded", r.Error)
	}
	var te *transport.Error
	if r := got[ip(4)]; !errors.As(r.Error, &te) || te.Op != "session setup" {
		t.Errorf("auth-failed host: %v does not wrap the transport's error", r.Error)
	}
	if r := got[ip(1)]; r.Error != nil || r.Reason() != "" {
		t.Errorf("scanned host has an error: %v", r.Error)
	}
}

// statusWant is how one host of TestRunStatuses must end.
type statusWant struct {
	status transport.Outcome
	reason string
	hints  []hint.Hint // for the front end to word
}

func (w statusWant) check(t *testing.T, h string, r HostResult) {
	t.Helper()
	if r.Status != w.status || !strings.Contains(r.Reason(), w.reason) {
		t.Errorf("%s: status %s %q, want %s containing %q", h, r.Status, r.Reason(), w.status, w.reason)
	}
	if strings.Contains(r.Reason(), "\n") || strings.Contains(r.Reason(), "s3cr3t") {
		t.Errorf("%s: reason %q is multi-line or leaks the password", h, r.Reason())
	}
	if got := hint.Of(r.Error); !slices.Equal(got, w.hints) {
		t.Errorf("%s: hints %v, want %v", h, got, w.hints)
	}
	if strings.Contains(r.Reason(), "--") {
		t.Errorf("%s: the run names a flag: %q", h, r.Reason())
	}
	if (r.Report != nil) != (r.Status == transport.Scanned) {
		t.Errorf("%s: report %v with status %s", h, r.Report, r.Status)
	}
	if r.Address != h || r.Transport != "smb" || r.Started.IsZero() || r.Finished.Before(r.Started) {
		t.Errorf("%s: bad result metadata %+v", h, r)
	}
}

// runEach runs every host of hosts once and returns the results by
// target; each host must be emitted once and the run not interrupted.
func runEach(t *testing.T, cfg Config, hosts map[string]behaviour) map[string]HostResult {
	t.Helper()
	var names []string
	for h := range hosts {
		names = append(names, h)
	}
	got := map[string]HostResult{}
	sum, err := Run(context.Background(), cfg, seq(names...), func(r HostResult) {
		if _, dup := got[r.Target]; dup {
			t.Errorf("host %s emitted twice", r.Target)
		}
		got[r.Target] = r
	})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Hosts != len(hosts) || sum.Interrupted {
		t.Errorf("summary %+v", sum)
	}
	return got
}

// A host that ignores its context must not hold the run past its
// deadline plus the grace period.
func TestRunHungHostDoesNotStall(t *testing.T) {
	hosts := map[string]behaviour{ip(1): {hang: true}, ip(2): {}, ip(3): {}}
	f := newFake(hosts)
	defer close(f.release)
	cfg := onLoopback(Config{Opener: f, Engine: fakeEngine{}, Port: 445, Threads: 1,
		Timeout: time.Second, CancelGrace: 100 * time.Millisecond, Dial: fakeDial(hosts)})
	start := time.Now()
	var order []string
	_, err := Run(context.Background(), cfg, seq(ip(1), ip(2), ip(3)), func(r HostResult) {
		order = append(order, string(r.Status))
	})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 4*time.Second {
		t.Errorf("run took %v with one hung host (1s timeout + 0.1s grace)", d)
	}
	want := []string{"error", "scanned", "scanned"}
	if strings.Join(order, ",") != strings.Join(want, ",") {
		t.Errorf("statuses %v, want %v", order, want)
	}
}

// Cancellation stops new hosts, ends in-flight ones within the grace
// period, and emits every started host exactly once.
func TestRunCancel(t *testing.T) {
	hosts := map[string]behaviour{}
	var names []string
	for i := 1; i <= 200; i++ {
		hosts[ip(i)] = behaviour{slow: 50 * time.Millisecond}
		names = append(names, ip(i))
	}
	hosts[ip(7)] = behaviour{hang: true} // ignores cancellation
	f := newFake(hosts)
	defer close(f.release)
	var started atomic.Int64
	cfg := onLoopback(Config{Opener: f, Engine: fakeEngine{}, Port: 445, Threads: 8, Dial: fakeDial(hosts),
		Timeout: time.Minute, OnStart: func(targets.Target) { started.Add(1) }})
	ctx, cancel := context.WithCancel(context.Background())
	seen := map[string]bool{}
	var cancelledAt time.Time
	scanned, interrupted := 0, 0
	sum, err := Run(ctx, cfg, seq(names...), func(r HostResult) {
		if seen[r.Target] {
			t.Errorf("%s emitted twice", r.Target)
		}
		seen[r.Target] = true
		switch {
		case r.Status == transport.Scanned:
			scanned++
		case errors.Is(r.Error, ErrInterrupted):
			interrupted++
		default:
			t.Errorf("%s: unexpected %s %q", r.Target, r.Status, r.Reason())
		}
		if scanned == 20 && cancelledAt.IsZero() {
			cancelledAt = time.Now()
			cancel()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	// The grace period is 1.5s; the rest is slack for a loaded machine.
	if d := time.Since(cancelledAt); d > 2500*time.Millisecond {
		t.Errorf("run ended %v after cancellation, want < 2s", d)
	}
	if !sum.Interrupted {
		t.Error("summary not marked interrupted")
	}
	if int64(len(seen)) != started.Load() {
		t.Errorf("%d hosts started but %d emitted", started.Load(), len(seen))
	}
	if len(seen) >= len(names) {
		t.Errorf("all %d hosts ran despite cancellation", len(seen))
	}
	if interrupted == 0 {
		t.Error("no in-flight host was reported interrupted")
	}
}

// Results stream: with 4 workers and 20,000 targets, at most 4 sessions
// are active at once and the heap doesn't grow with the target count.
func TestRunBoundedByPool(t *testing.T) {
	f := newFake(nil)
	cfg := onLoopback(Config{Opener: f, Engine: fakeEngine{}, Port: 445, Threads: 4, ProbeTimeout: -1})
	const n = 20000
	all := func(yield func(targets.Target) bool) {
		for i := range n {
			if !yield(targets.Target{Host: fmt.Sprintf("127.%d.%d.%d", 100+i>>16, (i>>8)&255, i&255)}) {
				return
			}
		}
	}
	var peak uint64
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	count := 0
	_, err := Run(context.Background(), cfg, all, func(r HostResult) {
		count++
		if r.Status != transport.Scanned {
			t.Fatalf("%s: %s %s", r.Target, r.Status, r.Reason())
		}
		if count%2000 == 0 {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > peak {
				peak = ms.HeapAlloc
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if count != n {
		t.Errorf("emitted %d of %d", count, n)
	}
	if f.maxActive > 4 {
		t.Errorf("%d sessions active at once with 4 threads", f.maxActive)
	}
	if peak > base+8<<20 {
		t.Errorf("live heap grew from %d to %d bytes over %d hosts", base, peak, n)
	}
	t.Logf("live heap: base %d KiB, peak %d KiB over %d hosts", base>>10, peak>>10, n)
}

// A context cancelled after the last host is not an interruption.
func TestRunCancelledAfterLastHost(t *testing.T) {
	f := newFake(nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := 0
	sum, err := Run(ctx, onLoopback(Config{Opener: f, Engine: fakeEngine{}, Port: 445, ProbeTimeout: -1}), seq(ip(1), ip(2)), func(HostResult) {
		n++
		if n == 2 {
			cancel()
		}
	})
	if err != nil || sum.Interrupted || sum.Hosts != 2 {
		t.Errorf("summary %+v, %v; want 2 hosts, not interrupted", sum, err)
	}
}

func TestRunConfigErrors(t *testing.T) {
	if _, err := Run(context.Background(), Config{}, seq(), func(HostResult) {}); err == nil {
		t.Error("Run without an Opener succeeded")
	}
}

// TestRunRefusesWhatThePolicyForbids checks the guard that keeps the test
// suite off real networks: under the loopback policy a non-loopback target
// is refused before any probe or session, whatever dialer the test wires in.
func TestRunRefusesWhatThePolicyForbids(t *testing.T) {
	f := newFake(nil)
	var dialed atomic.Int32
	cfg := onLoopback(Config{
		Opener: f,
		Engine: fakeEngine{},
		Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
			dialed.Add(1)
			return nil, errors.New("must not dial")
		},
	})
	var got []HostResult
	if _, err := Run(context.Background(), cfg, seq("192.0.2.7", "10.1.2.3"), func(r HostResult) { got = append(got, r) }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("got %d results, want 2", len(got))
	}
	for _, r := range got {
		if r.Status != transport.Failed || !strings.Contains(r.Reason(), "only loopback") {
			t.Errorf("%s: status %s %q, want error refusing a non-loopback address", r.Target, r.Status, r.Reason())
		}
	}
	if n := dialed.Load(); n != 0 {
		t.Errorf("dialed %d times, want 0", n)
	}
}

// TestRunNameTargetUnderLoopbackPolicy: under the loopback policy a host
// name is resolved only by a resolver that talks to loopback; with the
// system's servers or a DNS server off the machine, the name is refused
// before any DNS query is dialled (and so before any probe or session).
func TestRunNameTargetUnderLoopbackPolicy(t *testing.T) {
	var mu sync.Mutex
	var dialed []string
	policy := netguard.Policy{LoopbackOnly: true, Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
		mu.Lock()
		defer mu.Unlock()
		dialed = append(dialed, addr) // would have left this process
		return nil, errors.New("not dialling")
	}}
	for _, tc := range []struct{ server, want string }{
		{"", "refusing to ask the system's DNS servers"},
		{"192.0.2.53", "refusing to contact 192.0.2.53"},
		{"[2001:db8::53]:53", "refusing to contact 2001:db8::53"},
	} {
		resolver, err := policy.Resolver(tc.server)
		if err != nil {
			t.Fatal(err)
		}
		f := newFake(nil)
		cfg := Config{Opener: f, Engine: fakeEngine{}, Port: 445, Allow: policy.Check, Resolver: resolver, Dial: policy.DialContext}
		var got []HostResult
		if _, err := Run(context.Background(), cfg, seq("ws01.corp.example"), func(r HostResult) { got = append(got, r) }); err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].Status != transport.Unreachable || !strings.Contains(got[0].Reason(), tc.want) {
			t.Errorf("dns server %q: %+v, want unreachable: %q", tc.server, got, tc.want)
		}
		if n := len(f.opens); n != 0 {
			t.Errorf("dns server %q: %d sessions opened", tc.server, n)
		}
	}
	if len(dialed) != 0 {
		t.Errorf("dialled %v: a DNS query (or a probe) would have left the machine", dialed)
	}
}

// onLoopback gives cfg the loopback policy, as the run's tests pass it:
// addresses outside loopback are refused, names resolve only from the
// hosts file, and the probe (unless the test has its own dialer) holds to
// it too.
func onLoopback(cfg Config) Config {
	p := netguard.Loopback
	r, err := p.Resolver("")
	if err != nil {
		panic(err)
	}
	cfg.Allow, cfg.Resolver = p.Check, r
	if cfg.Dial == nil {
		cfg.Dial = p.DialContext
	}
	return cfg
}

// TestRunRedactsEverySecret: a transport that echoes the secret in its
// error never gets it into the host's result, whatever the secret's form
// (issue 13.8: NT hashes and passwords shorter than 4 characters were
// left in).
func TestRunRedactsEverySecret(t *testing.T) {
	hash := []byte{0x88, 0x46, 0xf7, 0xea, 0xee, 0x8f, 0xb1, 0x17, 0xad, 0x06, 0xbd, 0xd8, 0x30, 0xb7, 0x58, 0x6c}
	for _, tc := range []struct {
		creds  transport.Credentials
		echo   string
		secret string
	}{
		{transport.Credentials{User: "u", Password: "pw"}, "logon with password 'pw' refused", "'pw'"},
		{transport.Credentials{User: "u", Password: "x"}, "password x is wrong", " x "},
		{transport.Credentials{User: "u", NTHash: hash}, "pass-the-hash 8846F7EAEE8FB117AD06BDD830B7586C refused", "8846F7EAEE8FB117AD06BDD830B7586C"},
		{transport.Credentials{User: "u", NTHash: hash}, "hash aad3b435b51404eeaad3b435b51404ee:8846f7eaee8fb117ad06bdd830b7586c", "8846f7eaee8fb117ad06bdd830b7586c"},
	} {
		hosts := map[string]behaviour{ip(1): {openErr: errors.New(tc.echo)}}
		cfg := onLoopback(Config{Opener: newFake(hosts), Engine: fakeEngine{}, Port: 445, Threads: 1,
			Timeout: 3 * time.Second, ProbeTimeout: -1, Dial: fakeDial(hosts), Credentials: tc.creds})
		r := runEach(t, cfg, hosts)[ip(1)]
		if strings.Contains(r.Reason(), tc.secret) || !strings.Contains(r.Reason(), transport.Redacted) {
			t.Errorf("%q: reason %q still holds the secret %q", tc.echo, r.Reason(), tc.secret)
		}
	}
}
