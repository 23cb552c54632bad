package ifacetest

import (
	"context"
	"fmt"

	"github.com/patchscan/patchscan/internal/msrpc"
	"github.com/patchscan/patchscan/internal/msrpc/ndr"
)

// Script is a fake server (an msrpc.Caller) for an interface client's unit
// tests: it answers each opnum from Replies in turn, the last reply
// repeating, and records the opnums called and the stubs sent. Replies are
// built with the client's own response types (Marshal); the Samba
// transcripts and the lab tests check that layout against a real server.
type Script struct {
	Replies map[uint16][][]byte
	Calls   []uint16
	Stubs   [][]byte
}

// Call answers opnum from its list; an opnum without a reply is an error,
// and a reply larger than maxReply a protocol error, as from a Conn.
func (s *Script) Call(_ context.Context, opnum uint16, stub []byte, maxReply int) ([]byte, error) {
	s.Calls = append(s.Calls, opnum)
	s.Stubs = append(s.Stubs, stub)
	q := s.Replies[opnum]
	if len(q) == 0 {
		return nil, fmt.Errorf("no reply scripted for opnum %d", opnum)
	}
	r := q[0]
	if len(q) > 1 {
		s.Replies[opnum] = q[1:]
	}
	if len(r) > maxReply {
		return nil, fmt.Errorf("%w: reply of %d bytes past the bound %d", msrpc.ErrProtocol, len(r), maxReply)
	}
	return r, nil
}

// Marshal encodes v, a reply built by a test; it panics on an error, which
// is the test's own mistake.
func Marshal(v ndr.Type) []byte {
	b, err := ndr.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
