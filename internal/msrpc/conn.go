package msrpc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
)

// Defaults for Options, and bounds on replies.
const (
	DefaultMaxFrag = 4280 // what Windows clients offer over SMB
	// DefaultMaxResponse is the ceiling on one reply's reassembled stub
	// on an association. Each call declares its own bound below it
	// (Request.MaxReply); MS-RRP's largest is a 1 MiB value.
	DefaultMaxResponse = 4 << 20
	// DefaultCallReply bounds the reply of a call that declares no bound.
	DefaultCallReply = 64 << 10
	// maxEmptyFragments bounds the fragments without stub data a reply
	// may have before its last: a server has no reason to send any, and
	// a hostile one could send them forever.
	maxEmptyFragments = 4
	minFrag           = 1024 // C706: must_recv_frag_size is 1432; accept a little lower
)

// Options tune a connection.
type Options struct {
	// MaxFrag is the largest fragment offered for both directions; 0 =
	// DefaultMaxFrag.
	MaxFrag int
	// MaxResponse is the ceiling on the reassembled stub of any one reply;
	// 0 = DefaultMaxResponse. A call's own bound is lowered to it.
	MaxResponse int
}

// Transceiver is an optional interface of the pipe given to Bind: write
// one message and read (the start of) the reply in a single exchange, as
// SMB2's FSCTL_PIPE_TRANSCEIVE does or as a pipelined WRITE and READ do.
// It returns the bytes read into resp. With it a call costs one network
// round trip instead of two (write, then read).
type Transceiver interface {
	Transceive(req, resp []byte) (int, error)
}

// Conn is a bound RPC association over a pipe. Calls are serialized: a
// named pipe carries one call at a time.
type Conn struct {
	// turn is held by the exchange in progress: by its caller, or by the
	// goroutine that goes on reading after the caller gave up.
	turn    chan struct{}
	rw      io.ReadWriter
	iface   SyntaxID
	maxXmit int // largest fragment we may send
	maxRecv int // largest fragment the server may send us
	maxResp int
	callID  uint32
	rbuf    []byte // read buffer: one fragment plus what a stream read over-delivered
	rlen    int

	mu     sync.Mutex
	broken error
}

// Bind binds to iface over rw (an open pipe) and negotiates fragment sizes.
// Cancelling ctx ends the bind at once (see Call).
func Bind(ctx context.Context, rw io.ReadWriter, iface SyntaxID, opts Options) (*Conn, error) {
	frag := opts.MaxFrag
	if frag == 0 {
		frag = DefaultMaxFrag
	}
	if frag < minFrag || frag > 65535 {
		return nil, fmt.Errorf("msrpc: fragment size %d out of range [%d, 65535]", frag, minFrag)
	}
	c := &Conn{turn: make(chan struct{}, 1), rw: rw, iface: iface, maxXmit: frag, maxRecv: frag, maxResp: opts.MaxResponse, callID: 1}
	if c.maxResp <= 0 {
		c.maxResp = DefaultMaxResponse
	}
	// One byte more than a fragment: a message-mode pipe read then always
	// ends short of the buffer, so the SMB client never waits for more.
	c.rbuf = make([]byte, frag+1)
	_, err := c.run(ctx, "bind", func() ([]byte, error) { return nil, c.bind() })
	if err != nil {
		return nil, err
	}
	return c, nil
}

// BindClient binds iface over pipe and wraps the association in an
// interface client: the Bind of each interface package, given its New.
func BindClient[C any](ctx context.Context, pipe io.ReadWriter, iface SyntaxID, opts Options, wrap func(Caller) C) (C, error) {
	c, err := Bind(ctx, pipe, iface, opts)
	if err != nil {
		var none C
		return none, err
	}
	return wrap(c), nil
}

func (c *Conn) bind() error {
	if err := c.send(BindPDU(c.callID, c.iface, uint16(c.maxXmit), uint16(c.maxRecv)), true); err != nil {
		return fmt.Errorf("sending RPC bind: %w", err)
	}
	pdu, err := c.readPDU()
	if err != nil {
		return fmt.Errorf("reading RPC bind reply: %w", err)
	}
	h, _ := ParseHeader(pdu)
	switch h.Type {
	case PTypeBindNak:
		nak, err := DecodeBindNak(pdu)
		if err != nil {
			return err
		}
		return nak
	case PTypeBindAck:
	default:
		return protoErr("expected bind_ack, got PDU type %d", h.Type)
	}
	if h.CallID != c.callID {
		return protoErr("bind_ack for call %d, sent %d", h.CallID, c.callID)
	}
	ack, err := DecodeBindAck(pdu)
	if err != nil {
		return err
	}
	if len(ack.Results) == 0 {
		return protoErr("bind_ack without a context result")
	}
	if r := ack.Results[0]; r.Result != 0 {
		return &ContextRejectedError{Iface: c.iface, Result: r.Result, Reason: r.Reason}
	}
	if ack.Results[0].Transfer != NDR {
		return protoErr("server chose transfer syntax %s, offered only NDR", ack.Results[0].Transfer)
	}
	// The server's max_xmit_frag is what it sends us, its max_recv_frag
	// what it accepts from us; neither may exceed what we offered.
	if x := int(ack.MaxRecv); x < c.maxXmit {
		if x < minFrag {
			return protoErr("server accepts fragments of only %d bytes", x)
		}
		c.maxXmit = x
	}
	if r := int(ack.MaxXmit); r < c.maxRecv && r >= HeaderLen+8 {
		c.maxRecv = r
	}
	c.callID++
	return nil
}

// MaxFrag reports the negotiated fragment sizes (send, receive).
func (c *Conn) MaxFrag() (xmit, recv int) { return c.maxXmit, c.maxRecv }

// Call performs one request with opnum and NDR stub and returns the
// response stub, of at most maxReply bytes: the call's own bound, as its
// request type declares it (0 = DefaultCallReply), lowered to the
// association's ceiling. A server that sends more, or more than a few
// empty fragments, is cut off with a protocol error as soon as it does, so
// a hostile server makes the client hold no more than the bound and one
// fragment. A fault comes back as *FaultError. After a transport or
// protocol error the connection is unusable and every later call fails;
// such errors match ErrBroken.
//
// Cancelling ctx ends the call at once, with an error that matches
// ctx.Err(). A call cancelled before its request went out leaves the
// association as it was; once the request is out, its reply can no longer
// be told from the next one, so the association is unusable (ErrBroken)
// and the pipe's owner should close the pipe, which also ends the read
// still waiting on it.
func (c *Conn) Call(ctx context.Context, opnum uint16, stub []byte, maxReply int) ([]byte, error) {
	if maxReply <= 0 {
		maxReply = DefaultCallReply
	}
	maxReply = min(maxReply, c.maxResp)
	return c.run(ctx, fmt.Sprintf("call (opnum %d)", opnum), func() ([]byte, error) { return c.call(opnum, stub, maxReply) })
}

// run performs one exchange with the association's turn held, marking the
// association broken when the exchange fails or is abandoned.
func (c *Conn) run(ctx context.Context, what string, exchange func() ([]byte, error)) ([]byte, error) {
	if err := c.usable(ctx); err != nil {
		return nil, err
	}
	select {
	case c.turn <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("RPC %s not sent: %w", what, ctx.Err())
	}
	if err := c.usable(ctx); err != nil {
		<-c.turn
		return nil, err
	}
	if ctx.Done() == nil {
		out, err := exchange()
		<-c.turn
		return c.settle(out, err)
	}
	type result struct {
		out []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		out, err := exchange()
		<-c.turn
		done <- result{out, err}
	}()
	select {
	case r := <-done:
		return c.settle(r.out, r.err)
	case <-ctx.Done():
		select {
		case r := <-done: // finished meanwhile: keep the answer
			return c.settle(r.out, r.err)
		default:
		}
		return c.settle(nil, fmt.Errorf("RPC %s abandoned before its reply was read: %w", what, ctx.Err()))
	}
}

// usable fails when ctx is done or the association is broken.
func (c *Conn) usable(ctx context.Context) error {
	c.mu.Lock()
	broken := c.broken
	c.mu.Unlock()
	if broken != nil {
		return broken
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("RPC call not sent: %w", err)
	}
	return nil
}

// settle marks the association broken after any error but a fault.
func (c *Conn) settle(out []byte, err error) ([]byte, error) {
	var fe *FaultError
	if err == nil || errors.As(err, &fe) {
		return out, err
	}
	err = brokenError{err}
	c.mu.Lock()
	if c.broken == nil {
		c.broken = fmt.Errorf("RPC connection unusable after an earlier error: %w", err)
	}
	c.mu.Unlock()
	return nil, err
}

// ErrBroken matches every error of Call that left the association
// unusable: the pipe failed or closed, the server broke the protocol, or a
// call was abandoned mid-exchange. A FaultError (the server refused one
// call) does not match it. Callers use it to tell "this call failed" from
// "the channel is gone".
var ErrBroken = errors.New("RPC association broken")

type brokenError struct{ err error }

func (e brokenError) Error() string   { return e.err.Error() }
func (e brokenError) Unwrap() []error { return []error{e.err, ErrBroken} }

func (c *Conn) call(opnum uint16, stub []byte, maxReply int) ([]byte, error) {
	id := c.callID
	c.callID++
	chunk := c.maxXmit - HeaderLen - 8
	for off := 0; ; off += chunk {
		end := min(off+chunk, len(stub))
		var flags uint8
		if off == 0 {
			flags |= FlagFirstFrag
		}
		if end == len(stub) {
			flags |= FlagLastFrag
		}
		pdu := RequestPDU(id, flags, uint32(len(stub)-off), opnum, stub[off:end])
		if err := c.send(pdu, end == len(stub)); err != nil {
			return nil, fmt.Errorf("sending RPC request (opnum %d): %w", opnum, err)
		}
		if end == len(stub) {
			break
		}
	}
	return c.readResponse(id, opnum, maxReply)
}

// readResponse reads and reassembles the fragments of call id's reply, of
// at most maxReply bytes.
func (c *Conn) readResponse(id uint32, opnum uint16, maxReply int) ([]byte, error) {
	var out []byte
	empty := 0
	for first := true; ; first = false {
		pdu, err := c.readPDU()
		if err != nil {
			return nil, fmt.Errorf("reading RPC response (opnum %d): %w", opnum, err)
		}
		r, err := DecodePDU(pdu)
		if err != nil {
			return nil, err
		}
		if r.CallID != id {
			return nil, protoErr("response for call %d while waiting for %d", r.CallID, id)
		}
		if first != (r.Flags&FlagFirstFrag != 0) {
			return nil, protoErr("response fragment with first-fragment flag %v out of order", !first)
		}
		last := r.Flags&FlagLastFrag != 0
		if len(out)+len(r.Stub) > maxReply {
			return nil, protoErr("the reply to opnum %d exceeds the %d bytes this call allows: the server sent more than the call can return", opnum, maxReply)
		}
		if len(r.Stub) == 0 && !last {
			if empty++; empty > maxEmptyFragments {
				return nil, protoErr("the reply to opnum %d goes on with empty fragments (%d so far)", opnum, empty)
			}
		}
		if first && last {
			return r.Stub, nil
		}
		if first {
			// alloc_hint is only a hint, and hostile: cap the preallocation.
			out = make([]byte, 0, min(int(r.AllocHint), maxReply, 1<<20))
		}
		out = append(out, r.Stub...)
		if last {
			return out, nil
		}
	}
}

// send writes one PDU. The last PDU before a reply is due goes through the
// pipe's Transceiver when it has one, so the reply's first bytes arrive
// in the same exchange; readPDU then finds them in the buffer.
func (c *Conn) send(pdu []byte, replyDue bool) error {
	t, ok := c.rw.(Transceiver)
	if !ok || !replyDue || c.rlen != 0 {
		// Bytes still buffered mean the server sent more than asked for;
		// readPDU sorts that out without another transceive.
		_, err := c.rw.Write(pdu)
		return err
	}
	n, err := t.Transceive(pdu, c.rbuf)
	if n < 0 || n > len(c.rbuf) {
		return protoErr("pipe transceive returned %d bytes for a %d-byte buffer", n, len(c.rbuf))
	}
	c.rlen = n
	if err != nil && !(errors.Is(err, io.EOF) && n > 0) {
		return err
	}
	if n == 0 {
		return protoErr("empty reply from the pipe")
	}
	return nil
}

// readPDU returns the next whole PDU. It copes with both message pipes
// (one PDU per read) and byte streams (PDUs split or joined across reads).
// The returned slice is valid until the next read.
func (c *Conn) readPDU() ([]byte, error) {
	for {
		if c.rlen >= HeaderLen {
			h, err := ParseHeader(c.rbuf[:c.rlen])
			if err != nil {
				return nil, err
			}
			n := int(h.FragLen)
			// Our offer bounds every fragment the server may send.
			if n > len(c.rbuf)-1 {
				return nil, protoErr("fragment of %d bytes exceeds the %d offered", n, len(c.rbuf)-1)
			}
			if c.rlen >= n {
				pdu := make([]byte, n)
				copy(pdu, c.rbuf[:n])
				copy(c.rbuf, c.rbuf[n:c.rlen])
				c.rlen -= n
				return pdu, nil
			}
		}
		m, err := c.rw.Read(c.rbuf[c.rlen:])
		c.rlen += m
		if err != nil {
			if errors.Is(err, io.EOF) && m > 0 {
				continue
			}
			if errors.Is(err, io.EOF) {
				return nil, fmt.Errorf("%w: pipe closed by the server", ErrProtocol)
			}
			return nil, err
		}
		if m == 0 {
			return nil, protoErr("empty read from the pipe")
		}
	}
}
