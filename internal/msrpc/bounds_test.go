package msrpc

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
)

// endlessPipe is a hostile server: after the bind_ack it answers any
// request with an endless stream of response fragments of stub bytes each
// (none marked last), counting what it serves. It gives up after limit
// bytes, so a client that never stops reading fails the test instead of
// hanging it.
type endlessPipe struct {
	stub    int
	limit   int
	pending []byte
	served  int
	frags   int
	bound   bool
}

func (p *endlessPipe) Write(b []byte) (int, error) { return len(b), nil }

func (p *endlessPipe) Read(b []byte) (int, error) {
	if len(p.pending) == 0 {
		switch {
		case !p.bound:
			p.bound = true
			p.pending = bindAck(1, 4280, 4280, 0, NDR)
		case p.served >= p.limit:
			return 0, io.EOF
		default:
			flags := uint8(0)
			if p.frags == 0 {
				flags = FlagFirstFrag
			}
			p.pending = response(2, flags, make([]byte, p.stub))
			p.frags++
		}
	}
	n := copy(b, p.pending)
	p.pending = p.pending[n:]
	p.served += n
	return n, nil
}

// Issue 13.3: a server that streams more than the call can need is cut
// off once the call's own bound is passed, with a clear error; one that
// streams empty fragments is cut off after a few. Neither makes the
// client read (or hold) more than the bound and a fragment.
func TestHostileReplyBounds(t *testing.T) {
	tests := []struct {
		name     string
		stub     int
		maxReply int
		want     string
		maxRead  int // bytes the client may read from the server, bind_ack included
	}{
		{"streams past the call's bound", 4000, 10_000, "exceeds the 10000 bytes", 10_000 + 2*4280},
		{"streams past an undeclared call's bound", 4000, 0, "exceeds the 65536 bytes", DefaultCallReply + 2*4280},
		{"endless empty fragments", 0, 10_000, "empty fragments", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &endlessPipe{stub: tt.stub, limit: 64 << 20}
			c, err := Bind(context.Background(), p, winreg, Options{})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Call(context.Background(), 17, nil, tt.maxReply)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, ErrProtocol) || !errors.Is(err, ErrBroken) {
				t.Fatalf("err %v, want %q", err, tt.want)
			}
			if p.served > tt.maxRead {
				t.Fatalf("the client read %d bytes (%d fragments) before stopping, want at most %d", p.served, p.frags, tt.maxRead)
			}
		})
	}
}

// A declared bound above the association's ceiling is lowered to it.
func TestReplyBoundCeiling(t *testing.T) {
	p := &endlessPipe{stub: 4000, limit: 64 << 20}
	c, err := Bind(context.Background(), p, winreg, Options{MaxResponse: 20_000})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Call(context.Background(), 17, nil, 1<<20); err == nil || !strings.Contains(err.Error(), "exceeds the 20000 bytes") {
		t.Fatalf("err %v", err)
	}
}
