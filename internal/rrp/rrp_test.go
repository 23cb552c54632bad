package rrp

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/internal/msrpc"
	"github.com/patchscan/patchscan/internal/msrpc/ifacetest"
	"github.com/patchscan/patchscan/internal/msrpc/ndr"
)

// Server-side replies for the tests, built with the response types
// themselves (the Samba fixtures in fixtures_test.go check the layout
// against a real server).

func withStatus(body []byte, st uint32) []byte {
	return binary.LittleEndian.AppendUint32(append([]byte(nil), body...), st)
}

func replyValue(typ uint32, data []byte, size uint32) valueParams {
	t, sz, n := ndr.DWORD(typ), ndr.DWORD(size), ndr.DWORD(len(data))
	return valueParams{Type: &t, Data: &valueData{Data: data}, Size: &sz, Len: &n}
}

func valueReply(typ uint32, data []byte, size uint32, st uint32) []byte {
	return ifacetest.Marshal(&queryValueResponse{Value: replyValue(typ, data, size), Status: st})
}

func enumValueReply(name string, typ uint32, data []byte, size uint32, st uint32) []byte {
	return ifacetest.Marshal(&enumValueResponse{Name: regString{S: name}, Value: replyValue(typ, data, size), Status: st})
}

func enumKeyReply(name string, st uint32) []byte {
	return ifacetest.Marshal(&enumKeyResponse{Name: regString{S: name}, Class: &regString{}, WriteTime: &fileTime{1, 2}, Status: st})
}

// fakeCaller answers each call from a list.
type fakeCaller struct {
	replies [][]byte
	calls   []uint16
	stubs   [][]byte
}

func (f *fakeCaller) Call(_ context.Context, op uint16, stub []byte, maxReply int) ([]byte, error) {
	f.calls = append(f.calls, op)
	f.stubs = append(f.stubs, stub)
	if len(f.replies) == 0 {
		return nil, errors.New("no reply scripted")
	}
	r := f.replies[0]
	f.replies = f.replies[1:]
	// As msrpc.Conn does: a reply past the call's own bound is cut off.
	if len(r) > maxReply {
		return nil, fmt.Errorf("%w: reply of %d bytes past the call's bound %d", msrpc.ErrProtocol, len(r), maxReply)
	}
	return r, nil
}

var ctx = context.Background()

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
		_, err := New(&fakeCaller{replies: [][]byte{withStatus(make([]byte, 20), tt.code)}}).OpenKey(ctx, Handle{}, "k")
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

func decodeInto(b []byte, resp ndr.Type) error {
	return msrpc.Do(context.Background(), &fakeCaller{replies: [][]byte{b}}, &queryValueRequest{Value: offerValue(MaxValueData)}, resp)
}

func TestDecoders(t *testing.T) {
	h := Handle{1, 2, 3}
	var hr handleResponse
	if err := decodeInto(withStatus(h[:], 0), &hr); err != nil || hr.Handle != h {
		t.Fatalf("handle %v %v", hr, err)
	}
	var vr getVersionResponse
	if err := decodeInto(withStatus([]byte{5, 0, 0, 0}, 0), &vr); vr.Version != 5 || err != nil {
		t.Fatalf("version %v %v", vr, err)
	}
	var qr queryValueResponse
	if err := decodeInto(valueReply(4, []byte{42, 0, 0, 0}, 4, 0), &qr); err != nil {
		t.Fatal(err)
	}
	if typ, data, _ := qr.Value.value(); typ != 4 || !bytes.Equal(data, []byte{42, 0, 0, 0}) {
		t.Fatalf("query %d %x", typ, data)
	}
	var kr enumKeyResponse
	if err := decodeInto(enumKeyReply("Sub1", 0), &kr); err != nil || kr.Name.S != "Sub1" {
		t.Fatalf("enum key %+v %v", kr, err)
	}
	var er enumValueResponse
	if err := decodeInto(enumValueReply("Dword", 4, []byte{1, 0, 0, 0}, 4, 0), &er); err != nil || er.Name.S != "Dword" {
		t.Fatalf("enum value %+v %v", er, err)
	}

	bad := []struct {
		name string
		stub []byte
		into ndr.Type
		want string
	}{
		{"empty", nil, &handleResponse{}, "need 20 bytes"},
		{"trailing bytes", withStatus(valueReply(1, nil, 0, 0), 0), &queryValueResponse{}, "unexpected bytes"},
		{"truncated value", valueReply(3, make([]byte, 100), 100, 0)[:60], &queryValueResponse{}, "need 100 bytes"},
		{"huge array", func() []byte {
			b := valueReply(3, []byte{1}, 1, 0)
			binary.LittleEndian.PutUint32(b[12:], 0x7fffffff)
			binary.LittleEndian.PutUint32(b[20:], 0x7fffffff)
			return b
		}(), &queryValueResponse{}, "exceeds the bound"},
		{"bad version length", withStatus([]byte{1, 2}, 0), &getVersionResponse{}, "need 4 bytes"},
		{"status in the message", withStatus([]byte{1, 2}, 5), &getVersionResponse{}, "ends with status 0x00000005"},
	}
	for _, tt := range bad {
		err := decodeInto(tt.stub, tt.into)
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
	typ, data, err := New(f).QueryValue(ctx, Handle{}, "Big")
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
	if _, _, err := New(f).QueryValue(ctx, Handle{}, "Huge"); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Fatalf("huge value: %v", err)
	}
	f = &fakeCaller{replies: [][]byte{valueReply(0, nil, 0, ErrorFileNotFound)}}
	if _, _, err := New(f).QueryValue(ctx, Handle{}, "Gone"); !errors.Is(err, ErrNotFound) {
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
	v, err := New(f).EnumValue(ctx, Handle{}, 0)
	if err != nil || v.Name != "Long" || !bytes.Equal(v.Data, big) {
		t.Fatalf("%+v %v", v.Name, err)
	}
	if want := []uint16{opBaseRegEnumValue, opBaseRegQueryValue, opBaseRegQueryValue}; len(f.calls) != 3 || f.calls[1] != want[1] {
		t.Fatalf("calls %v", f.calls)
	}
	f = &fakeCaller{replies: [][]byte{enumValueReply("", 0, nil, 0, ErrorNoMoreItems)}}
	if _, err := New(f).EnumValue(ctx, Handle{}, 9); !errors.Is(err, ErrNoMoreItems) {
		t.Fatalf("end: %v", err)
	}
}

func TestRequestsAskOnlyKeyRead(t *testing.T) {
	for name, stub := range map[string][]byte{
		"OpenLocalMachine": ifacetest.Marshal(&openLocalMachineRequest{Access: KeyRead}),
		"OpenKey":          ifacetest.Marshal(&openKeyRequest{SubKey: regString{S: `SOFTWARE\X`}, Access: KeyRead}),
	} {
		if got := binary.LittleEndian.Uint32(stub[len(stub)-4:]); got != 0x20019 {
			t.Errorf("%s asks access 0x%x", name, got)
		}
	}
	// OpenKey: handle, RRP_UNICODE_STRING with the NUL counted, chars.
	stub := ifacetest.Marshal(&openKeyRequest{SubKey: regString{S: "AB"}, Access: KeyRead})
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
	// Samba's replies (testdata/samba/winreg): the stubs of its response
	// PDUs.
	for _, s := range scenarios {
		for _, b := range s.conversation().ServerStubs(f) {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = decodeInto(b, &handleResponse{})
		_ = decodeInto(b, &getVersionResponse{})
		var q queryValueResponse
		if err := decodeInto(b, &q); err == nil {
			if _, data, _ := q.Value.value(); len(data) > MaxValueData {
				t.Fatalf("%d bytes of data", len(data))
			}
		}
		var k enumKeyResponse
		if err := decodeInto(b, &k); err == nil && len(k.Name.S) > 4*maxNameChars {
			t.Fatalf("name of %d bytes", len(k.Name.S))
		}
		var v enumValueResponse
		if err := decodeInto(b, &v); err == nil && v.Value.Data != nil && len(v.Value.Data.Data) > MaxValueData {
			t.Fatalf("%d bytes of data", len(v.Value.Data.Data))
		}
		// And through the client's retry logic.
		c := New(&fakeCaller{replies: [][]byte{b, b, b, b, b, b, b, b, b}})
		_, _, _ = c.QueryValue(ctx, Handle{}, "v")
		_, _ = c.EnumValue(ctx, Handle{}, 0)
		_, _ = c.EnumKey(ctx, Handle{}, 0)
	})
}
