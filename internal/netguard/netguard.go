// Package netguard keeps the test suite on loopback. Under `go test` (and in
// binaries started with PATCHSCAN_LOOPBACK_ONLY=1, as the tests and the lab
// demo start them) every address patchscan would connect to must be a
// loopback address; anything else is refused before a packet is sent.
//
// It exists because a test once built a 10.0.0.0/16 target list to check a
// limit and, the list being under the limit, scanned it. Tests choose their
// targets by hand, so the guard sits where every connection passes: the scan
// run (after name resolution, before the probe and the transport) and the
// LDAP/DNS dialers.
package netguard

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"syscall"
	"testing"
)

// EnvLoopbackOnly names the environment variable that turns the guard on in
// a normal binary.
const EnvLoopbackOnly = "PATCHSCAN_LOOPBACK_ONLY"

// Active reports whether only loopback addresses may be contacted.
func Active() bool {
	return testing.Testing() || os.Getenv(EnvLoopbackOnly) == "1"
}

// Check returns an error when the guard is active and ip is not loopback.
func Check(ip netip.Addr) error {
	if !Active() || ip.Unmap().IsLoopback() {
		return nil
	}
	return fmt.Errorf("refusing to contact %s: only loopback addresses may be contacted under go test or %s=1", ip, EnvLoopbackOnly)
}

// Control is a net.Dialer Control hook applying Check to the address about
// to be connected (after resolution), for dialers outside the scan run.
func Control(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		host = address
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("refusing to contact %q: not an IP address", address)
	}
	return Check(ip)
}
