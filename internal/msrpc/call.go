package msrpc

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/patchscan/patchscan/internal/msrpc/ndr"
)

// Caller is what an interface client needs from a bound association: one
// call with an opnum and an NDR stub, returning the reply's stub. *Conn is
// one; tests script others.
type Caller interface {
	Call(ctx context.Context, opnum uint16, stub []byte, maxReply int) ([]byte, error)
}

// Request is a call's [in] parameters as an NDR type, its opnum, and the
// most its reply can take: the request half of a request/response pair,
// as impacket's NDRCALL.
type Request interface {
	ndr.Type
	Opnum() uint16
	// MaxReply bounds the reply's stub in bytes: what the call's [out]
	// parameters can take at most, given what the request asks for (a
	// buffer offered, a count requested). A server sending more is cut off.
	MaxReply() int
}

// Do encodes req, calls it on c and decodes the whole reply into resp (the
// call's [out] parameters and its status, declared as an NDR type). A
// reply that does not decode is a protocol error; its message carries the
// status the reply ends with, since a server that failed the call may say
// why there.
func Do(ctx context.Context, c Caller, req Request, resp ndr.Type) error {
	stub, err := ndr.Marshal(req)
	if err != nil {
		return fmt.Errorf("encoding the request: %w", err)
	}
	out, err := c.Call(ctx, req.Opnum(), stub, req.MaxReply())
	if err != nil {
		return err
	}
	if err := ndr.Unmarshal(out, resp); err != nil {
		if len(out) >= 4 {
			err = fmt.Errorf("%w (the reply ends with status 0x%08x)", err, binary.LittleEndian.Uint32(out[len(out)-4:]))
		}
		return malformed("reply", err)
	}
	return nil
}
