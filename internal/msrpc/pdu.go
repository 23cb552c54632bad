// Package msrpc speaks connection-oriented DCE/RPC v5 (C706 chapter 12,
// [MS-RPCE] 2.2.2) over a byte pipe such as an SMB named pipe: bind to one
// interface with the NDR transfer syntax, then request/response calls with
// fragmentation both ways. It does no authentication at the RPC level: over
// SMB the pipe is already authenticated, signed (and sealed when the server
// asks) by the SMB session.
//
// PDUs are NDR types (package ndr) like the calls they carry: the common
// header, bind, bind_ack, bind_nak, request, response and fault each
// declare their fields once, and are read through the ndr decoder, with
// its bounds checks, never at fixed offsets. Everything that comes from the
// server is decoded that way: a hostile server gets an error, never a
// panic or an unbounded allocation.
package msrpc

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/patchscan/patchscan/internal/msrpc/ndr"
)

// Packet types (C706 12.6.4.1).
const (
	PTypeRequest  = 0
	PTypeResponse = 2
	PTypeFault    = 3
	PTypeBind     = 11
	PTypeBindAck  = 12
	PTypeBindNak  = 13
)

// pfc_flags.
const (
	FlagFirstFrag = 0x01
	FlagLastFrag  = 0x02
	FlagObjectUID = 0x80
)

// HeaderLen is the common header of every connection-oriented PDU.
const HeaderLen = 16

// ErrProtocol marks a reply that breaks the protocol.
var ErrProtocol = errors.New("DCE/RPC protocol error")

func protoErr(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrProtocol, fmt.Sprintf(format, a...))
}

// malformed wraps an NDR decoding error of a PDU or stub as a protocol
// error, keeping both sentinels.
func malformed(what string, err error) error {
	return fmt.Errorf("%w: %s: %w", ErrProtocol, what, err)
}

// Header is the common PDU header (C706 12.6.3.1).
type Header struct {
	Version, MinorVersion uint8
	Type                  uint8
	Flags                 uint8
	DataRep               [4]byte
	FragLen               uint16
	AuthLen               uint16
	CallID                uint32
}

// NDR codes the header.
func (h *Header) NDR(c *ndr.Coder) {
	c.Uint8(&h.Version)
	c.Uint8(&h.MinorVersion)
	c.Uint8(&h.Type)
	c.Uint8(&h.Flags)
	c.ByteArray(h.DataRep[:])
	c.Uint16(&h.FragLen)
	c.Uint16(&h.AuthLen)
	c.Uint32(&h.CallID)
}

// dataRep: little-endian integers, ASCII characters, IEEE floats.
var dataRep = [4]byte{0x10, 0, 0, 0}

// ParseHeader decodes and checks a PDU's common header.
func ParseHeader(b []byte) (Header, error) {
	var h Header
	c := ndr.NewDecoder(b)
	c.Top(&h)
	if err := c.Err(); err != nil {
		return h, protoErr("PDU header truncated (%d bytes)", len(b))
	}
	if h.Version != 5 || h.MinorVersion != 0 {
		return h, protoErr("unsupported RPC version %d.%d", h.Version, h.MinorVersion)
	}
	if h.DataRep[0]&0xf0 != 0x10 {
		// Big-endian servers exist in theory; none speak these interfaces.
		return h, protoErr("unsupported data representation %x (only little-endian)", h.DataRep)
	}
	if int(h.FragLen) < HeaderLen {
		return h, protoErr("fragment length %d shorter than the header", h.FragLen)
	}
	return h, nil
}

// encodePDU returns the PDU of type typ carrying body. The body's
// alignment is relative to the PDU, whose header is 16 bytes.
func encodePDU(typ, flags uint8, callID uint32, body ndr.Type) []byte {
	b, err := ndr.Marshal(body)
	if err != nil {
		// PDU bodies are this package's own fixed-size values.
		panic("msrpc: encoding a PDU body: " + err.Error())
	}
	h := Header{Version: 5, Type: typ, Flags: flags, DataRep: dataRep, FragLen: uint16(HeaderLen + len(b)), CallID: callID}
	hb, _ := ndr.Marshal(&h)
	return append(hb, b...)
}

// decodePDU checks b's header and type, and decodes its body (after the
// header, before any auth trailer) into body. It returns the header.
func decodePDU(b []byte, typ uint8, name string, body ndr.Type) (Header, error) {
	h, err := ParseHeader(b)
	if err != nil {
		return h, err
	}
	if h.Type != typ {
		return h, protoErr("expected %s, got PDU type %d", name, h.Type)
	}
	if int(h.FragLen) > len(b) {
		return h, protoErr("PDU truncated: fragment length %d, have %d bytes", h.FragLen, len(b))
	}
	end := int(h.FragLen)
	if h.AuthLen > 0 {
		// sec_trailer (8 bytes) and the auth value: never asked for, but
		// skipped rather than read as stub data.
		end -= 8 + int(h.AuthLen)
		if end < HeaderLen {
			return h, protoErr("auth length %d overruns the PDU", h.AuthLen)
		}
	}
	c := ndr.NewDecoder(b[:end])
	var again Header
	c.Top(&again)
	c.Top(body)
	if err := c.Err(); err != nil {
		return h, malformed(name, err)
	}
	return h, nil
}

// rest codes the bytes to the end of the PDU: a stub. Decoding, it views
// the input.
func rest(c *ndr.Coder, b *[]byte) {
	if c.Decoding() {
		*b = c.View(c.Remaining())
		return
	}
	c.ByteArray(*b)
}

// RequestBody is a request PDU's body (C706 12.6.4.9).
type RequestBody struct {
	AllocHint uint32
	ContextID uint16
	Opnum     uint16
	Stub      []byte
}

// NDR codes the body.
func (r *RequestBody) NDR(c *ndr.Coder) {
	c.Uint32(&r.AllocHint)
	c.Uint16(&r.ContextID)
	c.Uint16(&r.Opnum)
	rest(c, &r.Stub)
}

// RequestPDU encodes one request fragment.
func RequestPDU(callID uint32, flags uint8, allocHint uint32, opnum uint16, stub []byte) []byte {
	return encodePDU(PTypeRequest, flags, callID, &RequestBody{AllocHint: allocHint, Opnum: opnum, Stub: stub})
}

// DecodeRequest decodes a request PDU (what a server reads; tests' fake
// servers use it).
func DecodeRequest(b []byte) (Header, *RequestBody, error) {
	var r RequestBody
	h, err := decodePDU(b, PTypeRequest, "request", &r)
	return h, &r, err
}

// ResponseBody is a response PDU's body (C706 12.6.4.10).
type ResponseBody struct {
	AllocHint   uint32
	ContextID   uint16
	CancelCount uint8
	Reserved    uint8
	Stub        []byte
}

// NDR codes the body.
func (r *ResponseBody) NDR(c *ndr.Coder) {
	c.Uint32(&r.AllocHint)
	c.Uint16(&r.ContextID)
	c.Uint8(&r.CancelCount)
	c.Uint8(&r.Reserved)
	rest(c, &r.Stub)
}

// ResponsePDU encodes one response fragment (tests' fake servers use it).
func ResponsePDU(callID uint32, flags uint8, allocHint uint32, stub []byte) []byte {
	return encodePDU(PTypeResponse, flags, callID, &ResponseBody{AllocHint: allocHint, Stub: stub})
}

// FaultBody is a fault PDU's body (C706 12.6.4.7). What follows the status
// (reserved, and an optional stub) is not read.
type FaultBody struct {
	AllocHint   uint32
	ContextID   uint16
	CancelCount uint8
	Reserved    uint8
	Status      uint32
}

// NDR codes the body.
func (f *FaultBody) NDR(c *ndr.Coder) {
	c.Uint32(&f.AllocHint)
	c.Uint16(&f.ContextID)
	c.Uint8(&f.CancelCount)
	c.Uint8(&f.Reserved)
	c.Uint32(&f.Status)
	if !c.Decoding() {
		var reserved uint32
		c.Uint32(&reserved)
		return
	}
	c.View(c.Remaining())
}

// FaultPDU encodes a fault (tests' fake servers use it).
func FaultPDU(callID, status uint32) []byte {
	return encodePDU(PTypeFault, FlagFirstFrag|FlagLastFrag, callID, &FaultBody{Status: status})
}

// Response is a decoded response fragment.
type Response struct {
	Header
	AllocHint uint32
	Stub      []byte
}

// FaultError is a call the server failed with a fault PDU.
type FaultError struct{ Status uint32 }

var faultNames = map[uint32]string{
	0x00000005: "access denied",
	0x000006f7: "bad stub data (the server could not decode the request)",
	0x000006d1: "unknown interface",
	0x000006e4: "operation not supported by the server (RPC_S_CANNOT_SUPPORT)",
	0x1c010002: "operation number out of range (nca_s_op_rng_error)",
	0x1c010003: "unknown interface (nca_s_unk_if)",
	0x1c01000b: "protocol error (nca_s_proto_error)",
	0x1c00001a: "context mismatch (nca_s_fault_context_mismatch)",
	0x1c000006: "invalid tag (nca_s_fault_invalid_tag)",
	0x1c000009: "server out of memory (nca_s_fault_remote_no_memory)",
}

func (e *FaultError) Error() string {
	if n, ok := faultNames[e.Status]; ok {
		return fmt.Sprintf("RPC fault 0x%08x: %s", e.Status, n)
	}
	return fmt.Sprintf("RPC fault 0x%08x", e.Status)
}

// DecodePDU decodes one response-side PDU: a response fragment, or a fault
// (returned as *FaultError). Other types are protocol errors.
func DecodePDU(b []byte) (*Response, error) {
	h, err := ParseHeader(b)
	if err != nil {
		return nil, err
	}
	switch h.Type {
	case PTypeResponse:
		var r ResponseBody
		if h, err = decodePDU(b, PTypeResponse, "response", &r); err != nil {
			return nil, err
		}
		return &Response{Header: h, AllocHint: r.AllocHint, Stub: r.Stub}, nil
	case PTypeFault:
		var f FaultBody
		if _, err := decodePDU(b, PTypeFault, "fault", &f); err != nil {
			return nil, err
		}
		return nil, &FaultError{Status: f.Status}
	}
	return nil, protoErr("unexpected PDU type %d in reply to a request", h.Type)
}

// UUID is a DCE UUID in its canonical text form's byte order.
type UUID [16]byte

// NDR codes the UUID as NDR's uuid_t: time_low, time_mid and
// time_hi_and_version as integers (little-endian on the wire), then the
// clock sequence and node bytes as they are.
func (u *UUID) NDR(c *ndr.Coder) {
	timeLow := binary.BigEndian.Uint32(u[0:4])
	timeMid := binary.BigEndian.Uint16(u[4:6])
	timeHi := binary.BigEndian.Uint16(u[6:8])
	c.Uint32(&timeLow)
	c.Uint16(&timeMid)
	c.Uint16(&timeHi)
	c.ByteArray(u[8:16])
	binary.BigEndian.PutUint32(u[0:4], timeLow)
	binary.BigEndian.PutUint16(u[4:6], timeMid)
	binary.BigEndian.PutUint16(u[6:8], timeHi)
}

// ParseUUID parses "338cd001-2244-31f1-aaaa-900038001003".
func ParseUUID(s string) (UUID, error) {
	var u UUID
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return u, fmt.Errorf("bad UUID %q", s)
	}
	j := 0
	for i := 0; i < 36; {
		if s[i] == '-' {
			i++
			continue
		}
		hi, ok1 := unhex(s[i])
		lo, ok2 := unhex(s[i+1])
		if !ok1 || !ok2 {
			return u, fmt.Errorf("bad UUID %q", s)
		}
		u[j] = hi<<4 | lo
		j++
		i += 2
	}
	return u, nil
}

// MustParseUUID is ParseUUID for constants.
func MustParseUUID(s string) UUID {
	u, err := ParseUUID(s)
	if err != nil {
		panic(err)
	}
	return u
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func (u UUID) String() string {
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

// SyntaxID names an interface or transfer syntax and its version
// (p_syntax_id_t).
type SyntaxID struct {
	UUID         UUID
	Major, Minor uint16
}

// NDR codes the syntax: the UUID, then if_version as major (low 16 bits)
// and minor.
func (s *SyntaxID) NDR(c *ndr.Coder) {
	s.UUID.NDR(c)
	c.Uint16(&s.Major)
	c.Uint16(&s.Minor)
}

func (s SyntaxID) String() string { return fmt.Sprintf("%s v%d.%d", s.UUID, s.Major, s.Minor) }

// NDR is the NDR 2.0 transfer syntax, the only one this package speaks.
var NDR = SyntaxID{UUID: MustParseUUID("8a885d04-1ceb-11c9-9fe8-08002b104860"), Major: 2}
