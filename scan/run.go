package scan

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/patchscan/patchscan/detect"
	"github.com/patchscan/patchscan/facts"
	"github.com/patchscan/patchscan/internal/textsafe"
	"github.com/patchscan/patchscan/scan/hint"
	"github.com/patchscan/patchscan/scan/targets"
	"github.com/patchscan/patchscan/scan/transport"
)

// Engine evaluates one host. *detect.Engine satisfies it; the interface
// keeps the run testable with a stand-in.
type Engine interface {
	Scan(ctx context.Context, h facts.Host) (*detect.Report, error)
}

// Defaults and limits of a run.
const (
	DefaultThreads      = 64
	MaxThreads          = 1024
	DefaultTimeout      = 60 * time.Second
	DefaultProbeTimeout = time.Second
	// DefaultCancelGrace is how long a host may take to wind down after
	// its context ends before the run gives up on it, so an interrupted
	// run ends within 2 s even if a transport ignores cancellation.
	DefaultCancelGrace = 1500 * time.Millisecond
	// DefaultMaxLogonFailures is below every usual domain lockout
	// threshold (Microsoft's baseline is 10; many domains use 5).
	DefaultMaxLogonFailures = 3
)

// Config describes a run. Opener and Engine are required.
type Config struct {
	Opener transport.Opener
	Engine Engine
	// Checks, when set, also evaluates the configuration checks on every
	// scanned host (HostResult.Config).
	Checks      ConfigChecks
	Credentials transport.Credentials
	// Port is the transport's default port, dialled for targets without
	// one of their own (445 for SMB, 5986 for WinRM over HTTPS).
	Port int

	Threads      int           // workers; 0 = DefaultThreads, capped at MaxThreads
	Timeout      time.Duration // per host: resolve, probe, connect, auth, reads; 0 = DefaultTimeout
	ProbeTimeout time.Duration // TCP probe of Port before a session; 0 = DefaultProbeTimeout, <0 = no probe
	CancelGrace  time.Duration // 0 = DefaultCancelGrace

	// The network policy is the caller's (the command builds it from its
	// environment, tests pass netguard.Loopback's): the run decides none
	// of it. The same policy's dialer goes to the transports.
	//
	// Allow vets each address after resolution, before any packet is sent
	// to it (netguard.Policy.Check); nil allows every address.
	Allow func(netip.Addr) error
	// Resolver resolves host names (netguard.Policy.Resolver); nil: the
	// system's resolver.
	Resolver Resolver
	// Dial makes the TCP probe (netguard.Policy.DialContext); nil: a
	// net.Dialer.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)

	// MaxLogonFailures protects the account from lockout (issue 13.7):
	// the credential is verified on one host before it is sent to
	// others, at most this many logons fail in the whole run whatever
	// Threads is, and once they have, the hosts left are not contacted
	// (their results say why; errors.Is ErrLogonLimit). Only the logon
	// itself is gated: hosts connect and negotiate in parallel, and time
	// queued at the gate does not count against Timeout. 0 means
	// DefaultMaxLogonFailures; negative, no limit (the credential is
	// still verified on one host first).
	MaxLogonFailures int
	gate             *logonGate

	// OnStart, if set, is called as each host starts, from worker
	// goroutines (concurrently); it must be quick and goroutine-safe.
	OnStart func(t targets.Target)
}

// Resolver resolves host names; *net.Resolver is one.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Summary counts what a run did.
type Summary struct {
	Hosts    int // results emitted
	ByStatus map[transport.Outcome]int
	// Interrupted is set when ctx ended before every target was scanned:
	// some were never started or were cut short.
	Interrupted bool
	// LogonLimited counts the hosts left unscanned because
	// MaxLogonFailures logons had failed.
	LogonLimited int
}

// ErrInterrupted is the cause recorded for hosts cut short by the run's
// cancellation; reports say "scan interrupted".
var ErrInterrupted = errors.New("scan interrupted before this host finished")

// Run scans every target with a pool of cfg.Threads workers and calls emit
// once per started host as it finishes, always from the goroutine that
// called Run, so emit needs no locking and results never pile up: memory
// is bounded by the pool, not by the number of targets.
//
// When ctx ends, Run stops starting hosts, cancels the in-flight ones, emits
// them (as errors "scan interrupted") once they return or after
// cfg.CancelGrace, and returns. Targets never started are not emitted.
func Run(ctx context.Context, cfg Config, ts iter.Seq[targets.Target], emit func(HostResult)) (Summary, error) {
	if cfg.Opener == nil || cfg.Engine == nil {
		return Summary{}, errors.New("scan.Run: Opener and Engine are required")
	}
	cfg = cfg.withDefaults()
	cfg.gate = newLogonGate(max(cfg.MaxLogonFailures, 0))
	sum := Summary{ByStatus: map[transport.Outcome]int{}}

	jobs := make(chan seqTarget)
	results := make(chan HostResult, cfg.Threads)
	var feed, workers sync.WaitGroup
	// cutShort records targets left unscanned by cancellation, so a run
	// cancelled just after its last host isn't called interrupted.
	var cutShort atomic.Bool

	feed.Add(1)
	go func() {
		defer feed.Done()
		defer close(jobs)
		seq := 0
		for t := range ts {
			if ctx.Err() != nil {
				cutShort.Store(true)
				return
			}
			select {
			case jobs <- seqTarget{t, seq}:
				seq++
			case <-ctx.Done():
				cutShort.Store(true)
				return
			}
		}
	}()
	for range cfg.Threads {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for j := range jobs {
				if ctx.Err() != nil {
					cutShort.Store(true)
					continue // handed over as the run was cancelled: never started
				}
				r := cfg.host(ctx, j.Target)
				r.Seq = j.seq
				results <- r
			}
		}()
	}
	go func() {
		workers.Wait()
		close(results)
	}()

	for r := range results {
		sum.Hosts++
		sum.ByStatus[r.Status]++
		if errors.Is(r.Error, ErrInterrupted) {
			cutShort.Store(true)
		}
		if errors.Is(r.Error, ErrLogonLimit) {
			sum.LogonLimited++
		}
		emit(r)
	}
	feed.Wait()
	sum.Interrupted = cutShort.Load()
	return sum, nil
}

// seqTarget is a target and its place in the input (HostResult.Seq).
type seqTarget struct {
	targets.Target
	seq int
}

func (c Config) withDefaults() Config {
	if c.Threads <= 0 {
		c.Threads = DefaultThreads
	}
	if c.Threads > MaxThreads {
		c.Threads = MaxThreads
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.ProbeTimeout == 0 {
		c.ProbeTimeout = DefaultProbeTimeout
	}
	if c.MaxLogonFailures == 0 {
		c.MaxLogonFailures = DefaultMaxLogonFailures
	}
	if c.CancelGrace <= 0 {
		c.CancelGrace = DefaultCancelGrace
	}
	if c.Dial == nil {
		var d net.Dialer
		c.Dial = d.DialContext
	}
	if c.Resolver == nil {
		c.Resolver = net.DefaultResolver
	}
	if c.Allow == nil {
		c.Allow = func(netip.Addr) error { return nil }
	}
	return c
}

// host scans one target under its own deadline. The work runs in its own
// goroutine so that a transport that ignores its context can't hold the
// worker (and the run) past the deadline plus CancelGrace; such a
// goroutine finishes on its own and still closes its session.
func (c Config) host(runCtx context.Context, t targets.Target) HostResult {
	r := HostResult{
		Target:    t.String(),
		Domain:    t.Domain,
		Transport: c.Opener.Name(),
		Started:   time.Now(),
	}
	if _, err := netip.ParseAddr(t.Host); err != nil {
		r.Name = t.Host
	}
	if c.gate != nil && c.gate.closed() {
		// Not contacted at all: not even resolved or probed.
		r.Status, r.Error, r.Finished = transport.Failed, c.hostErr(ErrLogonLimit, c.gate.limitReason()), time.Now()
		return r
	}
	if c.OnStart != nil {
		c.OnStart(t)
	}
	// A budget, not a deadline: time queued behind other hosts' logons
	// (logonGate) is not this host's.
	hctx, cancel := transport.WithBudget(runCtx, c.Timeout)
	defer cancel()

	done := make(chan HostResult, 1) // buffered: an abandoned scan never blocks
	go func() { done <- c.scan(hctx, runCtx, t, r) }()
	select {
	case res := <-done:
		return res
	case <-hctx.Done():
	}
	grace := time.NewTimer(c.CancelGrace)
	defer grace.Stop()
	select {
	case res := <-done:
		return res
	case <-grace.C:
		return c.fail(r, runCtx, hctx, hctx.Err())
	}
}

func (c Config) scan(hctx, runCtx context.Context, t targets.Target, r HostResult) HostResult {
	ip, err := c.resolve(hctx, t.Host)
	if err != nil {
		if hctx.Err() != nil {
			return c.fail(r, runCtx, hctx, hctx.Err())
		}
		r.Status, r.Error = transport.Unreachable, c.hostErr(hint.With(err, hint.SetDNSServer),
			fmt.Sprintf("cannot resolve host name %q: %v: check the name and DNS", t.Host, unwrapDNS(err)))
		r.Finished = time.Now()
		return r
	}
	r.Address = ip.String()
	if err := c.Allow(ip); err != nil {
		r.Status, r.Error = transport.Failed, c.hostErr(err, err.Error())
		r.Finished = time.Now()
		return r
	}
	port := t.Port
	if port == 0 {
		port = c.Port
	}
	addr := net.JoinHostPort(ip.String(), strconv.Itoa(port))

	if c.ProbeTimeout > 0 {
		if err := c.probe(hctx, addr, port); err != nil {
			if hctx.Err() != nil {
				return c.fail(r, runCtx, hctx, hctx.Err())
			}
			r.Status, r.Error = transport.Unreachable, c.hostErr(err, err.Error())
			r.Finished = time.Now()
			return r
		}
	}

	sess, err := c.Opener.Open(hctx, transport.Endpoint{Host: t.Host, Addr: addr},
		transport.Options{Credentials: c.Credentials, Timeout: c.Timeout, Logon: c.logon()})
	if errors.Is(err, ErrLogonLimit) {
		r.Status, r.Error, r.Finished = transport.Failed, c.hostErr(err, c.gate.limitReason()), time.Now()
		return r
	}
	if err != nil {
		return c.fail(r, runCtx, hctx, err)
	}
	// The auto transport says which transport actually answered.
	r.Transport = transport.SessionTransport(sess, r.Transport)
	rep, cfg, err := c.evaluate(hctx, sess)
	// Close even after errors: it releases pipes and trees on the host.
	_ = sess.Close()
	if err != nil {
		return c.fail(r, runCtx, hctx, err)
	}
	r.Status, r.Report, r.Config = transport.Scanned, rep, cfg
	r.Finished = time.Now()
	return r
}

// logon is the gate the transports ask before sending the credential.
func (c Config) logon() transport.LogonGate {
	if c.gate == nil {
		return nil // a Config used outside Run
	}
	return c.gate
}

func (c Config) resolve(ctx context.Context, host string) (netip.Addr, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		return a, nil
	}
	addrs, err := c.Resolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return netip.Addr{}, err
	}
	if len(addrs) == 0 {
		return netip.Addr{}, errors.New("no addresses")
	}
	// Prefer IPv4, as most Windows estates are still dual-stacked with
	// IPv4 as the management path.
	for _, a := range addrs {
		if a.Unmap().Is4() {
			return a.Unmap(), nil
		}
	}
	return addrs[0], nil
}

func unwrapDNS(err error) error {
	var de *net.DNSError
	if errors.As(err, &de) {
		if de.IsNotFound {
			return errors.New("no such host")
		}
		return errors.New(de.Err)
	}
	return err
}

// probe dials the transport port once; nil means open.
func (c Config) probe(ctx context.Context, addr string, port int) error {
	pctx, cancel := context.WithTimeout(ctx, c.ProbeTimeout)
	defer cancel()
	conn, err := c.Dial(pctx, "tcp", addr)
	if err == nil {
		_ = conn.Close()
		return nil
	}
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("TCP port %d refused the connection: the %s service is not listening or a firewall rejects it", port, c.Opener.Name())
	case pctx.Err() != nil || isTimeout(err):
		return hint.With(fmt.Errorf("no answer on TCP port %d within %s: host down or port filtered", port, c.ProbeTimeout), hint.RaiseProbeTimeout)
	case errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH):
		return fmt.Errorf("no route to %s: check the address and routing", addr)
	}
	return fmt.Errorf("cannot connect to TCP port %d: %w", port, err)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// fail turns an error into the host's status and one actionable line.
func (c Config) fail(r HostResult, runCtx, hctx context.Context, err error) HostResult {
	r.Finished = time.Now()
	switch {
	case runCtx.Err() != nil:
		r.Status, r.Error = transport.Failed, ErrInterrupted
		return r
	case errors.Is(err, context.DeadlineExceeded) || hctx.Err() == context.DeadlineExceeded:
		r.Status = transport.Failed
		r.Error = c.hostErr(hint.With(context.DeadlineExceeded, hint.RaiseTimeout),
			fmt.Sprintf("no complete answer within the per-host timeout of %s", c.Timeout))
		return r
	}
	r.Status = transport.OutcomeOf(err)
	if r.Status == transport.Scanned || !r.Status.Valid() {
		r.Status = transport.Failed // a transport's mistake: the host was not scanned
	}
	r.Error = c.hostErr(err, err.Error())
	return r
}

// hostErr is a host's error: line, cleaned, over its cause.
func (c Config) hostErr(cause error, line string) error {
	return &hostError{line: c.clean(line), cause: cause}
}

// maxReason bounds an error line in reports, in runes.
const maxReason = 400

// clean makes a reason one printable line and removes the secrets
// (password of any length, NT hash) should a transport ever echo them.
func (c Config) clean(s string) string {
	return textsafe.Line(c.Credentials.Redact(s), maxReason)
}
