// Package ndr is NDR 2.0 (C706 chapter 14, [MS-RPCE] 2.2.5) in the shape of
// impacket's ndr.py: every wire type encodes and decodes itself, through
// one description of its fields, so requests and replies are declared, not
// laid out byte by byte.
//
// A Type has one method, NDR(c), that names its fields in wire order on a
// Coder. The same method encodes (c writes the fields) and decodes (c reads
// them into the fields), so a type's two directions cannot drift apart:
//
//	func (s *RIDEnumeration) NDR(c *ndr.Coder) {
//		c.Struct(4, func() {
//			c.Uint32(&s.RelativeID)
//			s.Name.NDR(c) // an RPC_UNICODE_STRING: its characters are deferred
//		})
//	}
//
// The Coder does what NDR asks of every type: alignment of primitives to
// their size, relative to the start of the stream (a stub is 8-aligned in
// its PDU); referent IDs for pointers, with the referents of embedded
// pointers deferred to the end of the outermost construct (struct or array)
// that embeds them, depth first, as C706 14.3.12.3 and impacket do; the
// referent of a top-level pointer right after it; conformance and variance
// of arrays. A call's parameters are coded by a Type that is not a
// construct (it does not call Struct), so that each parameter's referents
// follow that parameter.
//
// Decoding is for hostile data. A Coder never panics on input and never
// allocates more than the input can describe: every count is checked
// against a bound the caller gives and against the bytes left before
// anything is allocated. The first error sticks; later reads return zero
// values and deferred referents are skipped, so callers check Err once.
package ndr

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Type is an NDR type that encodes and decodes itself: NDR names its fields
// in wire order on c, which either writes them or reads them.
type Type interface {
	NDR(c *Coder)
}

// ErrMalformed marks data that is not valid NDR for the type read.
var ErrMalformed = errors.New("malformed NDR data")

// Error is a decoding failure and where it happened.
type Error struct {
	Offset int
	Msg    string
}

func (e *Error) Error() string { return fmt.Sprintf("NDR at offset %d: %s", e.Offset, e.Msg) }

// Unwrap makes every decoding error match ErrMalformed.
func (e *Error) Unwrap() error { return ErrMalformed }

// Coder encodes into or decodes from one NDR stream.
type Coder struct {
	decoding bool
	buf      []byte // encoding: the output; decoding: the input
	off      int    // decoding: read position
	err      error

	depth  int      // constructs open around the current position
	queue  []func() // deferred referents of the outermost open construct
	nextID uint32   // last referent ID handed out (encoding)
	full   map[uint32]any
}

// NewEncoder returns a Coder that writes.
func NewEncoder() *Coder { return &Coder{} }

// NewDecoder returns a Coder that reads b.
func NewDecoder(b []byte) *Coder { return &Coder{decoding: true, buf: b} }

// Marshal encodes t. Its error is a value the wire cannot carry (a string
// longer than its length field counts, a null [ref] pointer).
func Marshal(t Type) ([]byte, error) {
	c := NewEncoder()
	c.Top(t)
	if c.err != nil {
		return nil, c.err
	}
	return c.Bytes(), nil
}

// Unmarshal decodes all of b into t: bytes left over are an error.
func Unmarshal(b []byte, t Type) error {
	c := NewDecoder(b)
	c.Top(t)
	c.End()
	return c.Err()
}

// Top codes t at the top level (a call's parameter list, a PDU) and then
// any referents still deferred.
func (c *Coder) Top(t Type) {
	t.NDR(c)
	c.flush()
}

// End fails when bytes are left unread (decoding).
func (c *Coder) End() {
	if c.decoding && c.err == nil && c.off != len(c.buf) {
		c.Failf("%d unexpected bytes after the data", len(c.buf)-c.off)
	}
}

// Decoding reports whether c reads (true) or writes.
func (c *Coder) Decoding() bool { return c.decoding }

// Bytes returns what was encoded.
func (c *Coder) Bytes() []byte { return c.buf }

// Offset is the position in the stream: bytes written or read so far.
func (c *Coder) Offset() int {
	if c.decoding {
		return c.off
	}
	return len(c.buf)
}

// Remaining is the number of bytes left to read (decoding).
func (c *Coder) Remaining() int { return len(c.buf) - c.off }

// Err is the first error.
func (c *Coder) Err() error { return c.err }

// Failf records an error (the first one wins): decoding, values that
// decode but make no sense; encoding, values the wire cannot carry.
func (c *Coder) Failf(format string, a ...any) {
	if c.err == nil {
		c.err = &Error{Offset: c.off, Msg: fmt.Sprintf(format, a...)}
	}
}

// need reports whether n more bytes can be read, failing when not.
func (c *Coder) need(n int) bool {
	if c.err != nil {
		return false
	}
	if n < 0 || n > len(c.buf)-c.off {
		c.Failf("need %d bytes, %d left", n, len(c.buf)-c.off)
		return false
	}
	return true
}

// Align pads (encoding) or skips padding (decoding) to a multiple of n.
func (c *Coder) Align(n int) {
	p := (n - c.Offset()%n) % n
	if p == 0 {
		return
	}
	if !c.decoding {
		c.buf = append(c.buf, make([]byte, p)...)
		return
	}
	if c.need(p) {
		c.off += p
	}
}

// Uint8 codes an 8-bit integer (byte, UCHAR, BOOLEAN).
func (c *Coder) Uint8(v *uint8) {
	if !c.decoding {
		c.buf = append(c.buf, *v)
		return
	}
	*v = 0
	if c.need(1) {
		*v = c.buf[c.off]
		c.off++
	}
}

// Uint16 codes a 16-bit integer (WORD, USHORT, WCHAR, an NDR enum), 2-aligned.
func (c *Coder) Uint16(v *uint16) {
	c.Align(2)
	if !c.decoding {
		c.buf = binary.LittleEndian.AppendUint16(c.buf, *v)
		return
	}
	*v = 0
	if c.need(2) {
		*v = binary.LittleEndian.Uint16(c.buf[c.off:])
		c.off += 2
	}
}

// Uint32 codes a 32-bit integer (DWORD, ULONG, NTSTATUS), 4-aligned.
func (c *Coder) Uint32(v *uint32) {
	c.Align(4)
	if !c.decoding {
		c.buf = binary.LittleEndian.AppendUint32(c.buf, *v)
		return
	}
	*v = 0
	if c.need(4) {
		*v = binary.LittleEndian.Uint32(c.buf[c.off:])
		c.off += 4
	}
}

// Uint64 codes a hyper (LARGE_INTEGER, FILETIME as one value), 8-aligned.
func (c *Coder) Uint64(v *uint64) {
	c.Align(8)
	if !c.decoding {
		c.buf = binary.LittleEndian.AppendUint64(c.buf, *v)
		return
	}
	*v = 0
	if c.need(8) {
		*v = binary.LittleEndian.Uint64(c.buf[c.off:])
		c.off += 8
	}
}

// ByteArray codes a fixed array of len(b) bytes, without alignment: the
// parts of a UUID or context handle. Decoding fills b.
func (c *Coder) ByteArray(b []byte) {
	if !c.decoding {
		c.buf = append(c.buf, b...)
		return
	}
	if !c.need(len(b)) {
		clear(b)
		return
	}
	copy(b, c.buf[c.off:])
	c.off += len(b)
}

// View returns the next n bytes of the input without copying (decoding
// only): a PDU's stub. It returns nil when fewer are left.
func (c *Coder) View(n int) []byte {
	if !c.decoding || !c.need(n) {
		return nil
	}
	v := c.buf[c.off : c.off+n : c.off+n]
	c.off += n
	return v
}

// Struct codes a structure: aligned to align (its largest member's
// alignment), then its fields. A structure is a construct: the referents of
// pointers inside it follow the outermost construct that holds it.
func (c *Coder) Struct(align int, fields func()) {
	c.Align(align)
	c.construct(fields)
}

func (c *Coder) construct(body func()) {
	c.depth++
	body()
	c.depth--
	if c.depth == 0 {
		c.flush()
	}
}

// flush codes the deferred referents in order; the referents deferred
// inside each one follow it (depth first).
func (c *Coder) flush() {
	for len(c.queue) > 0 {
		q := c.queue
		c.queue = nil
		for _, r := range q {
			if c.err != nil {
				c.queue = nil
				return
			}
			c.depth++
			r()
			c.depth--
			c.flush()
		}
	}
}
