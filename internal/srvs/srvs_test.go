package srvs

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"testing"

	"github.com/patchscan/patchscan/internal/msrpc"
	"github.com/patchscan/patchscan/internal/msrpc/dtyp"
	"github.com/patchscan/patchscan/internal/msrpc/ifacetest"
	"github.com/patchscan/patchscan/internal/msrpc/ndr"
)

// shareServer is a scripted server answering NetrShareEnum from replies in
// turn, the last repeating; every request the client sends it must decode.
func shareServer(t testing.TB, replies ...[]byte) *ifacetest.Script {
	s := &ifacetest.Script{Replies: map[uint16][][]byte{opNetrShareEnum: replies}}
	t.Cleanup(func() { levels(t, s) })
	return s
}

// levels returns the info level of each NetrShareEnum the client sent,
// failing t on a request that does not decode.
func levels(t testing.TB, s *ifacetest.Script) []uint32 {
	t.Helper()
	var out []uint32
	for _, stub := range s.Stubs {
		var req shareEnumRequest
		if err := ndr.Unmarshal(stub, &req); err != nil {
			t.Fatalf("the client's request does not decode: %v", err)
		}
		out = append(out, req.Info.Level)
	}
	return out
}

func wp(s string) *ndr.WString { w := ndr.WString(s); return &w }

func reply(level uint32, status dtyp.Win32Error, resume uint32, items ...shareInfo) []byte {
	for i := range items {
		items[i].level = level
	}
	k := &container{level: level, EntriesRead: uint32(len(items)), Buffer: &shareInfos{level: level, items: items}}
	rh := ndr.DWORD(resume)
	b, err := ndr.Marshal(&shareEnumResponse{Info: enumStruct{Level: level, Container: k}, Total: uint32(len(items)), Resume: &rh, Status: uint32(status)})
	if err != nil {
		panic(err)
	}
	return b
}

// everyoneRead is a descriptor whose DACL lets Everyone read.
func everyoneRead() *sdBuffer {
	sid := dtyp.Everyone.Binary()
	ace := append([]byte{dtyp.AccessAllowedACEType, 0, byte(8 + len(sid)), 0}, binary.LittleEndian.AppendUint32(nil, rightsRead)...)
	ace = append(ace, sid...)
	acl := append([]byte{2, 0, byte(8 + len(ace)), 0, 1, 0, 0, 0}, ace...)
	sd := []byte{1, 0, 0x04, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 20, 0, 0, 0}
	b := sdBuffer(append(sd, acl...))
	return &b
}

func TestSharesLevels(t *testing.T) {
	sd := everyoneRead()
	s := shareServer(t, reply(502, 0, 0,
		shareInfo{Name: wp("Public"), Type: 0, Remark: wp("for all"), Path: wp(`C:\pub`), MaxUses: 0xffffffff, SDLength: uint32(len(*sd)), SD: sd},
		shareInfo{Name: wp("ADMIN$"), Type: uint32(TypeSpecial), Remark: wp("Remote Admin"), Path: wp(`C:\Windows`)}))
	shares, level, err := New(s).Shares(context.Background())
	if err != nil || level != 502 || len(shares) != 2 {
		t.Fatalf("%d %+v %v", level, shares, err)
	}
	aces, ok := shares[0].Access()
	if !ok || len(aces) != 1 || aces[0].Rights != "read" || !aces[0].Allowed || shares[0].Path != `C:\pub` {
		t.Fatalf("%+v", shares[0])
	}
	// No descriptor sent (Samba when it cannot read its share ACLs): no
	// ACL known, rather than a guess.
	if aces, ok := shares[1].Access(); ok || !shares[1].Type.Special() || shares[1].Type.String() != "disk,special" {
		t.Fatalf("no descriptor: %+v %s", aces, shares[1].Type)
	}
	// 502 refused: 2, then 1.
	s = shareServer(t, reply(502, dtyp.ErrorAccessDenied, 0), reply(2, dtyp.ErrorAccessDenied, 0),
		reply(1, 0, 0, shareInfo{Name: wp("Data"), Remark: wp("")}))
	shares, level, err = New(s).Shares(context.Background())
	if err != nil || level != 1 || len(shares) != 1 || shares[0].HasPathAndUses || fmt.Sprint(levels(t, s)) != "[502 2 1]" {
		t.Fatalf("fallback: %d %+v %v %v", level, shares, err, levels(t, s))
	}
	if _, ok := shares[0].Access(); ok {
		t.Fatal("level 1 claims an ACL")
	}
	// Pages: ERROR_MORE_DATA with a resume handle.
	s = shareServer(t, reply(502, dtyp.ErrorMoreData, 7, shareInfo{Name: wp("A")}), reply(502, 0, 0, shareInfo{Name: wp("B")}))
	if shares, _, err := New(s).Shares(context.Background()); err != nil || len(shares) != 2 || shares[1].Name != "B" {
		t.Fatalf("pages: %+v %v", shares, err)
	}
	// More data, but nothing given: an error, not a loop.
	s = shareServer(t, reply(502, dtyp.ErrorMoreData, 7))
	if _, _, err := New(s).Shares(context.Background()); !errors.Is(err, msrpc.ErrProtocol) {
		t.Fatalf("stuck: %v", err)
	}
	// Another error ends it.
	s = shareServer(t, reply(502, dtyp.Win32Error(2138), 0))
	if _, _, err := New(s).Shares(context.Background()); err == nil || fmt.Sprint(levels(t, s)) != "[502]" {
		t.Fatalf("%v %v", err, levels(t, s))
	}
}

// FuzzDecodeReplies: hostile replies give errors, never panics; the
// client's levels and pages end.
func FuzzDecodeReplies(f *testing.F) {
	f.Add(reply(502, 0, 0, shareInfo{Name: wp("S"), SD: everyoneRead(), SDLength: 48}))
	f.Add(reply(1, dtyp.ErrorMoreData, 3, shareInfo{Name: wp("S")}))
	for _, b := range conversation.ServerStubs(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = ndr.Unmarshal(b, &shareEnumResponse{})
		s := shareServer(t, b)
		shares, _, err := New(s).Shares(context.Background())
		if err == nil && len(shares) > maxShares {
			t.Fatalf("%d shares", len(shares))
		}
		if len(s.Calls) > 3+maxShares {
			t.Fatalf("%d calls", len(s.Calls))
		}
		for _, sh := range shares {
			sh.Access()
		}
	})
}
