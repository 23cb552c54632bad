package scan_test

// Resilience of a whole scan run through the real SMB transport (issue 7):
// broken and hostile hosts (internal/faultsrv), hosts that die or cut the
// connection mid-session, and a file the account may not read. Each must
// end in the right host status within --timeout plus a small margin, with
// no goroutine leak, no panic and bounded memory, while a real Samba lab
// host scanned in the same run still gets its correct report.
//
// The lab needs root and Samba: these tests skip without them, and fail
// when CI=true.

import (
	"context"
	"fmt"
	"iter"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/patchscan/patchscan/catalog"
	"github.com/patchscan/patchscan/detect"
	"github.com/patchscan/patchscan/internal/faultsrv"
	"github.com/patchscan/patchscan/internal/lab"
	"github.com/patchscan/patchscan/internal/leakcheck"
	"github.com/patchscan/patchscan/internal/netem"
	"github.com/patchscan/patchscan/internal/netguard"
	"github.com/patchscan/patchscan/scan"
	"github.com/patchscan/patchscan/scan/smb"
	"github.com/patchscan/patchscan/scan/targets"
	"github.com/patchscan/patchscan/scan/transport"
)

// patchedSpec is the lab's fully patched host, plus a file only root may
// read (made so after start, see denyFile).
func patchedSpec(name string) lab.HostSpec {
	return lab.HostSpec{
		Name: name,
		Reg:  []string{lab.BaseReg, lab.KBReg},
		Files: []lab.File{
			{Path: lab.SrvPath, Src: lab.SrvExact},
			{Path: deniedPath, Src: lab.SrvExact},
		},
	}
}

const deniedPath = `Windows\System32\drivers\denied.sys`

// denyFile makes denied.sys unreadable for the lab account (smbd opens
// files as the logged-on user): the server answers STATUS_ACCESS_DENIED.
func denyFile(t *testing.T, h *lab.Host) {
	t.Helper()
	p := filepath.Join(h.Dir(), "C", filepath.FromSlash(strings.ReplaceAll(deniedPath, `\`, "/")))
	if err := os.Chmod(p, 0o600); err != nil {
		t.Fatalf("restricting %s: %v", p, err)
	}
}

func loadCatalog(t *testing.T, rel string) *catalog.Catalog {
	t.Helper()
	cat, err := catalog.LoadFile(filepath.Join(lab.RepoRoot(), filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// target is a host:port to scan.
func target(addr string) targets.Target {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		panic(err)
	}
	p, _ := strconv.Atoi(port)
	return targets.Target{Input: addr, Source: "test", Host: host, Port: p}
}

func seq(ts []targets.Target) iter.Seq[targets.Target] {
	return func(yield func(targets.Target) bool) {
		for _, t := range ts {
			if !yield(t) {
				return
			}
		}
	}
}

// heapPeak samples the live heap while a run goes on.
type heapPeak struct {
	stop chan struct{}
	done chan struct{}
	peak atomic.Uint64
}

func watchHeap() *heapPeak {
	h := &heapPeak{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(h.done)
		var ms runtime.MemStats
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > h.peak.Load() {
				h.peak.Store(ms.HeapAlloc)
			}
			select {
			case <-h.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return h
}

func (h *heapPeak) end() uint64 {
	close(h.stop)
	<-h.done
	return h.peak.Load()
}

// want is a host's expected outcome.
type want struct {
	status transport.Outcome
	errSub string // in HostResult.Error
	// bulletins: expected verdicts for a scanned host.
	bulletins map[string]detect.Status
}

var healthy = want{status: transport.Scanned, bulletins: map[string]detect.Status{"MS17-010": detect.StatusInstalled}}

type runOpts struct {
	timeout time.Duration
	threads int
	during  func() // called once after the run has started
}

// runScan scans targets with the real SMB opener and lab credentials, and
// returns results by target, checking every host ended within the timeout
// plus margin, no goroutine is left behind and the heap stayed bounded.
func runScan(t *testing.T, l *lab.Lab, cat *catalog.Catalog, ts []targets.Target, o runOpts) map[string]scan.HostResult {
	t.Helper()
	if o.threads == 0 {
		o.threads = len(ts)
	}
	runtime.GC()
	base := runtime.NumGoroutine()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	heapBase := ms.HeapAlloc
	heap := watchHeap()

	loopback := netguard.Loopback
	resolver, err := loopback.Resolver("")
	if err != nil {
		t.Fatal(err)
	}
	cfg := scan.Config{
		Opener:      smb.NewOpener(smb.Config{Dial: loopback.DialContext}),
		Engine:      detect.New(cat, detect.Options{}),
		Credentials: transport.Credentials{Domain: l.Domain, User: l.User, Password: l.Password},
		Port:        445,
		Threads:     o.threads,
		Timeout:     o.timeout,
		Allow:       loopback.Check,
		Resolver:    resolver,
		Dial:        loopback.DialContext,
	}
	// The whole run is bounded too: a hang here fails the test, not CI.
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout+scan.DefaultCancelGrace+20*time.Second)
	defer cancel()
	if o.during != nil {
		go o.during()
	}
	got := map[string]scan.HostResult{}
	begin := time.Now()
	sum, err := scan.Run(ctx, cfg, seq(ts), func(r scan.HostResult) { got[r.Target] = r })
	elapsed := time.Since(begin)
	peak := heap.end()
	if err != nil {
		t.Fatal(err)
	}
	if sum.Interrupted || sum.Hosts != len(ts) {
		t.Fatalf("run: %+v for %d targets after %v", sum, len(ts), elapsed)
	}
	// Margin: the run's cancel grace (a transport ignoring its context)
	// plus scheduling slack on a loaded machine.
	margin := scan.DefaultCancelGrace + time.Second
	for _, r := range got {
		if d := r.Finished.Sub(r.Started); d > o.timeout+margin {
			t.Errorf("%s took %v with a per-host timeout of %v", r.Target, d, o.timeout)
		}
		if strings.Contains(r.Reason(), l.Password) {
			t.Errorf("%s: error reveals the password", r.Target)
		}
	}
	// Hostile length fields may cost one 16 MiB buffer per connection in
	// the SMB library; anything near a gigabyte is a bug.
	if grow := int64(peak) - int64(heapBase); grow > 256<<20 {
		t.Errorf("heap grew by %d MiB during the run", grow>>20)
	}
	t.Logf("%d hosts in %v, heap peak +%d MiB, %v", len(ts), elapsed.Round(time.Millisecond), (int64(peak)-int64(heapBase))>>20, sum.ByStatus)
	leakcheck.Settle(t, base)
	return got
}

// warm scans lab hosts once, unmeasured: the first winreg use makes Samba
// start samba-dcerpcd and its rpcd_* workers, which takes seconds on a
// loaded machine and would otherwise eat the short timeouts under test.
func warm(t *testing.T, l *lab.Lab, cat *catalog.Catalog) {
	t.Helper()
	var ts []targets.Target
	for _, h := range l.Hosts {
		ts = append(ts, target(h.Addr()))
	}
	got := runScan(t, l, cat, ts, runOpts{timeout: 60 * time.Second})
	for _, r := range got {
		if r.Status != transport.Scanned {
			t.Fatalf("warm-up scan of %s: %s: %s", r.Target, r.Status, r.Reason())
		}
	}
}

func check(t *testing.T, name string, r scan.HostResult, w want) {
	t.Helper()
	if r.Status != w.status {
		t.Errorf("%s: status %s (%s), want %s", name, r.Status, r.Reason(), w.status)
		return
	}
	if w.errSub != "" && !strings.Contains(r.Reason(), w.errSub) {
		t.Errorf("%s: error %q, want it to say %q", name, r.Reason(), w.errSub)
	}
	if w.status != transport.Scanned {
		return
	}
	if r.Report == nil {
		t.Errorf("%s: scanned without a report", name)
		return
	}
	seen := map[string]detect.Status{}
	for _, res := range r.Report.Results {
		if res.BulletinID != "" {
			seen[res.BulletinID] = res.Status
		}
	}
	for b, st := range w.bulletins {
		if seen[b] != st {
			t.Errorf("%s: %s is %q, want %q (all: %v)", name, b, seen[b], st, seen)
		}
	}
}

// Every fault mode at once, next to a healthy lab host.
func TestResilienceFaultModes(t *testing.T) {
	l := lab.Start(t, patchedSpec("healthy"))
	h := l.Hosts[0]
	denyFile(t, h)
	cat := loadCatalog(t, "testdata/bench/access-denied.xml")
	warm(t, l, cat)

	const timeout = 5 * time.Second
	timedOut := want{status: transport.Failed, errSub: "per-host timeout"}
	wants := map[faultsrv.Mode]want{
		faultsrv.Silent:         timedOut,
		faultsrv.NegotiateStall: timedOut,
		// The transport checks every frame: garbage and a huge length
		// field fail the host at once with what is wrong.
		faultsrv.Garbage:         {status: transport.Failed, errSub: "not an SMB2/3 server"},
		faultsrv.CloseMidSession: {status: transport.Unreachable, errSub: "session setup"},
		faultsrv.Slow:            timedOut,
		faultsrv.HugeLength:      {status: transport.Failed, errSub: "16777215-byte message"},
	}
	ts := []targets.Target{target(h.Addr())}
	names := map[string]string{ts[0].String(): "lab host"}
	for i, m := range faultsrv.Modes {
		s, err := faultsrv.Start(faultsrv.Config{Addr: fmt.Sprintf("127.0.0.%d:0", 100+i), Mode: m, Lifetime: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		tg := target(s.Addr())
		ts = append(ts, tg)
		names[tg.String()] = m.String()
	}
	got := runScan(t, l, cat, ts, runOpts{timeout: timeout})
	for _, tg := range ts {
		name := names[tg.String()]
		r, ok := got[tg.String()]
		if !ok {
			t.Errorf("%s: no result", name)
			continue
		}
		w := healthy
		if name == "lab host" {
			// The unreadable file is that patch's error; the host is fine.
			w.bulletins = map[string]detect.Status{"MS17-010": detect.StatusInstalled, "LAB-DENIED": detect.StatusError}
		} else {
			for m, mw := range wants {
				if m.String() == name {
					w = mw
				}
			}
		}
		check(t, name, r, w)
		took := r.Finished.Sub(r.Started)
		if (name == faultsrv.Garbage.String() || name == faultsrv.HugeLength.String()) && took > timeout/2 {
			t.Errorf("%s: took %v with a timeout of %v: should fail at once", name, took, timeout)
		}
		t.Logf("%-18s %-12s %6v  %s", name, r.Status, took.Round(time.Millisecond), r.Reason())
	}
}

// The access-denied file on its own: that patch is error with a reason
// that says so, every other verdict and the host status are unaffected.
func TestResilienceAccessDeniedOneFile(t *testing.T) {
	l := lab.Start(t, patchedSpec("denied"))
	h := l.Hosts[0]
	denyFile(t, h)
	cat := loadCatalog(t, "testdata/bench/access-denied.xml")
	got := runScan(t, l, cat, []targets.Target{target(h.Addr())}, runOpts{timeout: 20 * time.Second})
	r := got[target(h.Addr()).String()]
	check(t, "denied", r, want{status: transport.Scanned,
		bulletins: map[string]detect.Status{"MS17-010": detect.StatusInstalled, "LAB-DENIED": detect.StatusError}})
	if r.Report == nil {
		return
	}
	for _, res := range r.Report.Results {
		if res.BulletinID != "LAB-DENIED" {
			continue
		}
		text := strings.ToLower(strings.Join(res.Reasons, " "))
		for _, c := range res.Checks {
			text += " " + strings.ToLower(c.Found)
		}
		if !strings.Contains(text, "denied") {
			t.Errorf("LAB-DENIED reasons %q checks %+v: should say access was denied", res.Reasons, res.Checks)
		}
	}
}

// Connections cut at several points of a real session (negotiate, session
// setup, tree connects, winreg bind and calls, file reads): each host is
// unreachable ("the connection broke"), never a verdict, and the healthy
// host beside them is unaffected.
func TestResilienceCutMidSession(t *testing.T) {
	l := lab.Start(t, patchedSpec("cut"))
	h := l.Hosts[0]
	denyFile(t, h)
	cat := loadCatalog(t, "testdata/bench/access-denied.xml")
	warm(t, l, cat)

	// Measure a whole session's reply bytes through a counting proxy.
	p, err := netem.Start(netem.Config{Listen: "127.0.0.1:0", Target: h.Addr()})
	if err != nil {
		t.Fatal(err)
	}
	got := runScan(t, l, cat, []targets.Target{target(p.Addr())}, runOpts{timeout: 20 * time.Second})
	check(t, "baseline", got[target(p.Addr()).String()], want{status: transport.Scanned})
	total := p.Stats().BytesDown
	p.Close()
	if total < 1000 {
		t.Fatalf("a whole session read only %d bytes", total)
	}

	ts := []targets.Target{target(h.Addr())}
	cuts := map[string]int64{}
	for _, pct := range []int64{2, 10, 25, 40, 55, 70, 85} {
		cut := total * pct / 100
		s, err := faultsrv.Start(faultsrv.Config{Addr: "127.0.0.1:0", Mode: faultsrv.CloseMidSession,
			Upstream: h.Addr(), CutAfter: cut, Lifetime: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		tg := target(s.Addr())
		ts = append(ts, tg)
		cuts[tg.String()] = cut
	}
	got = runScan(t, l, cat, ts, runOpts{timeout: 30 * time.Second})
	complete := want{status: transport.Scanned,
		bulletins: map[string]detect.Status{"MS17-010": detect.StatusInstalled, "LAB-DENIED": detect.StatusError}}
	unreachable := 0
	for _, tg := range ts {
		r := got[tg.String()]
		cut, isCut := cuts[tg.String()]
		if !isCut {
			check(t, "lab host", r, complete)
			continue
		}
		name := fmt.Sprintf("cut after %d of %d bytes", cut, total)
		t.Logf("%-28s %-12s %v %s", name, r.Status, r.Finished.Sub(r.Started).Round(time.Millisecond), r.Reason())
		if r.Status == transport.Scanned {
			// The cut fell after the last fact (in the close
			// exchanges, whose share of the bytes depends on the
			// transport): then the report must be complete and right.
			check(t, name, r, complete)
			continue
		}
		unreachable++
		check(t, name, r, want{status: transport.Unreachable, errSub: "broke"})
	}
	// Most cuts land among the facts; if they all "succeed", cutting
	// does not reach the scan at all and the test proves nothing.
	if unreachable < len(cuts)-2 {
		t.Errorf("only %d of %d cut connections ended unreachable", unreachable, len(cuts))
	}
}

// A Samba host killed (its smbd and children) while the scan reads it,
// 10 ms away: the host is unreachable within the timeout; a healthy host
// in the same run is fine. The kill is a protocol event, as in
// TestResilienceWinregClosedMidCall: the middle registry read of the
// session is held until the host is dead.
func TestResilienceHostKilledMidScan(t *testing.T) {
	l := lab.Start(t, patchedSpec("survivor"))
	victimDir := t.TempDir()
	victim, err := lab.Run(victimDir, lab.Config{Password: l.Password}, patchedSpec("victim"))
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	t.Cleanup(func() { _ = victim.Stop() })
	cat := loadCatalog(t, "testdata/catalogs/lab.xml")
	warm(t, l, cat)

	var killAt, killed atomic.Int64 // killAt 0: no kill (the baseline)
	tap := newWinregTap(func(n int64) {
		if n == killAt.Load() && victim.Stop() == nil {
			killed.Store(n)
		}
	})
	p, err := netem.Start(netem.Config{Listen: "127.0.0.1:0", Target: victim.Hosts[0].Addr(), Delay: 10 * time.Millisecond, Tap: tap.Tap})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	// The baseline (which warms the victim up) counts a session's requests.
	got := runScan(t, l, cat, []targets.Target{target(p.Addr())}, runOpts{timeout: 60 * time.Second})
	check(t, "baseline", got[target(p.Addr()).String()], healthy)
	session := tap.Reads()
	if session < 4 {
		t.Fatalf("a whole session made %d registry reads: the tap does not see them", session)
	}
	killAt.Store(session + session/2)

	ts := []targets.Target{target(l.Hosts[0].Addr()), target(p.Addr())}
	got = runScan(t, l, cat, ts, runOpts{timeout: 30 * time.Second})
	if killed.Load() == 0 {
		t.Fatalf("the victim was never killed at registry read %d of %d (%d seen)", session/2, session, tap.Reads()-session)
	}
	check(t, "survivor", got[ts[0].String()], healthy)
	r := got[ts[1].String()]
	check(t, "victim", r, want{status: transport.Unreachable})
	t.Logf("victim killed at registry read %d of %d: %s after %v: %s", session/2, session, r.Status, r.Finished.Sub(r.Started).Round(time.Millisecond), r.Reason())
}

// The winreg server dies mid-call (Remote Registry crashing): the pipe
// breaks under a pending request. The host ends in a clear host-level
// error that names the Remote Registry, within the timeout (not a
// "scanned" host whose registry facts are errors); the healthy host in
// the same run is unaffected. The kill is a protocol event: the proxy
// holds the middle registry read of the session (counted in a whole
// session first) while rpcd_winreg is killed, then relays it. A kill
// timed by reply bytes (as this test did) could land after the registry
// reads on a loaded machine, and the host came out scanned.
func TestResilienceWinregClosedMidCall(t *testing.T) {
	l := lab.Start(t, patchedSpec("healthy"), patchedSpec("winreg-dies"))
	healthyHost, dying := l.Hosts[0], l.Hosts[1]
	cat := loadCatalog(t, "testdata/catalogs/lab.xml")
	warm(t, l, cat)
	var killAt, killed atomic.Int64 // killAt 0: no kill (the baseline)
	tap := newWinregTap(func(n int64) {
		if n != killAt.Load() {
			return
		}
		for _, pid := range dying.WinregPIDs() {
			if syscall.Kill(pid, syscall.SIGKILL) == nil {
				killed.Add(1)
			}
		}
	})
	p, err := netem.Start(netem.Config{Listen: "127.0.0.1:0", Target: dying.Addr(), Delay: 10 * time.Millisecond, Tap: tap.Tap})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	got := runScan(t, l, cat, []targets.Target{target(p.Addr())}, runOpts{timeout: 30 * time.Second})
	check(t, "baseline", got[target(p.Addr()).String()], healthy)
	session := tap.Reads()
	if session < 4 {
		t.Fatalf("a whole session made %d registry reads: the tap does not see them", session)
	}
	// The tap's count goes on: the middle read of the next session.
	killAt.Store(session + session/2)

	ts := []targets.Target{target(healthyHost.Addr()), target(p.Addr())}
	got = runScan(t, l, cat, ts, runOpts{timeout: 30 * time.Second})
	if killed.Load() == 0 {
		t.Fatalf("no rpcd_winreg process of the host was killed at registry read %d of %d (%d seen)", session/2, session, tap.Reads()-session)
	}
	check(t, "healthy", got[ts[0].String()], healthy)
	r := got[ts[1].String()]
	t.Logf("winreg killed at registry read %d of %d: %s after %v: %s", session/2, session, r.Status, r.Finished.Sub(r.Started).Round(time.Millisecond), r.Reason())
	check(t, "winreg-dies", r, want{status: transport.Failed, errSub: "Remote Registry"})
}
