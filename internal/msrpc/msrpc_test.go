package msrpc

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/internal/msrpc/ndr"
)

var winreg = SyntaxID{UUID: MustParseUUID("338cd001-2244-31f1-aaaa-900038001003"), Major: 1}

// fakePipe replays server PDUs; in message mode each Read returns one
// message, in stream mode bytes come in chunks of size chunk.
type fakePipe struct {
	replies [][]byte // queued, one per Write that expects a reply
	written [][]byte
	chunk   int
	pending []byte
}

func (p *fakePipe) Write(b []byte) (int, error) {
	p.written = append(p.written, append([]byte(nil), b...))
	return len(b), nil
}

func (p *fakePipe) Read(b []byte) (int, error) {
	if len(p.pending) == 0 {
		if len(p.replies) == 0 {
			return 0, io.EOF
		}
		p.pending, p.replies = p.replies[0], p.replies[1:]
	}
	n := len(p.pending)
	if p.chunk > 0 && n > p.chunk {
		n = p.chunk
	}
	if n > len(b) {
		if p.chunk == 0 {
			return 0, errors.New("buffer overflow: message larger than the read")
		}
		n = len(b)
	}
	copy(b, p.pending[:n])
	p.pending = p.pending[n:]
	return n, nil
}

func bindAck(callID uint32, maxXmit, maxRecv uint16, result uint16, transfer SyntaxID) []byte {
	return BindAckPDU(callID, &BindAck{MaxXmit: maxXmit, MaxRecv: maxRecv, AssocGroup: 0x1234, SecAddr: `\PIPE\winreg`,
		Results: []ContextResult{{Result: result, Transfer: transfer}}})
}

func response(callID uint32, flags uint8, stub []byte) []byte {
	return ResponsePDU(callID, flags, uint32(len(stub)), stub)
}

func fault(callID, status uint32) []byte { return FaultPDU(callID, status) }

func TestUUIDRoundTrip(t *testing.T) {
	u := MustParseUUID("338CD001-2244-31F1-AAAA-900038001003")
	if got := u.String(); got != "338cd001-2244-31f1-aaaa-900038001003" {
		t.Fatalf("String = %s", got)
	}
	w, _ := ndr.Marshal(&u)
	if !bytes.Equal(w[:8], []byte{0x01, 0xd0, 0x8c, 0x33, 0x44, 0x22, 0xf1, 0x31}) || !bytes.Equal(w[8:], u[8:]) {
		t.Fatalf("wire = %x", w)
	}
	var back UUID
	if err := ndr.Unmarshal(w, &back); err != nil || back != u {
		t.Fatal("wire round trip")
	}
	for _, bad := range []string{"", "338cd001-2244-31f1-aaaa-90003800100", "338cd001x2244-31f1-aaaa-900038001003", "338cd001-2244-31f1-aaaa-90003800100g"} {
		if _, err := ParseUUID(bad); err == nil {
			t.Errorf("ParseUUID(%q) accepted", bad)
		}
	}
}

// The bind PDU, byte for byte as C706 12.6.4.3 lays it out (and as the
// Samba fixtures in testdata show the server accepting it).
func TestBindPDULayout(t *testing.T) {
	b := BindPDU(7, winreg, 4280, 4280)
	want := "05000b03" + "10000000" + "4800" + "0000" + "07000000" + // header
		"b810" + "b810" + "00000000" + // max_xmit, max_recv, assoc group
		"01" + "00" + "0000" + // one context
		"0000" + "01" + "00" + // p_cont_id 0, one transfer syntax
		"01d08c33" + "4422" + "f131" + "aaaa900038001003" + "0100" + "0000" + // winreg v1.0
		"045d888a" + "eb1c" + "c911" + "9fe808002b104860" + "0200" + "0000" // NDR v2.0
	if got := hex.EncodeToString(b); got != want {
		t.Fatalf("bind\n got %s\nwant %s", got, want)
	}
	h, body, err := DecodeBind(b)
	if err != nil || h.CallID != 7 || len(body.Contexts) != 1 || body.Contexts[0].Abstract != winreg || body.Contexts[0].Transfers[0] != NDR {
		t.Fatalf("decoding our bind: %+v %+v %v", h, body, err)
	}
}

func TestBind(t *testing.T) {
	tests := []struct {
		name    string
		reply   []byte
		wantErr string
		xmit    int
	}{
		{"accepted", bindAck(1, 4280, 4280, 0, NDR), "", 4280},
		{"server shrinks", bindAck(1, 2048, 1600, 0, NDR), "", 1600},
		{"rejected interface", BindAckPDU(1, &BindAck{MaxXmit: 4280, MaxRecv: 4280, Results: []ContextResult{{Result: 2, Reason: 1}}}),
			"abstract syntax (interface) not supported", 0},
		{"wrong transfer syntax", bindAck(1, 4280, 4280, 0, winreg), "transfer syntax", 0},
		{"nak", BindNakPDU(1, 4), "protocol version not supported", 0},
		{"wrong call id", bindAck(9, 4280, 4280, 0, NDR), "call 9", 0},
		{"tiny fragments", bindAck(1, 4280, 100, 0, NDR), "only 100 bytes", 0},
		{"response instead", response(1, 3, nil), "expected bind_ack", 0},
		{"closed", nil, "pipe closed", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &fakePipe{}
			if tt.reply != nil {
				p.replies = [][]byte{tt.reply}
			}
			c, err := Bind(context.Background(), p, winreg, Options{})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if x, _ := c.MaxFrag(); x != tt.xmit {
				t.Fatalf("max xmit %d, want %d", x, tt.xmit)
			}
		})
	}
}

// BindClient wraps the bound association with the interface's New, and
// on a failed bind returns the error and no client.
func TestBindClient(t *testing.T) {
	type client struct{ c Caller }
	wrap := func(c Caller) *client { return &client{c} }
	got, err := BindClient(context.Background(), &fakePipe{replies: [][]byte{bindAck(1, 4280, 4280, 0, NDR)}}, winreg, Options{}, wrap)
	if err != nil || got == nil || got.c == nil {
		t.Fatalf("%+v %v", got, err)
	}
	got, err = BindClient(context.Background(), &fakePipe{replies: [][]byte{BindNakPDU(1, 4)}}, winreg, Options{}, wrap)
	if err == nil || got != nil {
		t.Fatalf("refused bind: %+v %v", got, err)
	}
}

func bound(t *testing.T, p *fakePipe, opts Options) *Conn {
	t.Helper()
	p.replies = append([][]byte{bindAck(1, 4280, 4280, 0, NDR)}, p.replies...)
	c, err := Bind(context.Background(), p, winreg, opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCallReassemblesFragments(t *testing.T) {
	stub := bytes.Repeat([]byte("0123456789"), 1000)
	for _, chunk := range []int{0, 7, 5000} {
		p := &fakePipe{chunk: chunk, replies: [][]byte{
			response(2, FlagFirstFrag, stub[:4000]),
			response(2, 0, stub[4000:8000]),
			response(2, FlagLastFrag, stub[8000:]),
		}}
		c := bound(t, p, Options{})
		got, err := c.Call(context.Background(), 17, []byte{1, 2, 3, 4}, 0)
		if err != nil {
			t.Fatalf("chunk %d: %v", chunk, err)
		}
		if !bytes.Equal(got, stub) {
			t.Fatalf("chunk %d: reassembled %d bytes, want %d", chunk, len(got), len(stub))
		}
		req := p.written[1]
		if binary.LittleEndian.Uint16(req[22:]) != 17 || req[3] != FlagFirstFrag|FlagLastFrag {
			t.Fatalf("request header %x", req[:24])
		}
	}
}

func TestCallFragmentsLargeRequests(t *testing.T) {
	p := &fakePipe{replies: [][]byte{response(2, 3, []byte{0, 0, 0, 0})}}
	c := bound(t, p, Options{MaxFrag: 1024})
	stub := bytes.Repeat([]byte{0xab}, 3000)
	if _, err := c.Call(context.Background(), 1, stub, 0); err != nil {
		t.Fatal(err)
	}
	var got []byte
	for i, w := range p.written[1:] {
		if len(w) > 1024 {
			t.Fatalf("fragment %d is %d bytes", i, len(w))
		}
		got = append(got, w[24:]...)
	}
	if len(p.written) != 4 || !bytes.Equal(got, stub) {
		t.Fatalf("%d fragments carrying %d bytes", len(p.written)-1, len(got))
	}
	if p.written[1][3] != FlagFirstFrag || p.written[3][3] != FlagLastFrag {
		t.Fatal("fragment flags")
	}
}

func TestCallErrors(t *testing.T) {
	tests := []struct {
		name    string
		replies [][]byte
		opts    Options
		wantErr string
		fault   uint32
	}{
		{"fault", [][]byte{fault(2, 0x1c010002)}, Options{}, "operation number out of range", 0x1c010002},
		{"unknown fault", [][]byte{fault(2, 0xdead)}, Options{}, "RPC fault 0x0000dead", 0xdead},
		{"wrong call", [][]byte{response(5, 3, nil)}, Options{}, "call 5", 0},
		{"missing first", [][]byte{response(2, FlagLastFrag, nil)}, Options{}, "out of order", 0},
		{"too big", [][]byte{response(2, 1, make([]byte, 3000)), response(2, 2, make([]byte, 3000))}, Options{MaxResponse: 4000}, "exceeds the 4000 bytes", 0},
		{"truncated stream", [][]byte{response(2, 1, make([]byte, 100))[:50]}, Options{}, "pipe closed", 0},
		{"oversized fragment", [][]byte{func() []byte { b := response(2, 3, nil); binary.LittleEndian.PutUint16(b[8:], 60000); return b }()}, Options{}, "exceeds the 4280 offered", 0},
		{"bad version", [][]byte{func() []byte { b := response(2, 3, nil); b[0] = 4; return b }()}, Options{}, "RPC version 4", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &fakePipe{replies: tt.replies}
			c := bound(t, p, tt.opts)
			_, err := c.Call(context.Background(), 2, nil, 0)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			var fe *FaultError
			if errors.As(err, &fe) != (tt.fault != 0) || (fe != nil && fe.Status != tt.fault) {
				t.Fatalf("fault = %v, want 0x%x", fe, tt.fault)
			}
			if errors.Is(err, ErrBroken) == (tt.fault != 0) {
				t.Fatalf("%v: errors.Is(err, ErrBroken) = %v for a fault = %v", err, errors.Is(err, ErrBroken), tt.fault != 0)
			}
			// A fault leaves the association usable; anything else breaks it.
			_, err2 := c.Call(context.Background(), 2, nil, 0)
			if broken := err2 != nil && strings.Contains(err2.Error(), "unusable") && errors.Is(err2, ErrBroken); broken == (tt.fault != 0) {
				t.Fatalf("after %v: second call err %v", err, err2)
			}
		})
	}
}

// FuzzDecodePDU feeds hostile bytes to every server-side decoder and to a
// connection reading them as a stream: errors are fine, panics and
// unbounded allocation are not.
func FuzzDecodePDU(f *testing.F) {
	f.Add(bindAck(1, 4280, 4280, 0, NDR))
	f.Add(response(2, 3, []byte{1, 2, 3, 4}))
	f.Add(fault(2, 5))
	f.Add(append(response(2, 1, []byte("ab")), response(2, 2, []byte("cd"))...))
	for _, tr := range sambaTranscripts(f) {
		for _, b := range tr.Server() {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = DecodePDU(b)
		_, _ = DecodeBindAck(b)
		_, _ = DecodeBindNak(b)
		p := &fakePipe{chunk: 13, replies: [][]byte{bindAck(1, 4280, 4280, 0, NDR), b}}
		c, err := Bind(context.Background(), p, winreg, Options{MaxResponse: 1 << 16})
		if err != nil {
			t.Fatal(err)
		}
		out, _ := c.Call(context.Background(), 1, nil, 0)
		if len(out) > 1<<16 {
			t.Fatalf("response of %d bytes past the bound", len(out))
		}
		_, _, _ = DecodeBind(b)
		_, _, _ = DecodeRequest(b)
	})
}

// transceivePipe is a fakePipe that also transceives: the message written
// and the first reply in one exchange.
type transceivePipe struct {
	fakePipe
	transceives, writes int
}

func (p *transceivePipe) Write(b []byte) (int, error) {
	p.writes++
	return p.fakePipe.Write(b)
}

func (p *transceivePipe) Transceive(req, resp []byte) (int, error) {
	p.transceives++
	if _, err := p.fakePipe.Write(req); err != nil {
		return 0, err
	}
	return p.fakePipe.Read(resp)
}

// With a Transceiver, the bind and every call's last request fragment go
// out in the same exchange as the reply's first read (one round trip per
// call); earlier fragments are plain writes, and replies in many
// fragments or stream chunks are still read to the end.
func TestCallUsesTransceiver(t *testing.T) {
	stub := bytes.Repeat([]byte("0123456789"), 1000)
	tests := []struct {
		name                    string
		chunk, maxFrag, reqLen  int
		replies                 [][]byte
		wantTransceive, wantWri int
	}{
		{"one fragment each way", 0, 0, 8, [][]byte{response(2, 3, stub[:100])}, 2, 0},
		{"fragmented reply", 0, 0, 8, [][]byte{response(2, FlagFirstFrag, stub[:4000]), response(2, 0, stub[4000:8000]), response(2, FlagLastFrag, stub[8000:])}, 2, 0},
		{"stream chunks", 7, 0, 8, [][]byte{response(2, 3, stub[:100])}, 2, 0},
		{"fragmented request", 0, 1024, 3000, [][]byte{response(2, 3, stub[:100])}, 2, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &transceivePipe{fakePipe: fakePipe{chunk: tt.chunk, replies: append([][]byte{bindAck(1, 4280, 4280, 0, NDR)}, tt.replies...)}}
			c, err := Bind(context.Background(), p, winreg, Options{MaxFrag: tt.maxFrag})
			if err != nil {
				t.Fatal(err)
			}
			var want []byte
			for _, r := range tt.replies {
				want = append(want, r[24:]...)
			}
			got, err := c.Call(context.Background(), 17, make([]byte, tt.reqLen), 0)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("reply %d bytes, want %d", len(got), len(want))
			}
			if p.transceives != tt.wantTransceive || p.writes != tt.wantWri {
				t.Fatalf("%d transceives and %d writes, want %d and %d", p.transceives, p.writes, tt.wantTransceive, tt.wantWri)
			}
		})
	}
}

// A transceive that fails or comes back empty breaks the association with
// a clear error.
func TestTransceiveErrors(t *testing.T) {
	p := &transceivePipe{fakePipe: fakePipe{replies: [][]byte{bindAck(1, 4280, 4280, 0, NDR)}}}
	c, err := Bind(context.Background(), p, winreg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Call(context.Background(), 2, nil, 0); err == nil || !strings.Contains(err.Error(), "sending RPC request") {
		t.Fatalf("err %v", err)
	}
}
