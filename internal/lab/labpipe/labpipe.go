// Package labpipe opens named pipes on lab hosts (package lab) for the
// tests of the RPC interface packages: an SMB2 session with signing as the
// lab's account, the IPC$ tree, and \PIPE\name, as io.ReadWriter for
// msrpc.Bind (Open), or bound to an interface (Bind). Everything is closed
// on the test's cleanup. Through such a pipe it re-records the packages'
// Samba transcripts (Record, on a host Capture starts under -capture) and
// asks impacket for its view of the same host (Impacket).
package labpipe

import (
	"context"
	"net"
	"os"
	"testing"
	"time"

	smb2 "github.com/cloudsoda/go-smb2"

	"github.com/patchscan/patchscan/internal/lab"
	"github.com/patchscan/patchscan/internal/msrpc"
)

// Open opens \PIPE\name (e.g. "samr", "winreg") on h, logged on as l's
// account (with h's password), and fails the test if it cannot.
func Open(t testing.TB, l *lab.Lab, h *lab.Host, name string) *smb2.File {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", h.Addr())
	if err != nil {
		t.Fatalf("labpipe: dialling %s: %v", h.Name, err)
	}
	dialer := &smb2.Dialer{
		Negotiator: smb2.Negotiator{RequireMessageSigning: true},
		Initiator:  &smb2.NTLMInitiator{User: h.User, Password: h.Password, Domain: l.Domain},
	}
	sess, err := dialer.DialConn(ctx, conn, h.IP)
	if err != nil {
		conn.Close()
		t.Fatalf("labpipe: logging on to %s: %v", h.Name, err)
	}
	t.Cleanup(func() {
		_ = sess.Logoff()
		conn.Close()
	})
	ipc, err := sess.Mount("IPC$")
	if err != nil {
		t.Fatalf("labpipe: IPC$ on %s: %v", h.Name, err)
	}
	f, err := ipc.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		t.Fatalf(`labpipe: \PIPE\%s on %s: %v`, name, h.Name, err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// Bind opens \PIPE\name on h (see Open) and binds iface over it, failing
// the test if either fails.
func Bind(t testing.TB, l *lab.Lab, h *lab.Host, name string, iface msrpc.SyntaxID) *msrpc.Conn {
	t.Helper()
	c, err := msrpc.Bind(context.Background(), Open(t, l, h, name), iface, msrpc.Options{})
	if err != nil {
		t.Fatalf(`labpipe: binding %s over \PIPE\%s on %s: %v`, iface.UUID, name, h.Name, err)
	}
	return c
}
