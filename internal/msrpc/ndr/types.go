package ndr

import "unicode/utf16"

// DWORD is a 32-bit unsigned integer as a Type, for pointers to one
// ([unique] LPDWORD) and arrays of them.
type DWORD uint32

// NDR codes the value.
func (v *DWORD) NDR(c *Coder) { c.Uint32((*uint32)(v)) }

// ContextHandle is an RPC context handle ([MS-RPCE] 2.2.4.2 ndr_context_handle:
// attributes and a UUID), opaque to the client.
type ContextHandle [20]byte

// NDR codes the handle, 4-aligned.
func (h *ContextHandle) NDR(c *Coder) {
	c.Align(4)
	c.ByteArray(h[:])
}

// IsZero reports a null handle (what a server returns on failure and for a
// closed handle).
func (h ContextHandle) IsZero() bool { return h == ContextHandle{} }

// HandleResponse is the reply of a call whose one [out] parameter is a
// context handle, as the open and close calls of every interface: the
// handle, then the call's status (an NTSTATUS or a Win32 error, by
// interface).
type HandleResponse struct {
	Handle ContextHandle
	Status uint32
}

// HandleResponseSize is a HandleResponse's size on the wire.
const HandleResponseSize = 20 + 4

// NDR codes the reply.
func (r *HandleResponse) NDR(c *Coder) {
	r.Handle.NDR(c)
	c.Uint32(&r.Status)
}

// maxCountedChars is what a 16-bit byte count can describe.
const maxCountedChars = 0xFFFF / 2

// CountedString is the wire form of RPC_UNICODE_STRING ([MS-DTYP] 2.3.10) and
// its relatives (MS-RRP's RRP_UNICODE_STRING): Length and MaximumLength in
// bytes, then a [unique] pointer to [size_is(MaximumLength/2),
// length_is(Length/2)] WCHAR, whose characters are deferred like any
// embedded referent.
type CountedString struct {
	Chars []uint16 // the Length/2 characters sent
	// MaxBytes is MaximumLength. Encoding sends at least 2*len(Chars): a
	// larger value offers the server a buffer to fill.
	MaxBytes uint16
	Null     bool // the buffer pointer is null
}

// NDR codes the string. Decoding keeps the characters Length counts, of
// those sent.
func (s *CountedString) NDR(c *Coder) {
	c.Struct(4, func() {
		if !c.decoding && len(s.Chars) > maxCountedChars {
			c.Failf("string of %d characters is longer than a counted string holds (%d)", len(s.Chars), maxCountedChars)
			return
		}
		length := uint16(2 * len(s.Chars))
		maxBytes := max(s.MaxBytes, length)
		c.Uint16(&length)
		c.Uint16(&maxBytes)
		if c.decoding {
			s.Chars, s.MaxBytes = nil, maxBytes
		}
		s.Null = !c.Pointer(false, !s.Null, func() {
			n := c.Variance(len(s.Chars), int(maxBytes/2), maxCountedChars+1)
			c.Uint16s(&s.Chars, n)
			if c.decoding && len(s.Chars) > int(length/2) {
				s.Chars = s.Chars[:length/2]
			}
		})
	})
}

// UnicodeString is an RPC_UNICODE_STRING holding s. The empty string is sent
// with a null buffer, as Windows does.
type UnicodeString string

// NDR codes the string.
func (s *UnicodeString) NDR(c *Coder) {
	cs := CountedString{Chars: UTF16(string(*s)), Null: *s == ""}
	c.Struct(4, func() {
		cs.NDR(c)
		if c.decoding {
			// The characters arrive with the deferred referents.
			c.Referent(func() { *s = UnicodeString(FromUTF16(cs.Chars)) })
		}
	})
}

// maxWStringChars bounds a [string] wchar_t* a decoder accepts: MAX_PATH
// for extended paths, far above any name or remark these protocols carry.
const maxWStringChars = 32768

// WString is the referent of a [string] wchar_t* (LPWSTR): a conformant
// varying array of WCHAR ending with a NUL. Use it through Unique or Ref.
// Decoding stops at the first NUL.
type WString string

// NDR codes the characters and the terminating NUL.
func (s *WString) NDR(c *Coder) {
	chars := append(UTF16(string(*s)), 0)
	n := c.Variance(len(chars), len(chars), maxWStringChars)
	c.Uint16s(&chars, n)
	if c.decoding {
		*s = WString(FromUTF16(chars))
	}
}

// UTF16 is s as UTF-16 code units.
func UTF16(s string) []uint16 { return utf16.Encode([]rune(s)) }

// FromUTF16 decodes UTF-16 up to the first NUL (unpaired surrogates become
// U+FFFD).
func FromUTF16(u []uint16) string {
	for i, c := range u {
		if c == 0 {
			u = u[:i]
			break
		}
	}
	return string(utf16.Decode(u))
}
