package dtyp

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/internal/msrpc/ndr"
)

func TestSIDForms(t *testing.T) {
	for _, s := range []string{"S-1-5-32-544", "S-1-1-0", "S-1-5-21-2337152126-1925168538-3602216561-1000", "S-1-5", "S-1-281474976710655-1"} {
		sid, err := ParseSID(s)
		if err != nil || sid.String() != s {
			t.Errorf("%s: %v %v", s, sid, err)
			continue
		}
		back, n, err := ParseSIDBinary(sid.Binary())
		if err != nil || n != len(sid.Binary()) || !back.Equal(sid) {
			t.Errorf("%s binary: %v %v", s, back, err)
		}
		b, err := ndr.Marshal(&sid)
		if err != nil {
			t.Fatal(err)
		}
		var nsid SID
		if err := ndr.Unmarshal(b, &nsid); err != nil || !nsid.Equal(sid) {
			t.Errorf("%s NDR: %v %v", s, nsid, err)
		}
	}
	for _, bad := range []string{"", "S-1", "X-1-5", "S-1-5-x", "S-256-5", "S-1-5-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15-16"} {
		if _, err := ParseSID(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
	d, rid, ok := MustParseSID("S-1-5-32-544").Split()
	if !ok || rid != 544 || !d.Equal(BuiltinDomain) || !d.Child(544).Equal(Administrators) {
		t.Fatalf("split %v %d", d, rid)
	}
	// RPC_SID: conformance, revision, count, authority, sub-authorities.
	b, _ := ndr.Marshal(&Administrators)
	if hex.EncodeToString(b) != "02000000"+"0102"+"000000000005"+"20000000"+"20020000" {
		t.Fatalf("RPC_SID %x", b)
	}
	bad := append([]byte(nil), b...)
	bad[5] = 3
	var s SID
	if err := ndr.Unmarshal(bad, &s); err == nil || !errors.Is(err, ndr.ErrMalformed) {
		t.Fatalf("count disagreeing with conformance: %v", err)
	}
}

func TestStatuses(t *testing.T) {
	if !errors.Is(StatusAccessDenied, ErrAccessDenied) || !errors.Is(ErrorAccessDenied, ErrAccessDenied) || errors.Is(StatusNoSuchAlias, ErrAccessDenied) {
		t.Fatal("access denied sentinels")
	}
	if StatusMoreEntries.IsError() || !StatusNoSuchAlias.IsError() || StatusNoMoreEntries.IsError() {
		t.Fatal("severity")
	}
	if got := NTStatus(0xC0001234).Error(); got != "NTSTATUS 0xC0001234" {
		t.Fatal(got)
	}
	if got := StatusSomeNotMapped.Error(); got != "STATUS_SOME_NOT_MAPPED (0x00000107)" {
		t.Fatal(got)
	}
}

// sampleSD is what Samba's sharesec writes for
// "S-1-1-0:ALLOWED/0/READ,S-1-5-32-544:ALLOWED/0/FULL": no owner or group,
// a DACL of two ACEs.
func sampleSD() []byte {
	ace := func(mask uint32, sid string) []byte {
		s := MustParseSID(sid).Binary()
		b := []byte{AccessAllowedACEType, 0}
		b = binary.LittleEndian.AppendUint16(b, uint16(8+len(s)))
		b = binary.LittleEndian.AppendUint32(b, mask)
		return append(b, s...)
	}
	aces := append(ace(0x1200a9, "S-1-1-0"), ace(0x1f01ff, "S-1-5-32-544")...)
	acl := []byte{2, 0}
	acl = binary.LittleEndian.AppendUint16(acl, uint16(8+len(aces)))
	acl = binary.LittleEndian.AppendUint16(acl, 2)
	acl = append(acl, 0, 0)
	acl = append(acl, aces...)
	sd := []byte{1, 0}
	sd = binary.LittleEndian.AppendUint16(sd, SESelfRelative|SEDACLPresent)
	sd = binary.LittleEndian.AppendUint32(sd, 0)
	sd = binary.LittleEndian.AppendUint32(sd, 0)
	sd = binary.LittleEndian.AppendUint32(sd, 0)
	sd = binary.LittleEndian.AppendUint32(sd, 20)
	return append(sd, acl...)
}

func TestSecurityDescriptor(t *testing.T) {
	sd, err := ParseSecurityDescriptor(sampleSD())
	if err != nil {
		t.Fatal(err)
	}
	if sd.Owner != nil || sd.DACL == nil || len(sd.DACL.ACEs) != 2 {
		t.Fatalf("%+v", sd)
	}
	if a := sd.DACL.ACEs[1]; a.Mask != 0x1f01ff || !a.HasSID || !a.SID.Equal(Administrators) {
		t.Fatalf("ACE %+v", a)
	}
	noDACL := sampleSD()
	binary.LittleEndian.PutUint16(noDACL[2:], SESelfRelative)
	if sd, err := ParseSecurityDescriptor(noDACL); err != nil || sd.DACL != nil {
		t.Fatalf("no DACL: %+v %v", sd, err)
	}
	for name, mutate := range map[string]func(b []byte) []byte{
		"short":         func(b []byte) []byte { return b[:10] },
		"dacl offset":   func(b []byte) []byte { binary.LittleEndian.PutUint32(b[16:], 500); return b },
		"ace count":     func(b []byte) []byte { binary.LittleEndian.PutUint16(b[24:], 60000); return b },
		"ace size":      func(b []byte) []byte { binary.LittleEndian.PutUint16(b[30:], 4000); return b },
		"truncated sid": func(b []byte) []byte { return b[:len(b)-3] },
		"absolute":      func(b []byte) []byte { binary.LittleEndian.PutUint16(b[2:], SEDACLPresent); return b },
	} {
		_, err := ParseSecurityDescriptor(mutate(sampleSD()))
		if !errors.Is(err, ErrBadSecurityDescriptor) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// FuzzParseSecurityDescriptor: hostile descriptors give errors, never
// panics; whatever parses holds no more ACEs than its bytes can.
func FuzzParseSecurityDescriptor(f *testing.F) {
	f.Add(sampleSD())
	f.Add(MustParseSID("S-1-5-21-1-2-3-500").Binary())
	f.Fuzz(func(t *testing.T, b []byte) {
		sd, err := ParseSecurityDescriptor(b)
		if err == nil && sd.DACL != nil && len(sd.DACL.ACEs)*8 > len(b) {
			t.Fatalf("%d ACEs from %d bytes", len(sd.DACL.ACEs), len(b))
		}
		if s, n, err := ParseSIDBinary(b); err == nil && (n > len(b) || len(s.Sub) > MaxSubAuthorities) {
			t.Fatal("SID past its bytes")
		}
		if !strings.HasPrefix(ErrBadSID.Error(), "malformed") {
			t.Fatal("sentinel text")
		}
	})
}
