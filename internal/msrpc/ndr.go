package msrpc

import (
	"encoding/binary"
	"fmt"
	"unicode/utf16"
)

// Encoder builds an NDR 2.0 little-endian stub. Alignment is relative to
// the stub's start, which is 8-aligned in the PDU.
type Encoder struct {
	b   []byte
	ref uint32
}

// Bytes returns the encoded stub.
func (e *Encoder) Bytes() []byte { return e.b }

// Align pads to a multiple of n.
func (e *Encoder) Align(n int) {
	for len(e.b)%n != 0 {
		e.b = append(e.b, 0)
	}
}

func (e *Encoder) Uint16(v uint16) { e.Align(2); e.b = binary.LittleEndian.AppendUint16(e.b, v) }
func (e *Encoder) Uint32(v uint32) { e.Align(4); e.b = binary.LittleEndian.AppendUint32(e.b, v) }

// Raw appends bytes without alignment (context handles, byte arrays).
func (e *Encoder) Raw(b []byte) { e.b = append(e.b, b...) }

// Pointer writes a unique pointer's referent ID: 0 for null, else a fresh
// non-zero ID. It reports whether the referent follows.
func (e *Encoder) Pointer(present bool) bool {
	if !present {
		e.Uint32(0)
		return false
	}
	e.ref += 4
	e.Uint32(0x00020000 + e.ref)
	return true
}

// UTF16 is s as UTF-16 code units.
func UTF16(s string) []uint16 { return utf16.Encode([]rune(s)) }

// WideArray writes a conformant varying array of WCHARs: max count,
// offset 0, actual count, the characters.
func (e *Encoder) WideArray(max int, chars []uint16) {
	e.Uint32(uint32(max))
	e.Uint32(0)
	e.Uint32(uint32(len(chars)))
	for _, c := range chars {
		e.b = binary.LittleEndian.AppendUint16(e.b, c)
	}
}

// ByteArray writes a conformant varying byte array.
func (e *Encoder) ByteArray(max int, data []byte) {
	e.Uint32(uint32(max))
	e.Uint32(0)
	e.Uint32(uint32(len(data)))
	e.b = append(e.b, data...)
}

// Decoder reads an NDR stub with bounds checks. The first error sticks:
// later reads return zero values, so callers check Err once at the end.
type Decoder struct {
	b   []byte
	off int
	err error
}

// NewDecoder decodes stub.
func NewDecoder(stub []byte) *Decoder { return &Decoder{b: stub} }

// Err is the first decoding error.
func (d *Decoder) Err() error { return d.err }

// Offset is the current position.
func (d *Decoder) Offset() int { return d.off }

// Remaining is the number of unread bytes.
func (d *Decoder) Remaining() int { return len(d.b) - d.off }

// Fail records an error (the first one wins).
func (d *Decoder) Fail(format string, a ...any) {
	if d.err == nil {
		d.err = protoErr("NDR at offset %d: %s", d.off, fmt.Sprintf(format, a...))
	}
}

func (d *Decoder) need(n int) bool {
	if d.err != nil {
		return false
	}
	if n < 0 || d.off+n > len(d.b) || d.off+n < d.off {
		d.Fail("need %d bytes, %d left", n, len(d.b)-d.off)
		return false
	}
	return true
}

// Align skips padding to a multiple of n.
func (d *Decoder) Align(n int) {
	if p := (n - d.off%n) % n; p > 0 && d.need(p) {
		d.off += p
	}
}

func (d *Decoder) Uint16() uint16 {
	d.Align(2)
	if !d.need(2) {
		return 0
	}
	v := binary.LittleEndian.Uint16(d.b[d.off:])
	d.off += 2
	return v
}

func (d *Decoder) Uint32() uint32 {
	d.Align(4)
	if !d.need(4) {
		return 0
	}
	v := binary.LittleEndian.Uint32(d.b[d.off:])
	d.off += 4
	return v
}

// Raw returns the next n bytes (a view into the stub).
func (d *Decoder) Raw(n int) []byte {
	if !d.need(n) {
		return nil
	}
	v := d.b[d.off : d.off+n]
	d.off += n
	return v
}

// Varying reads a conformant varying array header and checks it against
// the bytes left (elem bytes per element) and the bound max elements. It
// returns the actual count.
func (d *Decoder) Varying(elem, bound int) int {
	maxCount := d.Uint32()
	offset := d.Uint32()
	actual := d.Uint32()
	if d.err != nil {
		return 0
	}
	switch {
	case offset != 0:
		d.Fail("array offset %d (only 0 is used by this protocol)", offset)
	case actual > maxCount:
		d.Fail("array actual count %d exceeds its maximum %d", actual, maxCount)
	case int64(actual) > int64(bound):
		d.Fail("array of %d elements exceeds the bound %d", actual, bound)
	case int64(actual)*int64(elem) > int64(d.Remaining()):
		d.Fail("array of %d elements overruns the stub (%d bytes left)", actual, d.Remaining())
	}
	if d.err != nil {
		return 0
	}
	return int(actual)
}

// WideChars reads n WCHARs and returns them as a string without
// trailing NULs.
func (d *Decoder) WideChars(n int) string { return d.WideCharsN(n, n) }

// WideCharsN reads n WCHARs but keeps at most keep of them (a string's
// Length may be shorter than its array), without trailing NULs.
func (d *Decoder) WideCharsN(n, keep int) string {
	raw := d.Raw(2 * n)
	if raw == nil {
		return ""
	}
	keep = max(0, min(keep, n))
	u := make([]uint16, keep)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(raw[2*i:])
	}
	for len(u) > 0 && u[len(u)-1] == 0 {
		u = u[:len(u)-1]
	}
	return string(utf16.Decode(u))
}
