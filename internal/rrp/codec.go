package rrp

import (
	"encoding/binary"
	"fmt"

	"github.com/patchscan/patchscan/internal/msrpc"
)

// Every response stub ends with the call's error_status_t. Reading it from
// the end first means a failed call never depends on the (often zeroed)
// out-parameters before it.
func splitStatus(stub []byte) ([]byte, uint32, error) {
	if len(stub) < 4 {
		return nil, 0, fmt.Errorf("%w: response stub of %d bytes has no status", msrpc.ErrProtocol, len(stub))
	}
	n := len(stub) - 4
	return stub[:n], binary.LittleEndian.Uint32(stub[n:]), nil
}

// rrpString writes an RRP_UNICODE_STRING holding s plus its terminating
// NUL (MS-RRP counts the NUL in Length), with the characters deferred
// right after it as the struct is a top-level parameter.
func rrpString(e *msrpc.Encoder, s string) {
	chars := append(msrpc.UTF16(s), 0)
	n := 2 * len(chars)
	e.Uint16(uint16(n))
	e.Uint16(uint16(n))
	e.Pointer(true)
	e.WideArray(len(chars), chars)
}

// emptyBuffer writes an RRP_UNICODE_STRING with no content whose
// MaximumLength tells the server how much name it may return.
func emptyBuffer(e *msrpc.Encoder, maxBytes int) {
	e.Uint16(0)
	e.Uint16(uint16(maxBytes))
	e.Pointer(true)
	e.WideArray(maxBytes/2, nil)
}

// EncodeOpenLocalMachine: ServerName (null), samDesired.
func EncodeOpenLocalMachine(access uint32) []byte {
	var e msrpc.Encoder
	e.Pointer(false)
	e.Uint32(access)
	return e.Bytes()
}

// EncodeOpenKey: hKey, lpSubKey, dwOptions, samDesired.
func EncodeOpenKey(parent Handle, subkey string, access uint32) []byte {
	var e msrpc.Encoder
	e.Raw(parent[:])
	rrpString(&e, subkey)
	e.Uint32(0)
	e.Uint32(access)
	return e.Bytes()
}

// EncodeQueryValue: hKey, lpValueName, lpType, lpData (size bytes offered,
// none sent), lpcbData = size, lpcbLen = 0.
func EncodeQueryValue(h Handle, name string, size uint32) []byte {
	var e msrpc.Encoder
	e.Raw(h[:])
	rrpString(&e, name)
	e.Pointer(true)
	e.Uint32(0)
	e.Pointer(true)
	e.ByteArray(int(size), nil)
	e.Pointer(true)
	e.Uint32(size)
	e.Pointer(true)
	e.Uint32(0)
	return e.Bytes()
}

// EncodeEnumKey: hKey, dwIndex, lpNameIn (an empty buffer of nameBytes),
// lpClassIn (an empty buffer: MS-RRP allows null, but Samba answers
// ERROR_INVALID_PARAMETER without one), lpftLastWriteTime = null.
func EncodeEnumKey(h Handle, index uint32, nameBytes int) []byte {
	var e msrpc.Encoder
	e.Raw(h[:])
	e.Uint32(index)
	emptyBuffer(&e, nameBytes)
	e.Pointer(true)
	emptyBuffer(&e, classBytes)
	e.Pointer(false)
	return e.Bytes()
}

// classBytes is the class buffer offered by BaseRegEnumKey; classes are
// not used, but a server may fill it.
const classBytes = 256

// EncodeEnumValue: hKey, dwIndex, lpValueNameIn, lpType, lpData, lpcbData,
// lpcbLen.
func EncodeEnumValue(h Handle, index uint32, nameBytes int, size uint32) []byte {
	var e msrpc.Encoder
	e.Raw(h[:])
	e.Uint32(index)
	emptyBuffer(&e, nameBytes)
	e.Pointer(true)
	e.Uint32(0)
	e.Pointer(true)
	e.ByteArray(int(size), nil)
	e.Pointer(true)
	e.Uint32(size)
	e.Pointer(true)
	e.Uint32(0)
	return e.Bytes()
}

// DecodeHandleResponse decodes [out] RPC_HKEY + status (OpenLocalMachine,
// BaseRegOpenKey, BaseRegCloseKey).
func DecodeHandleResponse(stub []byte) (Handle, error) {
	body, st, err := splitStatus(stub)
	if err != nil {
		return Handle{}, err
	}
	if err := status(st); err != nil {
		return Handle{}, err
	}
	var h Handle
	if len(body) != len(h) {
		return h, fmt.Errorf("%w: context handle of %d bytes, want 20", msrpc.ErrProtocol, len(body))
	}
	copy(h[:], body)
	return h, nil
}

// DecodeGetVersionResponse decodes lpdwVersion + status.
func DecodeGetVersionResponse(stub []byte) (uint32, error) {
	body, st, err := splitStatus(stub)
	if err != nil {
		return 0, err
	}
	if err := status(st); err != nil {
		return 0, err
	}
	if len(body) != 4 {
		return 0, fmt.Errorf("%w: version reply of %d bytes", msrpc.ErrProtocol, len(body))
	}
	return binary.LittleEndian.Uint32(body), nil
}

// QueryResult is a decoded BaseRegQueryValue reply. Size is lpcbData: the
// value's size, which with ERROR_MORE_DATA says how big a buffer to offer.
type QueryResult struct {
	Type uint32
	Data []byte
	Size uint32
}

// DecodeQueryValueResponse decodes lpType, lpData, lpcbData, lpcbLen and
// the status. With ERROR_MORE_DATA the result carries Size and the error.
func DecodeQueryValueResponse(stub []byte) (QueryResult, error) {
	body, st, err := splitStatus(stub)
	if err != nil {
		return QueryResult{}, err
	}
	if st != ErrorSuccess && st != ErrorMoreData {
		return QueryResult{}, status(st)
	}
	d := msrpc.NewDecoder(body)
	var r QueryResult
	r.Type, r.Data, r.Size = valueTail(d)
	if err := end(d); err != nil {
		return QueryResult{}, err
	}
	return r, status(st)
}

// valueTail decodes lpType, lpData, lpcbData and lpcbLen, shared by
// BaseRegQueryValue and BaseRegEnumValue. It returns the data cut to
// lpcbLen and lpcbData.
func valueTail(d *msrpc.Decoder) (typ uint32, data []byte, size uint32) {
	if d.Uint32() != 0 {
		typ = d.Uint32()
	}
	if d.Uint32() != 0 {
		n := d.Varying(1, MaxValueData)
		data = d.Raw(n)
	}
	if d.Uint32() != 0 {
		size = d.Uint32()
	}
	haveLen := d.Uint32() != 0
	var length uint32
	if haveLen {
		length = d.Uint32()
	}
	if haveLen && int64(length) < int64(len(data)) {
		data = data[:length]
	}
	// Copy out of the stub so callers may keep it.
	data = append([]byte(nil), data...)
	return typ, data, size
}

func end(d *msrpc.Decoder) error {
	if err := d.Err(); err != nil {
		return err
	}
	if d.Remaining() > 0 {
		return fmt.Errorf("%w: %d unexpected bytes after the out-parameters", msrpc.ErrProtocol, d.Remaining())
	}
	return nil
}

// unicodeString decodes an RPC_UNICODE_STRING with its deferred chars.
func unicodeString(d *msrpc.Decoder) string {
	length := int(d.Uint16())
	d.Uint16() // MaximumLength
	if d.Uint32() == 0 {
		return ""
	}
	n := d.Varying(2, maxNameChars+1)
	s := d.WideCharsN(n, length/2)
	d.Align(4)
	return s
}

// DecodeEnumKeyResponse decodes lpNameOut, lplpClassOut,
// lpftLastWriteTime and the status.
func DecodeEnumKeyResponse(stub []byte) (string, error) {
	body, st, err := splitStatus(stub)
	if err != nil {
		return "", err
	}
	if err := status(st); err != nil {
		return "", err
	}
	d := msrpc.NewDecoder(body)
	name := unicodeString(d)
	if d.Uint32() != 0 { // class
		unicodeString(d)
	}
	if d.Uint32() != 0 { // FILETIME
		d.Uint32()
		d.Uint32()
	}
	if err := end(d); err != nil {
		return "", err
	}
	return name, nil
}

// DecodeEnumValueResponse decodes lpValueNameOut, lpType, lpData,
// lpcbData, lpcbLen and the status. With ERROR_MORE_DATA it returns the
// size needed and the error.
func DecodeEnumValueResponse(stub []byte) (Value, uint32, error) {
	body, st, err := splitStatus(stub)
	if err != nil {
		return Value{}, 0, err
	}
	if st != ErrorSuccess && st != ErrorMoreData {
		return Value{}, 0, status(st)
	}
	d := msrpc.NewDecoder(body)
	var v Value
	v.Name = unicodeString(d)
	var size uint32
	v.Type, v.Data, size = valueTail(d)
	if err := end(d); err != nil {
		return Value{}, 0, err
	}
	return v, size, status(st)
}
