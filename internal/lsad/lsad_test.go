package lsad

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/internal/msrpc"
	"github.com/patchscan/patchscan/internal/msrpc/dtyp"
	"github.com/patchscan/patchscan/internal/msrpc/ifacetest"
	"github.com/patchscan/patchscan/internal/msrpc/ndr"
)

func opened() []byte { return ifacetest.Marshal(&handleResponse{Handle: Handle{1}}) }

func auditReply(mode uint8, opts ...uint32) []byte {
	var o auditOptions
	for _, v := range opts {
		o = append(o, ndr.DWORD(v))
	}
	return ifacetest.Marshal(&queryPolicyResponse{Info: &policyInformation{Class: policyAuditEventsInformation,
		Audit: auditEventsInfo{Mode: mode, Options: &o, Count: uint32(len(o))}}})
}

func TestAuditPolicy(t *testing.T) {
	s := &ifacetest.Script{Replies: map[uint16][][]byte{
		opOpenPolicy2:            {opened()},
		opQueryInformationPolicy: {auditReply(1, 0, 3, 1, 0, 0, 2, 3, 0, 0)},
	}}
	ap, err := New(s).AuditPolicy(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	logon, ok := ap.Category(AuditLogon)
	acct, _ := ap.Category(AuditAccountManagement)
	if !ap.Enabled || !ok || !logon.Success() || !logon.Failure() || acct.String() != "success and failure" || AuditPolicyChange.String() != "Policy Change" {
		t.Fatalf("%+v", ap)
	}
	if _, ok := ap.Category(AuditCategory(40)); ok {
		t.Fatal("a category past the host's")
	}
	// LsarOpenPolicy2 asks POLICY_VIEW_AUDIT_INFORMATION only.
	if b := s.Stubs[0]; b[len(b)-4] != 0x02 || b[len(b)-3] != 0 {
		t.Fatalf("access %x", b[len(b)-4:])
	}
	s = &ifacetest.Script{Replies: map[uint16][][]byte{opQueryInformationPolicy: {auditReply(1, 1)}}}
	s.Replies[opOpenPolicy2] = [][]byte{ifacetest.Marshal(&handleResponse{Status: uint32(dtyp.StatusAccessDenied)})}
	if _, err := New(s).AuditPolicy(context.Background()); !errors.Is(err, dtyp.ErrAccessDenied) || !strings.Contains(err.Error(), "LsarOpenPolicy2") {
		t.Fatalf("denied: %v", err)
	}
}

func namesReply(status dtyp.NTStatus, names ...translatedName) []byte {
	n := translatedNames(names)
	doms := trustInformations{{Name: "HOST", SID: &dtyp.BuiltinDomain}}
	return ifacetest.Marshal(&lookupSidsResponse{Domains: &referencedDomains{Entries: 1, Domains: &doms, MaxEntries: 32},
		Entries: uint32(len(n)), Names: &n, Status: uint32(status)})
}

func TestLookupSIDs(t *testing.T) {
	sids := []dtyp.SID{dtyp.Administrators, dtyp.MustParseSID("S-1-5-21-9-9-9-9")}
	s := &ifacetest.Script{Replies: map[uint16][][]byte{
		opOpenPolicy2: {opened()},
		opLookupSids: {namesReply(dtyp.StatusSomeNotMapped,
			translatedName{Use: uint16(dtyp.SIDTypeAlias), Name: "Administrators"},
			translatedName{Use: uint16(dtyp.SIDTypeUnknown), Name: "S-1-5-21-9-9-9-9", DomainIndex: 0xffffffff})},
	}}
	c := New(s)
	names, err := c.LookupSIDs(context.Background(), sids)
	if err != nil || names[0].Name != "Administrators" || names[0].Domain != "HOST" || names[1].Name != "" || names[1].Use != dtyp.SIDTypeUnknown {
		t.Fatalf("%+v %v", names, err)
	}
	// None mapped is an answer too; the policy handle is reused.
	s.Replies[opLookupSids] = [][]byte{namesReply(dtyp.StatusNoneMapped)}
	names, err = c.LookupSIDs(context.Background(), sids[1:])
	if err != nil || len(names) != 1 || names[0].Use != dtyp.SIDTypeUnknown {
		t.Fatalf("none mapped: %+v %v", names, err)
	}
	if n := strings.Count(fmt.Sprint(s.Calls), fmt.Sprint(opOpenPolicy2)); s.Calls[0] != opOpenPolicy2 || n != 1 {
		t.Fatalf("calls %v", s.Calls)
	}
	// A reply naming fewer SIDs than asked is a protocol error.
	s.Replies[opLookupSids] = [][]byte{namesReply(0, translatedName{Use: 1, Name: "x"})}
	if _, err := c.LookupSIDs(context.Background(), sids); !errors.Is(err, msrpc.ErrProtocol) {
		t.Fatalf("short reply: %v", err)
	}
	// 2,500 SIDs take three calls of at most 1,000.
	many := make([]dtyp.SID, 2500)
	for i := range many {
		many[i] = dtyp.Everyone
	}
	s.Replies[opLookupSids] = [][]byte{namesReply(dtyp.StatusNoneMapped)}
	before := len(s.Calls)
	if _, err := c.LookupSIDs(context.Background(), many); err != nil || len(s.Calls)-before != 3 {
		t.Fatalf("%d calls, %v", len(s.Calls)-before, err)
	}
}

// FuzzDecodeReplies: hostile replies give errors, never panics.
func FuzzDecodeReplies(f *testing.F) {
	f.Add(opened())
	f.Add(auditReply(1, 3, 3, 0))
	f.Add(namesReply(dtyp.StatusSomeNotMapped, translatedName{Use: 1, Name: "n"}))
	for _, b := range conversation.ServerStubs(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, resp := range []ndr.Type{&handleResponse{}, &queryPolicyResponse{}, &lookupSidsResponse{}} {
			_ = ndr.Unmarshal(b, resp)
		}
		s := &ifacetest.Script{Replies: map[uint16][][]byte{opOpenPolicy2: {b}, opQueryInformationPolicy: {b}, opLookupSids: {b}}}
		c := New(s)
		_, _ = c.AuditPolicy(context.Background())
		if names, err := c.LookupSIDs(context.Background(), []dtyp.SID{dtyp.Everyone}); err == nil && len(names) != 1 {
			t.Fatalf("%d names for one SID", len(names))
		}
	})
}
