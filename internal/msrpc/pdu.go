// Package msrpc speaks connection-oriented DCE/RPC v5 (C706 chapter 12,
// [MS-RPCE] 2.2.2) over a byte pipe such as an SMB named pipe: bind to one
// interface with the NDR transfer syntax, then request/response calls with
// fragmentation both ways. It does no authentication at the RPC level: over
// SMB the pipe is already authenticated, signed (and sealed when the server
// asks) by the SMB session.
//
// Everything that comes from the server is decoded with bounds checks: a
// hostile server gets an error, never a panic or an unbounded allocation.
package msrpc

import (
	"encoding/binary"
	"errors"
	"fmt"
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

// dataRep: little-endian integers, ASCII characters, IEEE floats.
var dataRep = [4]byte{0x10, 0, 0, 0}

// ErrProtocol marks a reply that breaks the protocol.
var ErrProtocol = errors.New("DCE/RPC protocol error")

func protoErr(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrProtocol, fmt.Sprintf(format, a...))
}

// Header is the common PDU header.
type Header struct {
	Type     uint8
	Flags    uint8
	FragLen  uint16
	AuthLen  uint16
	CallID   uint32
	DataRepr [4]byte
}

// UUID is a DCE UUID in its canonical text form's order; Bytes gives the NDR
// (little-endian first three fields) wire form.
type UUID [16]byte

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

// wire returns the NDR representation: time_low, time_mid and
// time_hi_and_version little-endian, the rest as is.
func (u UUID) wire() [16]byte {
	var w [16]byte
	w[0], w[1], w[2], w[3] = u[3], u[2], u[1], u[0]
	w[4], w[5] = u[5], u[4]
	w[6], w[7] = u[7], u[6]
	copy(w[8:], u[8:])
	return w
}

func uuidFromWire(w []byte) UUID {
	var u UUID
	u[0], u[1], u[2], u[3] = w[3], w[2], w[1], w[0]
	u[4], u[5] = w[5], w[4]
	u[6], u[7] = w[7], w[6]
	copy(u[8:], w[8:16])
	return u
}

// SyntaxID names an interface or transfer syntax and its version.
type SyntaxID struct {
	UUID         UUID
	Major, Minor uint16
}

func (s SyntaxID) String() string { return fmt.Sprintf("%s v%d.%d", s.UUID, s.Major, s.Minor) }

// NDR is the NDR 2.0 transfer syntax, the only one this package speaks.
var NDR = SyntaxID{UUID: MustParseUUID("8a885d04-1ceb-11c9-9fe8-08002b104860"), Major: 2}

func putHeader(b []byte, typ, flags uint8, fragLen int, callID uint32) {
	b[0], b[1], b[2], b[3] = 5, 0, typ, flags
	copy(b[4:8], dataRep[:])
	binary.LittleEndian.PutUint16(b[8:], uint16(fragLen))
	binary.LittleEndian.PutUint16(b[10:], 0)
	binary.LittleEndian.PutUint32(b[12:], callID)
}

// ParseHeader decodes and checks a PDU's common header.
func ParseHeader(b []byte) (Header, error) {
	var h Header
	if len(b) < HeaderLen {
		return h, protoErr("PDU header truncated (%d bytes)", len(b))
	}
	if b[0] != 5 || b[1] != 0 {
		return h, protoErr("unsupported RPC version %d.%d", b[0], b[1])
	}
	h.Type, h.Flags = b[2], b[3]
	copy(h.DataRepr[:], b[4:8])
	if h.DataRepr[0]&0xf0 != 0x10 {
		// Big-endian servers exist in theory; none speak MS-RRP.
		return h, protoErr("unsupported data representation %x (only little-endian)", h.DataRepr)
	}
	h.FragLen = binary.LittleEndian.Uint16(b[8:])
	h.AuthLen = binary.LittleEndian.Uint16(b[10:])
	h.CallID = binary.LittleEndian.Uint32(b[12:])
	if int(h.FragLen) < HeaderLen {
		return h, protoErr("fragment length %d shorter than the header", h.FragLen)
	}
	return h, nil
}

// BindPDU encodes a bind for one presentation context (id 0) offering NDR.
func BindPDU(callID uint32, iface SyntaxID, maxXmit, maxRecv uint16) []byte {
	const n = HeaderLen + 8 + 4 + 4 + 20 + 20
	b := make([]byte, n)
	putHeader(b, PTypeBind, FlagFirstFrag|FlagLastFrag, n, callID)
	binary.LittleEndian.PutUint16(b[16:], maxXmit)
	binary.LittleEndian.PutUint16(b[18:], maxRecv)
	binary.LittleEndian.PutUint32(b[20:], 0) // new association group
	b[24] = 1                                // one context element
	binary.LittleEndian.PutUint16(b[28:], 0) // p_cont_id
	b[30] = 1                                // one transfer syntax
	putSyntax(b[32:], iface)
	putSyntax(b[52:], NDR)
	return b
}

func putSyntax(b []byte, s SyntaxID) {
	w := s.UUID.wire()
	copy(b, w[:])
	binary.LittleEndian.PutUint16(b[16:], s.Major)
	binary.LittleEndian.PutUint16(b[18:], s.Minor)
}

// BindAck is a decoded bind_ack.
type BindAck struct {
	MaxXmit, MaxRecv uint16
	AssocGroup       uint32
	SecAddr          string
	Results          []ContextResult
}

// ContextResult is the server's answer for one presentation context.
type ContextResult struct {
	Result   uint16 // 0 acceptance, 1 user rejection, 2 provider rejection
	Reason   uint16
	Transfer SyntaxID
}

// DecodeBindAck decodes a whole bind_ack PDU.
func DecodeBindAck(b []byte) (*BindAck, error) {
	h, err := ParseHeader(b)
	if err != nil {
		return nil, err
	}
	if h.Type != PTypeBindAck {
		return nil, protoErr("expected bind_ack, got PDU type %d", h.Type)
	}
	body, err := body(b, h)
	if err != nil {
		return nil, err
	}
	// body starts at offset 16 of the PDU; alignment is relative to the PDU.
	if len(body) < 10 {
		return nil, protoErr("bind_ack truncated")
	}
	a := &BindAck{
		MaxXmit:    binary.LittleEndian.Uint16(body[0:]),
		MaxRecv:    binary.LittleEndian.Uint16(body[2:]),
		AssocGroup: binary.LittleEndian.Uint32(body[4:]),
	}
	secLen := int(binary.LittleEndian.Uint16(body[8:]))
	off := 10
	if off+secLen > len(body) {
		return nil, protoErr("bind_ack secondary address overruns the PDU")
	}
	sec := body[off : off+secLen]
	if i := indexByte(sec, 0); i >= 0 {
		sec = sec[:i]
	}
	a.SecAddr = string(sec)
	off += secLen
	off += (4 - (HeaderLen+off)%4) % 4
	if off+4 > len(body) {
		return nil, protoErr("bind_ack result list truncated")
	}
	n := int(body[off])
	off += 4
	if off+24*n > len(body) {
		return nil, protoErr("bind_ack announces %d results, PDU holds fewer", n)
	}
	for i := 0; i < n; i++ {
		r := body[off : off+24]
		a.Results = append(a.Results, ContextResult{
			Result: binary.LittleEndian.Uint16(r[0:]),
			Reason: binary.LittleEndian.Uint16(r[2:]),
			Transfer: SyntaxID{UUID: uuidFromWire(r[4:20]),
				Major: binary.LittleEndian.Uint16(r[20:]), Minor: binary.LittleEndian.Uint16(r[22:])},
		})
		off += 24
	}
	return a, nil
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

// body returns the PDU's body (after the header, before any auth trailer).
func body(b []byte, h Header) ([]byte, error) {
	if int(h.FragLen) > len(b) {
		return nil, protoErr("PDU truncated: fragment length %d, have %d bytes", h.FragLen, len(b))
	}
	end := int(h.FragLen)
	if h.AuthLen > 0 {
		// sec_trailer (8 bytes) + auth value; we never ask for auth, but
		// skip it rather than read it as stub data.
		end -= 8 + int(h.AuthLen)
		if end < HeaderLen {
			return nil, protoErr("auth length %d overruns the PDU", h.AuthLen)
		}
	}
	return b[HeaderLen:end], nil
}

// BindNakError is a bind the server refused.
type BindNakError struct{ Reason uint16 }

var bindNakReasons = map[uint16]string{
	0: "reason not specified",
	1: "temporary congestion",
	2: "local limit exceeded",
	3: "called presentation address unknown",
	4: "protocol version not supported",
	5: "default context not supported",
	6: "user data not readable",
	7: "no PSAP available",
	8: "authentication type not recognized",
	9: "invalid checksum",
}

func (e *BindNakError) Error() string {
	r, ok := bindNakReasons[e.Reason]
	if !ok {
		r = fmt.Sprintf("reason %d", e.Reason)
	}
	return "RPC bind refused (bind_nak): " + r
}

// DecodeBindNak decodes a bind_nak PDU into its error.
func DecodeBindNak(b []byte) (*BindNakError, error) {
	h, err := ParseHeader(b)
	if err != nil {
		return nil, err
	}
	bd, err := body(b, h)
	if err != nil {
		return nil, err
	}
	if h.Type != PTypeBindNak || len(bd) < 2 {
		return nil, protoErr("malformed bind_nak")
	}
	return &BindNakError{Reason: binary.LittleEndian.Uint16(bd)}, nil
}

// ContextRejectedError is a bind_ack whose context was not accepted.
type ContextRejectedError struct {
	Iface          SyntaxID
	Result, Reason uint16
}

var providerReasons = map[uint16]string{
	0: "reason not specified",
	1: "abstract syntax (interface) not supported",
	2: "proposed transfer syntaxes not supported",
	3: "local limit exceeded",
}

func (e *ContextRejectedError) Error() string {
	r, ok := providerReasons[e.Reason]
	if !ok {
		r = fmt.Sprintf("reason %d", e.Reason)
	}
	return fmt.Sprintf("RPC server rejected interface %s (result %d): %s", e.Iface, e.Result, r)
}

// RequestPDU encodes one request fragment.
func RequestPDU(callID uint32, flags uint8, allocHint uint32, opnum uint16, stub []byte) []byte {
	n := HeaderLen + 8 + len(stub)
	b := make([]byte, n)
	putHeader(b, PTypeRequest, flags, n, callID)
	binary.LittleEndian.PutUint32(b[16:], allocHint)
	binary.LittleEndian.PutUint16(b[20:], 0) // p_cont_id
	binary.LittleEndian.PutUint16(b[22:], opnum)
	copy(b[24:], stub)
	return b
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
	bd, err := body(b, h)
	if err != nil {
		return nil, err
	}
	switch h.Type {
	case PTypeResponse:
		if len(bd) < 8 {
			return nil, protoErr("response PDU truncated")
		}
		return &Response{Header: h, AllocHint: binary.LittleEndian.Uint32(bd), Stub: bd[8:]}, nil
	case PTypeFault:
		if len(bd) < 12 {
			return nil, protoErr("fault PDU truncated")
		}
		return nil, &FaultError{Status: binary.LittleEndian.Uint32(bd[8:])}
	}
	return nil, protoErr("unexpected PDU type %d in reply to a request", h.Type)
}
