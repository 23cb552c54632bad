// Package ifacetest is what the tests of the RPC interface clients (rrp,
// samr, lsad, srvs, scmr) share: conversations with a real server kept as
// transcripts, replayed in every run and re-recorded from a lab host
// (Conversation), and a scripted server for unit tests (Script).
package ifacetest

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/internal/msrpc"
	"github.com/patchscan/patchscan/internal/msrpc/rpctest"
)

// A Conversation is one exchange between an interface client and a real
// server, kept as a transcript file: Play drives the client over a pipe
// and returns what it made of the replies, one line per fact, and Want is
// what those lines must be. The same Conversation replays the file in
// every test run (Replay) and re-records it from a lab host (Record).
type Conversation struct {
	Path string // the transcript file
	// About is the transcript's first comment: what the conversation holds.
	About string
	// Server names the program that answered (for the transcript's
	// provenance), e.g. "rpcd_lsad".
	Server string
	Play   func(ctx context.Context, pipe io.ReadWriter) []string
	Want   []string
	// Vet, when set, checks a new recording before it is saved (that it
	// carries no secret, say); an error keeps the old transcript.
	Vet func(*rpctest.Transcript) error
}

// Replay plays the transcript's server side to Play and fails t unless
// the client wrote the very requests recorded, read every reply and made
// Want of them.
func (c Conversation) Replay(t testing.TB) {
	t.Helper()
	tr, err := rpctest.Load(c.Path)
	if err != nil {
		t.Fatal(err)
	}
	r := rpctest.NewReplay(tr)
	got := c.Play(context.Background(), r)
	if err := r.Done(); err != nil {
		t.Fatal(err)
	}
	if g, w := strings.Join(got, "\n"), strings.Join(c.Want, "\n"); g != w {
		t.Fatalf("replayed:\n%s\nwant:\n%s", g, w)
	}
}

// Record runs Play over pipe, an open pipe to a real server, fails t
// unless the client made Want of the replies, and saves what passed
// through as the transcript, with About and provenance (how it was
// recorded) as its comments.
func (c Conversation) Record(t testing.TB, pipe io.ReadWriter, provenance ...string) {
	t.Helper()
	rec := &rpctest.Recorder{RW: pipe}
	got := c.Play(context.Background(), rec)
	if g, w := strings.Join(got, "\n"), strings.Join(c.Want, "\n"); g != w {
		t.Fatalf("the server answered:\n%s\nwant:\n%s", g, w)
	}
	if c.Vet != nil {
		if err := c.Vet(&rec.T); err != nil {
			t.Fatalf("not saving %s: %v", c.Path, err)
		}
	}
	rec.T.Comments = append(append([]string{c.About}, provenance...),
		"> is a PDU the client wrote, < one read of what the server sent.")
	if err := rec.T.Save(c.Path); err != nil {
		t.Fatal(err)
	}
}

// ServerStubs returns the stubs of the replies in the transcript (seeds
// for the interface's fuzz target, and what tests inspect of the server's
// bytes).
func (c Conversation) ServerStubs(t testing.TB) [][]byte {
	t.Helper()
	tr, err := rpctest.Load(c.Path)
	if err != nil {
		t.Fatal(err)
	}
	return Stubs(tr.Server())
}

// Stubs returns the stubs of those of pdus that are responses.
func Stubs(pdus [][]byte) [][]byte {
	var out [][]byte
	for _, b := range pdus {
		if r, err := msrpc.DecodePDU(b); err == nil {
			out = append(out, append([]byte(nil), r.Stub...))
		}
	}
	return out
}
