// Package netguard builds the dialers and resolvers that hold to a network
// policy: which addresses patchscan may contact and which resolvers it may
// ask. It decides nothing itself: the command line chooses the policy
// (loopback only under PATCHSCAN_LOOPBACK_ONLY=1, as `make demo` and the
// tests' binaries run it) and tests pass Loopback explicitly.
//
// The loopback policy exists because a test once built a 10.0.0.0/16
// target list to check a limit and, the list being under the limit,
// scanned it; and because resolving a name asks a DNS server, which may be
// anywhere: under it, a name is resolved only by the hosts file or by a
// DNS server on loopback, never by the system's resolver.
package netguard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"syscall"
)

// ErrRefused is wrapped by every refusal of the policy.
var ErrRefused = errors.New("refused by the network policy")

// Policy says which addresses may be contacted. The zero Policy allows
// every address and uses the system's resolver.
type Policy struct {
	// LoopbackOnly refuses every address outside 127.0.0.0/8 and ::1
	// before a packet is sent to it, and every DNS query except to a DNS
	// server on loopback.
	LoopbackOnly bool
	// Dial makes the connections the policy allows; nil uses a
	// net.Dialer. Tests set it to see what would have been sent.
	Dial func(ctx context.Context, network, address string) (net.Conn, error)
}

// Loopback is the policy of tests and demos: loopback only.
var Loopback = Policy{LoopbackOnly: true}

// Check refuses ip when the policy does not allow it.
func (p Policy) Check(ip netip.Addr) error {
	if !p.LoopbackOnly || ip.Unmap().IsLoopback() {
		return nil
	}
	return fmt.Errorf("refusing to contact %s: only loopback addresses may be contacted (%w)", ip, ErrRefused)
}

// CheckAddress applies Check to a dialled address ("ip:port" or "ip").
// Under LoopbackOnly a name is refused: names are resolved before dialling,
// by a resolver the policy allows.
func (p Policy) CheckAddress(address string) error {
	if !p.LoopbackOnly {
		return nil
	}
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		host = address
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("refusing to contact %q: not an IP address, and names are resolved before dialling (%w)", address, ErrRefused)
	}
	return p.Check(ip)
}

// DialContext checks address, then dials it (with Dial, or a net.Dialer).
func (p Policy) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	if err := p.CheckAddress(address); err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	if p.Dial != nil {
		return p.Dial(ctx, network, address)
	}
	var d net.Dialer
	return d.DialContext(ctx, network, address)
}

// Dialer is a net.Dialer that holds to the policy, for libraries that take
// one (go-ldap): it resolves names with r (nil: the system's resolver,
// which the loopback policy never wants) and checks each address before
// connecting. It does not use Dial.
func (p Policy) Dialer(r *net.Resolver) *net.Dialer {
	d := &net.Dialer{Resolver: r}
	if p.LoopbackOnly {
		d.Control = func(_, address string, _ syscall.RawConn) error { return p.CheckAddress(address) }
	}
	return d
}

// Resolver returns a resolver that holds to the policy. dnsServer ("" for
// none, "10.0.0.1", "10.0.0.1:53", "[::1]:5353", or a name outside
// LoopbackOnly) is then the only DNS server asked, through the policy's
// dialer, so under LoopbackOnly a server outside loopback is refused
// before a query is sent. Without one it is the system's resolver, except
// under LoopbackOnly: the system's resolver may forward anywhere, so only
// the hosts file answers, and a DNS query is refused.
func (p Policy) Resolver(dnsServer string) (*net.Resolver, error) {
	if dnsServer == "" {
		if !p.LoopbackOnly {
			return net.DefaultResolver, nil
		}
		return &net.Resolver{
			PreferGo: true, // the Go resolver reads the hosts file, then asks DNS through Dial
			Dial: func(context.Context, string, string) (net.Conn, error) {
				return nil, fmt.Errorf("refusing to ask the system's DNS servers: only a DNS server on loopback may be asked (%w)", ErrRefused)
			},
		}, nil
	}
	addr := dnsServer
	if _, _, err := net.SplitHostPort(dnsServer); err != nil {
		addr = net.JoinHostPort(dnsServer, "53")
	}
	host, port, err := net.SplitHostPort(addr)
	if n, perr := strconv.Atoi(port); err != nil || host == "" || perr != nil || n < 1 || n > 65535 {
		return nil, fmt.Errorf("bad DNS server %q: want an address with an optional port (10.0.0.1, 10.0.0.1:53, [::1]:5353)", dnsServer)
	}
	return &net.Resolver{
		PreferGo: true,
		// The Go resolver asks its configured servers in turn; every
		// query goes to dnsServer instead.
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return p.DialContext(ctx, network, addr)
		},
	}, nil
}
