package facts

import (
	"encoding/binary"
	"encoding/hex"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Registry values come from scanned hosts and are hostile input: any type
// with any bytes, of any length. Everything here decodes without panicking,
// always yields valid UTF-8 and never allocates more than a small multiple of
// the data it was given.

// SZ builds a REG_SZ value as a host would store it (UTF-16LE, NUL-terminated).
func SZ(s string) RegValue { return RegValue{Type: RegSZ, Data: encodeUTF16(s, true)} }

// ExpandSZ builds a REG_EXPAND_SZ value.
func ExpandSZ(s string) RegValue { return RegValue{Type: RegExpandSZ, Data: encodeUTF16(s, true)} }

// MultiSZ builds a REG_MULTI_SZ value: each string NUL-terminated, then a final NUL.
func MultiSZ(ss ...string) RegValue {
	var data []byte
	for _, s := range ss {
		data = append(data, encodeUTF16(s, true)...)
	}
	data = append(data, 0, 0)
	return RegValue{Type: RegMultiSZ, Data: data}
}

// DWORD builds a REG_DWORD value (little-endian).
func DWORD(n uint32) RegValue {
	return RegValue{Type: RegDWORD, Data: binary.LittleEndian.AppendUint32(nil, n)}
}

// QWORD builds a REG_QWORD value (little-endian).
func QWORD(n uint64) RegValue {
	return RegValue{Type: RegQWORD, Data: binary.LittleEndian.AppendUint64(nil, n)}
}

// Binary builds a REG_BINARY value.
func Binary(b []byte) RegValue { return RegValue{Type: RegBinary, Data: append([]byte(nil), b...)} }

func encodeUTF16(s string, nul bool) []byte {
	u := utf16.Encode([]rune(s))
	out := make([]byte, 0, 2*len(u)+2)
	for _, c := range u {
		out = binary.LittleEndian.AppendUint16(out, c)
	}
	if nul {
		out = append(out, 0, 0)
	}
	return out
}

// decodeUTF16 decodes UTF-16LE data: an odd trailing byte is dropped,
// unpaired surrogates become U+FFFD. With stopAtNUL it ends at the first NUL
// code unit (REG_SZ data often carries garbage after the terminator).
func decodeUTF16(b []byte, stopAtNUL bool) string {
	n := len(b) / 2
	if stopAtNUL {
		for i := 0; i < n; i++ {
			if b[2*i] == 0 && b[2*i+1] == 0 {
				n = i
				break
			}
		}
	}
	if n == 0 {
		return ""
	}
	// Fast path: plain ASCII needs no rune slice.
	ascii := true
	for i := 0; i < n; i++ {
		if b[2*i+1] != 0 || b[2*i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		var sb strings.Builder
		sb.Grow(n)
		for i := 0; i < n; i++ {
			sb.WriteByte(b[2*i])
		}
		return sb.String()
	}
	u := make([]uint16, n)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u))
}

// Strings decodes a REG_MULTI_SZ into its strings (empty strings between
// terminators are kept except the final list terminator). For REG_SZ and
// REG_EXPAND_SZ it returns the one string. Other types give nil. It returns
// every element; the engine's rules look at the first maxMultiSZ only.
func (v RegValue) Strings() []string {
	switch v.Type {
	case RegSZ, RegExpandSZ:
		return []string{decodeUTF16(v.Data, true)}
	case RegMultiSZ:
		all := decodeUTF16(v.Data, false)
		all = strings.TrimSuffix(all, "\x00")
		all = strings.TrimSuffix(all, "\x00")
		if all == "" {
			return nil
		}
		return strings.Split(all, "\x00")
	}
	return nil
}

// Uint returns the value as an unsigned number: REG_DWORD (exactly 4
// bytes; Windows also accepts a longer buffer and reads the first 4),
// REG_QWORD (8 bytes), or a string holding a decimal number. ok is false
// when it is none of these (short DWORDs are invalid, not zero).
func (v RegValue) Uint() (n uint64, ok bool) {
	switch v.Type {
	case RegDWORD:
		if len(v.Data) < 4 {
			return 0, false
		}
		return uint64(binary.LittleEndian.Uint32(v.Data)), true
	case RegQWORD:
		if len(v.Data) < 8 {
			return 0, false
		}
		return binary.LittleEndian.Uint64(v.Data), true
	case RegSZ, RegExpandSZ:
		return parseDecimal(decodeUTF16(v.Data, true))
	}
	return 0, false
}

func parseDecimal(s string) (uint64, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 20 {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 10, 64)
	return n, err == nil
}

// Text is the value as one string for comparisons: strings decoded,
// numbers in decimal, binary in lower-case hex, REG_MULTI_SZ joined with
// "\n" (rules on multi-strings test each element instead; see Texts).
// A DWORD/QWORD of the wrong length renders as its hex bytes, so it never
// compares equal to a number.
func (v RegValue) Text() string {
	switch v.Type {
	case RegSZ, RegExpandSZ:
		return decodeUTF16(v.Data, true)
	case RegMultiSZ:
		return strings.Join(v.Strings(), "\n")
	case RegDWORD, RegQWORD:
		if n, ok := v.Uint(); ok {
			return strconv.FormatUint(n, 10)
		}
	}
	return hex.EncodeToString(v.Data)
}

// maxMultiSZ bounds how many elements of a REG_MULTI_SZ rules look at: a
// hostile value of a million empty strings would otherwise cost a string
// header per two bytes of data. Real lists are far shorter.
const maxMultiSZ = 4096

// Texts is what string operators (equals, matches, version-*) test: the
// first maxMultiSZ elements of a REG_MULTI_SZ (the rule holds when one
// element matches), else the one Text.
func (v RegValue) Texts() []string {
	if v.Type != RegMultiSZ {
		return []string{v.Text()}
	}
	all := strings.TrimSuffix(strings.TrimSuffix(decodeUTF16(v.Data, false), "\x00"), "\x00")
	if all == "" {
		return nil
	}
	parts := strings.SplitN(all, "\x00", maxMultiSZ+1)
	if len(parts) > maxMultiSZ {
		parts = parts[:maxMultiSZ] // the last part holds the unsplit rest
	}
	return parts
}
