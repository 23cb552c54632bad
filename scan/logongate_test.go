package scan

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/patchscan/patchscan/scan/targets"
	"github.com/patchscan/patchscan/scan/transport"
)

// authOpener stands in for a transport the way SMB and WinRM behave: it
// connects and negotiates (connect, per host), then asks the logon gate
// before the credential leaves, and tells it how the logon ended. Hosts
// in ok accept the credential, the others refuse it; a host in stall
// never answers the credential (until the context ends). It counts the
// credentials that were refused and the logons in flight at once.
type authOpener struct {
	ok      map[string]bool
	stall   map[string]bool
	connect func(host string) time.Duration

	sent, refused         atomic.Int64
	mu                    sync.Mutex
	inflight, maxInflight int
}

func (o *authOpener) Name() string { return "smb" }

func (o *authOpener) Open(ctx context.Context, ep transport.Endpoint, opts transport.Options) (transport.Session, error) {
	if o.connect != nil {
		select {
		case <-time.After(o.connect(ep.Host)):
		case <-ctx.Done():
			return nil, &transport.Error{Outcome: transport.Unreachable, Host: ep.Host, Op: "negotiate", Err: ctx.Err()}
		}
	}
	end, err := transport.BeginLogon(ctx, opts.Logon)
	if err != nil {
		return nil, &transport.Error{Outcome: transport.Failed, Host: ep.Host, Op: "session setup", Err: err}
	}
	o.sent.Add(1)
	o.mu.Lock()
	o.inflight++
	o.maxInflight = max(o.maxInflight, o.inflight)
	o.mu.Unlock()
	// The logon is over when its end is reported: count it out first, or
	// the next host the gate lets in overlaps this one's bookkeeping and
	// the test sees two in flight that never were (flaky under -race).
	finish := func(r transport.LogonResult) {
		o.mu.Lock()
		o.inflight--
		o.mu.Unlock()
		end(r)
	}
	if o.stall[ep.Host] {
		<-ctx.Done()
		finish(transport.LogonUnanswered)
		return nil, &transport.Error{Outcome: transport.Unreachable, Host: ep.Host, Op: "session setup", Err: ctx.Err()}
	}
	time.Sleep(3 * time.Millisecond) // the host checks the credential
	if o.ok[ep.Host] {
		finish(transport.LogonAccepted)
		return &fakeSession{f: newFake(nil), host: ep.Host}, nil
	}
	o.refused.Add(1)
	finish(transport.LogonRejected)
	return nil, &transport.Error{Outcome: transport.AuthFailed, Host: ep.Host, Op: "session setup", Err: errors.New("STATUS_LOGON_FAILURE")}
}

// hostList yields n distinct hosts, the first ones ip(1), ip(2)...
func hostList(n int) iter.Seq[targets.Target] {
	return func(yield func(targets.Target) bool) {
		for i := range n {
			if !yield(targets.Target{Host: fmt.Sprintf("127.42.%d.%d", i/250, i%250+1)}) {
				return
			}
		}
	}
}

// TestLogonGate: with a wrong password and 64 workers, at most
// MaxLogonFailures logons fail in the whole run, the first one alone; the
// hosts left are not contacted and say why (issue 13.7: six hosts saw six
// failed logons in 70 ms).
func TestLogonGate(t *testing.T) {
	const hosts, limit = 300, 3
	for _, tc := range []struct {
		name string
		ok   map[string]bool
	}{
		{"wrong password everywhere", nil},
		// The credential works on the first host (verified), then not on
		// the others (a local account): still at most limit failures.
		{"verified, then failing", map[string]bool{ip(1): true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := &authOpener{ok: tc.ok}
			if tc.ok != nil {
				// The host the credential works on reaches the gate
				// first: whichever host does verifies the credential.
				o.connect = func(h string) time.Duration {
					if tc.ok[h] {
						return 0
					}
					return 200 * time.Millisecond
				}
			}
			cfg := onLoopback(Config{Opener: o, Engine: fakeEngine{}, Port: 445, Threads: 64,
				Timeout: 5 * time.Second, ProbeTimeout: -1, MaxLogonFailures: limit})
			var limited, authFailed int
			sum, err := Run(context.Background(), cfg, hostList(hosts), func(r HostResult) {
				switch {
				case errors.Is(r.Error, ErrLogonLimit):
					limited++
					if r.Status != transport.Failed || !strings.Contains(r.Reason(), "stopped logging on after 3 failed logons") {
						t.Errorf("%s: %s %q", r.Target, r.Status, r.Reason())
					}
				case r.Status == transport.AuthFailed:
					authFailed++
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			if got := o.refused.Load(); got != limit {
				t.Errorf("%d logons failed, want %d (of %d sent)", got, limit, o.sent.Load())
			}
			if authFailed != limit || sum.LogonLimited != limited || limited != hosts-authFailed-len(tc.ok) || sum.Hosts != hosts {
				t.Errorf("results: %d auth-failed, %d limited (summary %d), %d hosts", authFailed, limited, sum.LogonLimited, sum.Hosts)
			}
			if o.maxInflight > limit {
				t.Errorf("%d logons in flight at once, more than the %d that may fail", o.maxInflight, limit)
			}
			if tc.ok == nil && o.maxInflight != 1 {
				t.Errorf("before any logon worked, %d were in flight at once; want 1", o.maxInflight)
			}
		})
	}
}

// TestLogonGateSlowHosts: only the logon is gated. A host that never
// answers its connection does not hold the others up; a host that takes
// the credential and never answers holds the gate until its own timeout,
// and the hosts queued behind it keep their whole timeout for their own
// work (the wait is not theirs). Before, the gate was around the whole
// session set-up, and the queued hosts timed out with the stuck one.
func TestLogonGateSlowHosts(t *testing.T) {
	const hosts = 30
	timeout := 600 * time.Millisecond
	ok := map[string]bool{}
	for i := range hosts {
		ok[ip(i+1)] = true
	}
	tarpit, stuck := ip(1), ip(2)
	o := &authOpener{ok: ok, stall: map[string]bool{stuck: true},
		connect: func(h string) time.Duration {
			switch h {
			case tarpit:
				return time.Hour // never answers: its timeout ends it
			case stuck:
				return 0 // first at the gate
			}
			return 50 * time.Millisecond
		}}
	cfg := onLoopback(Config{Opener: o, Engine: fakeEngine{}, Port: 445, Threads: 64,
		Timeout: timeout, ProbeTimeout: -1, MaxLogonFailures: 3})
	res := map[string]HostResult{}
	start := time.Now()
	if _, err := Run(context.Background(), cfg, hostList(hosts), func(r HostResult) { res[r.Target] = r }); err != nil {
		t.Fatal(err)
	}
	for h, r := range res {
		switch h {
		case tarpit, stuck:
			if !errors.Is(r.Error, context.DeadlineExceeded) {
				t.Errorf("%s: %s %q, want its own timeout", h, r.Status, r.Reason())
			}
		default:
			if r.Status != transport.Scanned {
				t.Errorf("%s: %s %q, want scanned after waiting for the stuck host's logon", h, r.Status, r.Reason())
			}
		}
	}
	if len(res) != hosts {
		t.Errorf("%d results, want %d", len(res), hosts)
	}
	// The stuck host's unanswered logon counts (it may have failed); the
	// next one verified the credential.
	if o.refused.Load() != 0 || o.sent.Load() != hosts-1 {
		t.Errorf("%d credentials sent, %d refused; want %d and 0", o.sent.Load(), o.refused.Load(), hosts-1)
	}
	t.Logf("run took %v", time.Since(start).Round(time.Millisecond))
}
