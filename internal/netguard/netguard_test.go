package netguard

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestCheck(t *testing.T) {
	tests := []struct {
		ip      string
		allowed bool
	}{
		{"127.0.0.1", true},
		{"127.200.3.4", true},
		{"::1", true},
		{"::ffff:127.0.0.9", true},
		{"10.0.0.1", false},
		{"192.168.1.1", false},
		{"8.8.8.8", false},
		{"fe80::1", false},
		{"0.0.0.0", false},
	}
	for _, tt := range tests {
		err := Loopback.Check(netip.MustParseAddr(tt.ip))
		if (err == nil) != tt.allowed {
			t.Errorf("Loopback.Check(%s) = %v, want allowed=%v", tt.ip, err, tt.allowed)
		}
		if err != nil && !errors.Is(err, ErrRefused) {
			t.Errorf("Loopback.Check(%s): %v is not ErrRefused", tt.ip, err)
		}
		if err := (Policy{}).Check(netip.MustParseAddr(tt.ip)); err != nil {
			t.Errorf("the open policy refused %s: %v", tt.ip, err)
		}
	}
}

// recorder is a Policy.Dial that records what it was asked to dial and
// dials nothing: what reaches it would have left the machine.
type recorder struct {
	mu    sync.Mutex
	addrs []string
}

func (r *recorder) dial(_ context.Context, network, address string) (net.Conn, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.addrs = append(r.addrs, network+" "+address)
	return nil, errors.New("recorder: not dialling")
}

func (r *recorder) seen() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.addrs...)
}

func TestDialRefusesBeforeDialling(t *testing.T) {
	rec := &recorder{}
	p := Policy{LoopbackOnly: true, Dial: rec.dial}
	for _, addr := range []string{"192.0.2.1:445", "[2001:db8::1]:5986", "dc.corp.example:636", "10.0.0.1"} {
		if _, err := p.DialContext(context.Background(), "tcp", addr); !errors.Is(err, ErrRefused) {
			t.Errorf("DialContext(%s) = %v, want a refusal", addr, err)
		}
	}
	if got := rec.seen(); len(got) != 0 {
		t.Fatalf("refused addresses reached the dialer: %v", got)
	}
	_, _ = p.DialContext(context.Background(), "tcp", "127.0.0.1:445")
	if got := rec.seen(); len(got) != 1 || got[0] != "tcp 127.0.0.1:445" {
		t.Errorf("loopback dial: dialer saw %v", got)
	}
}

func TestDialerControlRefusesBeforeConnecting(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	// 192.0.2.1 (TEST-NET-1) is never contacted: Control runs before connect.
	d := Loopback.Dialer(nil)
	d.Timeout = time.Second
	if _, err := d.Dial("tcp", "192.0.2.1:445"); !errors.Is(err, ErrRefused) {
		t.Fatalf("dial to a non-loopback address: %v, want a refusal", err)
	}
	c, err := d.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatalf("loopback dial refused: %v", err)
	}
	c.Close()
}

// TestResolverUnderLoopback: under the loopback policy a name is resolved
// only by the hosts file or by a DNS server on loopback; no query goes to
// the system's servers or to a DNS server off the machine.
func TestResolverUnderLoopback(t *testing.T) {
	rec := &recorder{}
	p := Policy{LoopbackOnly: true, Dial: rec.dial}
	tests := []struct {
		name, server string
		want         string // in the error
	}{
		{"system's resolver", "", "refusing to ask the system's DNS servers"},
		{"DNS server off the machine", "192.0.2.53", "refusing to contact 192.0.2.53"},
		{"DNS server by name", "dns.corp.example", "not an IP address"},
	}
	for _, tc := range tests {
		r, err := p.Resolver(tc.server)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		_, err = r.LookupNetIP(context.Background(), "ip", "ws01.corp.example")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: lookup = %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
	if got := rec.seen(); len(got) != 0 {
		t.Errorf("DNS queries were dialled: %v", got)
	}
	// The hosts file still answers, without any query.
	r, _ := p.Resolver("")
	if addrs, err := r.LookupNetIP(context.Background(), "ip4", "localhost"); err != nil || len(addrs) == 0 || !addrs[0].IsLoopback() {
		t.Errorf("localhost -> %v, %v; want loopback from the hosts file", addrs, err)
	}
	// A DNS server on loopback is asked (the recorder stands in for it).
	r, _ = p.Resolver("127.0.0.53:5353")
	_, _ = r.LookupNetIP(context.Background(), "ip4", "ws01.corp.example")
	for _, a := range rec.seen() {
		if !strings.HasSuffix(a, " 127.0.0.53:5353") {
			t.Errorf("the loopback DNS server's queries went to %s", a)
		}
	}
	if len(rec.seen()) == 0 {
		t.Error("the DNS server on loopback was never asked")
	}
}

func TestResolverAddresses(t *testing.T) {
	for _, s := range []string{"127.0.0.1", "127.0.0.1:5353", "[::1]:53", "dc.lab.test"} {
		if _, err := (Policy{}).Resolver(s); err != nil {
			t.Errorf("Resolver(%q): %v", s, err)
		}
	}
	for _, s := range []string{"127.0.0.1:0", "127.0.0.1:99999", "127.0.0.1:x", ":53"} {
		if _, err := (Policy{}).Resolver(s); err == nil {
			t.Errorf("Resolver(%q) accepted a bad address", s)
		}
	}
	if r, err := (Policy{}).Resolver(""); err != nil || r != net.DefaultResolver {
		t.Errorf("open policy without a server: %v, %v; want the system's resolver", r, err)
	}
}
