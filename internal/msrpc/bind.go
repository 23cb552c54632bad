package msrpc

import (
	"fmt"

	"github.com/patchscan/patchscan/internal/msrpc/ndr"
)

// PresContext is one presentation context of a bind (p_cont_elem_t): an
// interface and the transfer syntaxes offered for it.
type PresContext struct {
	ID        uint16
	Abstract  SyntaxID
	Transfers []SyntaxID
}

// NDR codes the element.
func (p *PresContext) NDR(c *ndr.Coder) {
	n := uint8(len(p.Transfers))
	var reserved uint8
	c.Uint16(&p.ID)
	c.Uint8(&n)
	c.Uint8(&reserved)
	p.Abstract.NDR(c)
	if c.Decoding() {
		p.Transfers = make([]SyntaxID, n) // at most 255 of 20 bytes
	}
	for i := range p.Transfers {
		p.Transfers[i].NDR(c)
	}
}

// BindBody is a bind PDU's body (C706 12.6.4.3).
type BindBody struct {
	MaxXmit, MaxRecv uint16
	AssocGroup       uint32
	Contexts         []PresContext
}

// NDR codes the body.
func (b *BindBody) NDR(c *ndr.Coder) {
	c.Uint16(&b.MaxXmit)
	c.Uint16(&b.MaxRecv)
	c.Uint32(&b.AssocGroup)
	n := uint8(len(b.Contexts))
	var r8 uint8
	var r16 uint16
	c.Uint8(&n)
	c.Uint8(&r8)
	c.Uint16(&r16)
	if c.Decoding() {
		b.Contexts = make([]PresContext, n)
	}
	for i := range b.Contexts {
		if c.Err() != nil {
			return
		}
		b.Contexts[i].NDR(c)
	}
}

// BindPDU encodes a bind for one presentation context (id 0) offering NDR,
// in a new association group.
func BindPDU(callID uint32, iface SyntaxID, maxXmit, maxRecv uint16) []byte {
	return encodePDU(PTypeBind, FlagFirstFrag|FlagLastFrag, callID, &BindBody{MaxXmit: maxXmit, MaxRecv: maxRecv,
		Contexts: []PresContext{{Abstract: iface, Transfers: []SyntaxID{NDR}}}})
}

// DecodeBind decodes a bind PDU (what a server reads; tests' fake servers
// use it).
func DecodeBind(b []byte) (Header, *BindBody, error) {
	var body BindBody
	h, err := decodePDU(b, PTypeBind, "bind", &body)
	return h, &body, err
}

// BindAck is a decoded bind_ack (C706 12.6.4.4).
type BindAck struct {
	MaxXmit, MaxRecv uint16
	AssocGroup       uint32
	SecAddr          string // the server's endpoint, e.g. \PIPE\winreg
	Results          []ContextResult
}

// ContextResult is the server's answer for one presentation context.
type ContextResult struct {
	Result   uint16 // 0 acceptance, 1 user rejection, 2 provider rejection
	Reason   uint16
	Transfer SyntaxID
}

// NDR codes the result.
func (r *ContextResult) NDR(c *ndr.Coder) {
	c.Uint16(&r.Result)
	c.Uint16(&r.Reason)
	r.Transfer.NDR(c)
}

// NDR codes the body: the secondary address is a port_any_t (a length that
// counts its NUL, then the characters), and the result list is 4-aligned.
func (a *BindAck) NDR(c *ndr.Coder) {
	c.Uint16(&a.MaxXmit)
	c.Uint16(&a.MaxRecv)
	c.Uint32(&a.AssocGroup)
	sec := []byte(a.SecAddr + "\x00")
	n := uint16(len(sec))
	c.Uint16(&n)
	if c.Decoding() {
		sec = make([]byte, min(int(n), c.Remaining()+1))
	}
	c.ByteArray(sec)
	if c.Decoding() {
		a.SecAddr = cString(sec)
	}
	c.Align(4)
	count := uint8(len(a.Results))
	var r8 uint8
	var r16 uint16
	c.Uint8(&count)
	c.Uint8(&r8)
	c.Uint16(&r16)
	if c.Decoding() {
		a.Results = make([]ContextResult, count) // at most 255 of 24 bytes
	}
	for i := range a.Results {
		if c.Err() != nil {
			return
		}
		a.Results[i].NDR(c)
	}
}

func cString(b []byte) string {
	for i, x := range b {
		if x == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

// BindAckPDU encodes a bind_ack (tests' fake servers use it).
func BindAckPDU(callID uint32, a *BindAck) []byte {
	return encodePDU(PTypeBindAck, FlagFirstFrag|FlagLastFrag, callID, a)
}

// DecodeBindAck decodes a whole bind_ack PDU.
func DecodeBindAck(b []byte) (*BindAck, error) {
	var a BindAck
	if _, err := decodePDU(b, PTypeBindAck, "bind_ack", &a); err != nil {
		return nil, err
	}
	return &a, nil
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

// bindNak is a bind_nak's body (C706 12.6.4.5): the reason; the protocol
// versions the server supports, which follow, are not read.
type bindNak struct{ Reason uint16 }

func (n *bindNak) NDR(c *ndr.Coder) {
	c.Uint16(&n.Reason)
	if c.Decoding() {
		c.View(c.Remaining())
	}
}

// BindNakPDU encodes a bind_nak (tests' fake servers use it).
func BindNakPDU(callID uint32, reason uint16) []byte {
	return encodePDU(PTypeBindNak, FlagFirstFrag|FlagLastFrag, callID, &bindNak{Reason: reason})
}

// DecodeBindNak decodes a bind_nak PDU into its error.
func DecodeBindNak(b []byte) (*BindNakError, error) {
	var n bindNak
	if _, err := decodePDU(b, PTypeBindNak, "bind_nak", &n); err != nil {
		return nil, err
	}
	return &BindNakError{Reason: n.Reason}, nil
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
