package ndr

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// Test types shaped like LSAT's LSAPR_REFERENCED_DOMAIN_LIST: a pointer
// to a conformant array of structs, each with a string and a pointer to a
// conformant struct (RPC_SID), so deferral order and conformance show.

type testSID struct {
	Revision  uint8
	Authority [6]byte
	Sub       []uint32
}

func (s *testSID) NDR(c *Coder) {
	c.Struct(4, func() {
		n := uint32(len(s.Sub))
		c.Uint32(&n) // conformance of SubAuthority, hoisted
		c.Uint8(&s.Revision)
		count := uint8(n)
		c.Uint8(&count)
		c.ByteArray(s.Authority[:])
		if c.Decoding() {
			if uint32(count) != n || n > 15 {
				c.Failf("bad SID counts %d/%d", count, n)
				return
			}
			s.Sub = make([]uint32, n)
		}
		for i := range s.Sub {
			c.Uint32(&s.Sub[i])
		}
	})
}

type trustInfo struct {
	Name UnicodeString
	Sid  *testSID
}

func (t *trustInfo) NDR(c *Coder) {
	c.Struct(4, func() {
		t.Name.NDR(c)
		Unique(c, &t.Sid)
	})
}

type trustArray []trustInfo

func (a *trustArray) NDR(c *Coder) { ConformantArray(c, (*[]trustInfo)(a), 1000) }

type domainList struct {
	Entries    uint32
	Domains    *trustArray
	MaxEntries uint32
}

func (l *domainList) NDR(c *Coder) {
	c.Struct(4, func() {
		c.Uint32(&l.Entries)
		Unique(c, &l.Domains)
		c.Uint32(&l.MaxEntries)
	})
}

// call is a parameter list: a top-level unique pointer, then a DWORD.
type call struct {
	List *domainList
	Tail uint32
}

func (r *call) NDR(c *Coder) {
	Unique(c, &r.List)
	c.Uint32(&r.Tail)
}

func sampleCall() *call {
	return &call{List: &domainList{Entries: 2, MaxEntries: 32, Domains: &trustArray{
		{Name: "BUILTIN", Sid: &testSID{Revision: 1, Authority: [6]byte{5: 5}, Sub: []uint32{32}}},
		{Name: "LAB", Sid: &testSID{Revision: 1, Authority: [6]byte{5: 5}, Sub: []uint32{21, 1, 2, 3}}},
	}}, Tail: 0xdeadbeef}
}

func le(words ...uint32) []byte {
	var b []byte
	for _, w := range words {
		b = binary.LittleEndian.AppendUint32(b, w)
	}
	return b
}

// The layout impacket produces for the same value (its referent IDs are
// random and its padding 0xee; ours count up and pad with zeros): the
// referents of the array's elements come after the array, each string
// followed by its SID (depth first).
func TestEncodeDeferralOrder(t *testing.T) {
	got, err := Marshal(sampleCall())
	if err != nil {
		t.Fatal(err)
	}
	utf := func(s string, pad int) []byte {
		var b []byte
		for _, r := range s {
			b = append(b, byte(r), 0)
		}
		return append(b, make([]byte, pad)...)
	}
	var want []byte
	want = append(want, le(0x20000, 2, 0x20004, 32)...)                                       // List ID; Entries, Domains ID, MaxEntries
	want = append(want, le(2, 0x000e000e, 0x20008, 0x2000c, 0x00060006, 0x20010, 0x20014)...) // count; {Name, Sid} x2
	want = append(want, le(7, 0, 7)...)
	want = append(want, utf("BUILTIN", 2)...)
	want = append(want, le(1, 0x00000101, 0x05000000, 32)...) // SID: conformance, rev|count|auth, sub
	want = append(want, le(3, 0, 3)...)
	want = append(want, utf("LAB", 2)...)
	want = append(want, le(4, 0x00000401, 0x05000000, 21, 1, 2, 3)...)
	want = append(want, le(0xdeadbeef)...)
	if !bytes.Equal(got, want) {
		t.Fatalf("encoding\n got %s\nwant %s", hex.EncodeToString(got), hex.EncodeToString(want))
	}
	var back call
	if err := Unmarshal(got, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&back, sampleCall()) {
		t.Fatalf("round trip: %+v", back)
	}
}

func TestPrimitivesAlign(t *testing.T) {
	c := NewEncoder()
	a, b, d, e := uint8(1), uint16(2), uint32(3), uint64(4)
	c.Uint8(&a)
	c.Uint16(&b)
	c.Uint8(&a)
	c.Uint32(&d)
	c.Uint8(&a)
	c.Uint64(&e)
	want := "01000200" + "01000000" + "03000000" + "01000000" + "0400000000000000"
	if got := hex.EncodeToString(c.Bytes()); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func TestStrings(t *testing.T) {
	// A counted string that offers a buffer: Length 0, MaximumLength 8.
	cs := CountedString{MaxBytes: 8}
	b, err := Marshal(&cs)
	if err != nil || hex.EncodeToString(b) != "0000080000000200"+"040000000000000000000000" {
		t.Fatalf("buffer offer %x %v", b, err)
	}
	// A server returns 3 characters of 4 sent, plus its own NUL: Length
	// decides.
	in := append(le(0x00080006, 0x20000, 4, 0, 4), 'a', 0, 'b', 0, 'c', 0, 0, 0)
	var got CountedString
	if err := Unmarshal(in, &got); err != nil || FromUTF16(got.Chars) != "abc" || got.MaxBytes != 8 {
		t.Fatalf("%+v %v", got, err)
	}
	var u UnicodeString = ""
	if b, _ := Marshal(&u); !bytes.Equal(b, le(0, 0)) {
		t.Fatalf("empty string %x, want null buffer", b)
	}
	w := WString("x")
	p := &w
	b, _ = Marshal(uniqueWString{&p})
	if !bytes.Equal(b, append(le(0x20000, 2, 0, 2), 'x', 0, 0, 0)) {
		t.Fatalf("wstring %x", b)
	}
	var back **WString = new(*WString)
	if err := Unmarshal(b, uniqueWString{back}); err != nil || **back != "x" {
		t.Fatalf("wstring back %v", err)
	}
	long := UnicodeString(strings.Repeat("x", maxCountedChars+1))
	if _, err := Marshal(&long); err == nil {
		t.Fatal("a string past 32767 characters encoded")
	}
}

// badSID is sampleCall with the first SID's count (2) disagreeing with its
// conformance (1).
func badSID() []byte {
	b, _ := Marshal(sampleCall())
	i := bytes.Index(b, []byte{1, 1, 0, 0, 0, 0, 0, 5}) // Revision, count, authority
	b[i+1] = 2
	return b
}

type uniqueWString struct{ p **WString }

func (u uniqueWString) NDR(c *Coder) { Unique(c, u.p) }

type fullPair struct{ A, B *DWORD }

func (f *fullPair) NDR(c *Coder) {
	c.Struct(4, func() {
		Full(c, &f.A)
		Full(c, &f.B)
	})
}

type refOnly struct{ P *DWORD }

func (r *refOnly) NDR(c *Coder) { c.Struct(4, func() { Ref(c, &r.P) }) }

type mixed struct {
	A *DWORD
	S *testSID
}

func (m *mixed) NDR(c *Coder) {
	c.Struct(4, func() {
		Full(c, &m.A)
		Full(c, &m.S)
	})
}

func TestFullAndRefPointers(t *testing.T) {
	// Two full pointers with one ID share one referent, sent once.
	var f fullPair
	if err := Unmarshal(le(0x20000, 0x20000, 7), &f); err != nil || f.A != f.B || *f.A != 7 {
		t.Fatalf("alias: %v %v", f, err)
	}
	var m mixed
	if err := Unmarshal(le(0x20000, 0x20000, 7), &m); err == nil || !strings.Contains(err.Error(), "another type") {
		t.Fatalf("alias of another type: %v", err)
	}
	var r refOnly
	if err := Unmarshal(le(0), &r); err == nil || !strings.Contains(err.Error(), "null [ref]") {
		t.Fatalf("null ref: %v", err)
	}
	if _, err := Marshal(&refOnly{}); err == nil {
		t.Fatal("null [ref] encoded")
	}
}

func TestDecodeBounds(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		into Type
		want string
	}{
		{"short", []byte{1, 2}, new(DWORD), "need 4 bytes"},
		{"trailing", le(1, 2), new(DWORD), "unexpected bytes"},
		{"huge conformant", le(0x20000, 0, 0x20000, 0, 0xffffffff), &call{}, "exceeds the bound"},
		{"count overruns", le(0x20000, 0, 0x20000, 0, 900), &call{}, "overruns"},
		{"actual > max", le(0x20000, 2, 0, 3, 0), uniqueWString{new(*WString)}, "exceeds its maximum"},
		{"offset", le(0x20000, 2, 1, 1, 0), uniqueWString{new(*WString)}, "offset 1"},
		{"wstring bound", le(0x20000, 1<<20, 0, 1<<20), uniqueWString{new(*WString)}, "exceeds the bound"},
		{"chars overrun", le(0x20000, 100, 0, 100), uniqueWString{new(*WString)}, "need 200 bytes"},
		{"bad sid", badSID(), &call{}, "bad SID"},
	}
	for _, tt := range tests {
		err := Unmarshal(tt.in, tt.into)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err %v, want %q", tt.name, err, tt.want)
		}
		if err != nil && !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v is not ErrMalformed", tt.name, err)
		}
	}
}

// FuzzDecode: hostile bytes give errors, never panics, and whatever decodes
// encodes back to a stream that decodes to the same value.
func FuzzDecode(f *testing.F) {
	b, _ := Marshal(sampleCall())
	f.Add(b)
	f.Add(le(0x20000, 0x20000, 7))
	f.Fuzz(func(t *testing.T, in []byte) {
		var c call
		if Unmarshal(in, &c) != nil {
			return
		}
		again, err := Marshal(&c)
		if err != nil {
			t.Fatalf("re-encoding: %v", err)
		}
		var c2 call
		if err := Unmarshal(again, &c2); err != nil || !reflect.DeepEqual(c, c2) {
			t.Fatalf("round trip: %v\n%+v\n%+v", err, c, c2)
		}
		var p fullPair
		_ = Unmarshal(in, &p)
	})
}
