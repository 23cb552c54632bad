package rrp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/internal/msrpc"
)

// Server-side encoders for the tests: they build replies the way an NDR
// server lays them out.

func withStatus(body []byte, st uint32) []byte {
	return binary.LittleEndian.AppendUint32(append([]byte(nil), body...), st)
}

func rpcString(e *msrpc.Encoder, s string, withNUL bool) {
	u := msrpc.UTF16(s)
	if withNUL {
		u = append(u, 0)
	}
	e.Uint16(uint16(2 * len(u)))
	e.Uint16(uint16(2 * len(u)))
	e.Pointer(true)
	e.WideArray(len(u), u)
}

func valueReply(typ uint32, data []byte, size uint32, st uint32) []byte {
	var e msrpc.Encoder
	e.Pointer(true)
	e.Uint32(typ)
	e.Pointer(true)
	e.ByteArray(len(data), data)
	e.Pointer(true)
	e.Uint32(size)
	e.Pointer(true)
	e.Uint32(uint32(len(data)))
	return withStatus(e.Bytes(), st)
}

func enumValueReply(name string, typ uint32, data []byte, size uint32, st uint32) []byte {
	var e msrpc.Encoder
	rpcString(&e, name, true)
	e.Align(4)
	v := valueReply(typ, data, size, st)
	return append(e.Bytes(), v...)
}

func enumKeyReply(name string, st uint32) []byte {
	var e msrpc.Encoder
	rpcString(&e, name, true)
	e.Align(4)
	e.Pointer(true) // class
	rpcString(&e, "", false)
	e.Align(4)
	e.Pointer(true) // FILETIME
	e.Uint32(1)
	e.Uint32(2)
	return withStatus(e.Bytes(), st)
}

// fakeCaller answers each call from a list.
type fakeCaller struct {
	replies [][]byte
	calls   []uint16
	stubs   [][]byte
}

func (f *fakeCaller) Call(op uint16, stub []byte) ([]byte, error) {
	f.calls = append(f.calls, op)
	f.stubs = append(f.stubs, stub)
	if len(f.replies) == 0 {
		return nil, errors.New("no reply scripted")
	}
	r := f.replies[0]
	f.replies = f.replies[1:]
	return r, nil
}

func TestWin32Errors(t *testing.T) {
	tests := []struct {
		code   uint32
		is     error
		substr string
	}{
		{2, ErrNotFound, "ERROR_FILE_NOT_FOUND (2)"},
		{5, ErrAccessDenied, "ERROR_ACCESS_DENIED (5)"},
		{259, ErrNoMoreItems, "ERROR_NO_MORE_ITEMS"},
		{1018, nil, "ERROR_KEY_DELETED"},
		{4242, nil, "Win32 error 4242"},
	}
	for _, tt := range tests {
		_, err := DecodeHandleResponse(withStatus(make([]byte, 20), tt.code))
		if err == nil || !strings.Contains(err.Error(), tt.substr) {
			t.Errorf("%d: %v", tt.code, err)
		}
		if tt.is != nil && !errors.Is(err, tt.is) {
			t.Errorf("%d: not %v", tt.code, tt.is)
		}
		if tt.is == nil && (errors.Is(err, ErrNotFound) || errors.Is(err, ErrAccessDenied)) {
			t.Errorf("%d matches a sentinel it should not", tt.code)
		}
	}
}

func TestDecoders(t *testing.T) {
	h := Handle{1, 2, 3}
	got, err := DecodeHandleResponse(withStatus(h[:], 0))
	if err != nil || got != h {
		t.Fatalf("handle %v %v", got, err)
	}
	if _, err := DecodeHandleResponse(withStatus(h[:19], 0)); err == nil {
		t.Fatal("short handle accepted")
	}
	if v, err := DecodeGetVersionResponse(withStatus([]byte{5, 0, 0, 0}, 0)); v != 5 || err != nil {
		t.Fatalf("version %d %v", v, err)
	}
	r, err := DecodeQueryValueResponse(valueReply(4, []byte{42, 0, 0, 0}, 4, 0))
	if err != nil || r.Type != 4 || !bytes.Equal(r.Data, []byte{42, 0, 0, 0}) {
		t.Fatalf("query %+v %v", r, err)
	}
	r, err = DecodeQueryValueResponse(valueReply(1, nil, 9000, ErrorMoreData))
	if !errors.Is(err, Win32Error(ErrorMoreData)) || r.Size != 9000 {
		t.Fatalf("more data %+v %v", r, err)
	}
	name, err := DecodeEnumKeyResponse(enumKeyReply("Sub1", 0))
	if err != nil || name != "Sub1" {
		t.Fatalf("enum key %q %v", name, err)
	}
	v, _, err := DecodeEnumValueResponse(enumValueReply("Dword", 4, []byte{1, 0, 0, 0}, 4, 0))
	if err != nil || v.Name != "Dword" || v.Type != 4 || len(v.Data) != 4 {
		t.Fatalf("enum value %+v %v", v, err)
	}

	bad := []struct {
		name string
		stub []byte
		dec  func([]byte) error
		want string
	}{
		{"empty", nil, func(b []byte) error { _, err := DecodeHandleResponse(b); return err }, "no status"},
		{"trailing bytes", func() []byte {
			b := valueReply(1, nil, 0, 0)
			return withStatus(append(b[:len(b)-4:len(b)-4], 9, 9, 9, 9), 0)
		}(), func(b []byte) error { _, err := DecodeQueryValueResponse(b); return err }, "unexpected bytes"},
		{"truncated value", valueReply(3, make([]byte, 100), 100, 0)[:60], func(b []byte) error { _, err := DecodeQueryValueResponse(b); return err }, "overruns"},
		{"huge array", func() []byte {
			b := valueReply(3, []byte{1}, 1, 0)
			binary.LittleEndian.PutUint32(b[12:], 0x7fffffff)
			binary.LittleEndian.PutUint32(b[20:], 0x7fffffff)
			return b
		}(), func(b []byte) error { _, err := DecodeQueryValueResponse(b); return err }, "exceeds the bound"},
		{"bad version length", withStatus([]byte{1, 2}, 0), func(b []byte) error { _, err := DecodeGetVersionResponse(b); return err }, "version reply"},
	}
	for _, tt := range bad {
		err := tt.dec(tt.stub)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err %v, want %q", tt.name, err, tt.want)
		}
		if err != nil && !errors.Is(err, msrpc.ErrProtocol) {
			t.Errorf("%s: %v is not a protocol error", tt.name, err)
		}
	}
}

func TestQueryValueTwoStep(t *testing.T) {
	big := bytes.Repeat([]byte{7}, 9000)
	f := &fakeCaller{replies: [][]byte{
		valueReply(3, nil, 9000, ErrorMoreData),
		valueReply(3, big, 9000, 0),
	}}
	typ, data, err := New(f).QueryValue(Handle{}, "Big")
	if err != nil || typ != 3 || !bytes.Equal(data, big) {
		t.Fatalf("%d %d %v", typ, len(data), err)
	}
	if len(f.calls) != 2 || f.calls[0] != opBaseRegQueryValue {
		t.Fatalf("calls %v", f.calls)
	}
	// The second request offers exactly the size asked for.
	if !bytes.Contains(f.stubs[1], binary.LittleEndian.AppendUint32(nil, 9000)) {
		t.Fatal("second request does not offer 9000 bytes")
	}

	f = &fakeCaller{replies: [][]byte{valueReply(3, nil, MaxValueData+1, ErrorMoreData)}}
	if _, _, err := New(f).QueryValue(Handle{}, "Huge"); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Fatalf("huge value: %v", err)
	}
	f = &fakeCaller{replies: [][]byte{valueReply(0, nil, 0, ErrorFileNotFound)}}
	if _, _, err := New(f).QueryValue(Handle{}, "Gone"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("absent value: %v", err)
	}
}

func TestEnumValueMoreDataWithoutSize(t *testing.T) {
	big := bytes.Repeat([]byte{'x'}, 2000)
	f := &fakeCaller{replies: [][]byte{
		enumValueReply("Long", 1, nil, 512, ErrorMoreData), // Samba: size not updated
		valueReply(1, nil, 2000, ErrorMoreData),
		valueReply(1, big, 2000, 0),
	}}
	v, err := New(f).EnumValue(Handle{}, 0)
	if err != nil || v.Name != "Long" || !bytes.Equal(v.Data, big) {
		t.Fatalf("%+v %v", v.Name, err)
	}
	if want := []uint16{opBaseRegEnumValue, opBaseRegQueryValue, opBaseRegQueryValue}; len(f.calls) != 3 || f.calls[1] != want[1] {
		t.Fatalf("calls %v", f.calls)
	}
	f = &fakeCaller{replies: [][]byte{enumValueReply("", 0, nil, 0, ErrorNoMoreItems)}}
	if _, err := New(f).EnumValue(Handle{}, 9); !errors.Is(err, ErrNoMoreItems) {
		t.Fatalf("end: %v", err)
	}
}

func TestRequestsAskOnlyKeyRead(t *testing.T) {
	for name, stub := range map[string][]byte{
		"OpenLocalMachine": EncodeOpenLocalMachine(KeyRead),
		"OpenKey":          EncodeOpenKey(Handle{}, `SOFTWARE\X`, KeyRead),
	} {
		if got := binary.LittleEndian.Uint32(stub[len(stub)-4:]); got != 0x20019 {
			t.Errorf("%s asks access 0x%x", name, got)
		}
	}
	// OpenKey: handle, RRP_UNICODE_STRING with the NUL counted, chars.
	stub := EncodeOpenKey(Handle{}, "AB", KeyRead)
	if l := binary.LittleEndian.Uint16(stub[20:]); l != 6 {
		t.Fatalf("Length %d, want 6 (A, B, NUL)", l)
	}
	if !bytes.Equal(stub[40:46], []byte{'A', 0, 'B', 0, 0, 0}) || binary.LittleEndian.Uint32(stub[36:]) != 3 {
		t.Fatalf("array %x", stub[28:46])
	}
}

// FuzzDecodeResponses: hostile reply stubs give errors, never panics, and
// never data past the bounds.
func FuzzDecodeResponses(f *testing.F) {
	f.Add(valueReply(1, []byte("a\x00"), 2, 0))
	f.Add(enumValueReply("n", 4, []byte{1, 0, 0, 0}, 4, 0))
	f.Add(enumKeyReply("k", 0))
	f.Add(withStatus(make([]byte, 20), 0))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = DecodeHandleResponse(b)
		_, _ = DecodeGetVersionResponse(b)
		if r, err := DecodeQueryValueResponse(b); err == nil && len(r.Data) > MaxValueData {
			t.Fatalf("%d bytes of data", len(r.Data))
		}
		if name, err := DecodeEnumKeyResponse(b); err == nil && len(name) > 4*maxNameChars {
			t.Fatalf("name of %d bytes", len(name))
		}
		if v, _, err := DecodeEnumValueResponse(b); err == nil && len(v.Data) > MaxValueData {
			t.Fatalf("%d bytes of data", len(v.Data))
		}
		// And through the client's retry logic.
		c := New(&fakeCaller{replies: [][]byte{b, b, b, b, b, b, b, b, b}})
		_, _, _ = c.QueryValue(Handle{}, "v")
		_, _ = c.EnumValue(Handle{}, 0)
	})
}
