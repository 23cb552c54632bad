package samr

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/internal/msrpc"
	"github.com/patchscan/patchscan/internal/msrpc/dtyp"
	"github.com/patchscan/patchscan/internal/msrpc/ifacetest"
	"github.com/patchscan/patchscan/internal/msrpc/ndr"
)

var machine = dtyp.MustParseSID("S-1-5-21-10-20-30")

func handle(n byte) Handle { return Handle{0: n, 19: n} }

// baseScript answers the connection: SamrConnect5, the domains, their
// SIDs, both domains opened.
func baseScript() *ifacetest.Script {
	doms := ridEnumerations{{RID: 0, Name: "HOST"}, {RID: 1, Name: "Builtin"}}
	return &ifacetest.Script{Replies: map[uint16][][]byte{
		opConnect5:                {ifacetest.Marshal(&connect5Response{Version: 1, Revision: revisionInfo{Revision: 3}, Server: handle(1)})},
		opEnumerateDomains:        {ifacetest.Marshal(&enumerationResponse{Buffer: &enumerationBuffer{EntriesRead: 2, Buffer: &doms}, Count: 2})},
		opLookupDomainInSamServer: {ifacetest.Marshal(&lookupDomainResponse{Domain: &machine})},
		opOpenDomain:              {ifacetest.Marshal(&handleResponse{Handle: handle(2)}), ifacetest.Marshal(&handleResponse{Handle: handle(3)})},
		opCloseHandle:             {ifacetest.Marshal(&handleResponse{})},
	}}
}

func displayPage(status dtyp.NTStatus, users ...displayUserEntry) []byte {
	e := displayUserEntries(users)
	return ifacetest.Marshal(&queryDisplayResponse{EntriesRead: uint32(len(users)), Users: &e, Status: uint32(status)})
}

func TestLocalUsersPages(t *testing.T) {
	s := baseScript()
	s.Replies[opQueryDisplayInformation] = [][]byte{
		displayPage(dtyp.StatusMoreEntries, displayUserEntry{Index: 1, RID: 1000, Control: 0x210, Name: "svc", FullName: "Service"}),
		displayPage(dtyp.StatusSuccess, displayUserEntry{Index: 2, RID: 501, Control: 0x11, Name: "Guest"}),
	}
	users, err := New(s).LocalUsers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 2 || users[0].RID != 501 || !users[0].Control.Disabled() || users[1].Name != "svc" ||
		!users[1].Control.PasswordNeverExpires() || users[1].SID.String() != "S-1-5-21-10-20-30-1000" {
		t.Fatalf("%+v", users)
	}
	if got := users[1].Control.String(); got != "normal,password-never-expires" {
		t.Fatalf("flags %q", got)
	}
	// The second page starts where the first ended.
	last := s.Stubs[len(s.Stubs)-1]
	if idx := last[24:28]; idx[0] != 1 {
		t.Fatalf("second page asked from index %x", idx)
	}
	// A server that keeps saying "more" without giving any is an error.
	s = baseScript()
	s.Replies[opQueryDisplayInformation] = [][]byte{displayPage(dtyp.StatusMoreEntries)}
	if _, err := New(s).LocalUsers(context.Background()); !errors.Is(err, msrpc.ErrProtocol) || !strings.Contains(err.Error(), "does not advance") {
		t.Fatalf("stuck listing: %v", err)
	}
}

func TestConnectFallbackAndErrors(t *testing.T) {
	s := baseScript()
	s.Replies[opConnect5] = nil
	s.Replies[opConnect2] = [][]byte{ifacetest.Marshal(&handleResponse{Handle: handle(9)})}
	faulting := &faultFirst{Script: s, op: opConnect5}
	if _, _, err := New(faulting).AccountDomain(context.Background()); err != nil {
		t.Fatalf("SamrConnect2 fallback: %v", err)
	}
	s = baseScript()
	s.Replies[opOpenDomain] = [][]byte{ifacetest.Marshal(&handleResponse{Status: uint32(dtyp.StatusAccessDenied)})}
	_, _, err := New(s).AccountDomain(context.Background())
	if !errors.Is(err, dtyp.ErrAccessDenied) || !strings.Contains(err.Error(), "SamrOpenDomain S-1-5-21-10-20-30: STATUS_ACCESS_DENIED") {
		t.Fatalf("denied: %v", err)
	}
}

// faultFirst faults the first call of one opnum, as a server without it.
type faultFirst struct {
	*ifacetest.Script
	op   uint16
	done bool
}

func (f *faultFirst) Call(ctx context.Context, op uint16, stub []byte, maxReply int) ([]byte, error) {
	if op == f.op && !f.done {
		f.done = true
		return nil, &msrpc.FaultError{Status: 0x1c010002}
	}
	return f.Script.Call(ctx, op, stub, maxReply)
}

func TestAliasMembersNamed(t *testing.T) {
	s := baseScript()
	ours, builtin, foreign := machine.Child(1000), dtyp.BuiltinDomain.Child(545), dtyp.MustParseSID("S-1-5-21-1-2-3-1105")
	sids := sidInformations{{SID: &ours}, {SID: &builtin}, {SID: &foreign}}
	s.Replies[opOpenAlias] = [][]byte{ifacetest.Marshal(&handleResponse{Handle: handle(4)})}
	s.Replies[opGetMembersInAlias] = [][]byte{ifacetest.Marshal(&membersResponse{Count: 3, SIDs: &sids})}
	n1, u1 := unicodeStrings{"admin"}, dwords{ndr.DWORD(dtyp.SIDTypeUser)}
	n2, u2 := unicodeStrings{""}, dwords{ndr.DWORD(dtyp.SIDTypeUnknown)}
	s.Replies[opLookupIdsInDomain] = [][]byte{
		ifacetest.Marshal(&lookupIDsResponse{NameCount: 1, Names: &n1, UseCount: 1, Uses: &u1}),
		ifacetest.Marshal(&lookupIDsResponse{NameCount: 1, Names: &n2, UseCount: 1, Uses: &u2, Status: uint32(dtyp.StatusSomeNotMapped)}),
	}
	m, err := New(s).AliasMembers(context.Background(), AliasAdmins)
	if err != nil {
		t.Fatal(err)
	}
	if len(m) != 3 || m[0].Name != "admin" || m[0].Domain != "HOST" || m[0].Use != dtyp.SIDTypeUser || m[1].Name != "" || m[2].Name != "" {
		t.Fatalf("%+v", m)
	}
	// Asked for 544 in the builtin domain (handle 3).
	for i, op := range s.Calls {
		if op == opOpenAlias && (s.Stubs[i][0] != 3 || s.Stubs[i][24] != 0x20 || s.Stubs[i][25] != 0x02) {
			t.Fatalf("SamrOpenAlias %x", s.Stubs[i])
		}
	}
}

func TestUserDetailsFallsBackToControl(t *testing.T) {
	s := baseScript()
	s.Replies[opOpenUser] = [][]byte{ifacetest.Marshal(&handleResponse{Handle: handle(5)})}
	s.Replies[opQueryInformationUser] = [][]byte{
		ifacetest.Marshal(&queryUserResponse{Status: uint32(dtyp.StatusAccessDenied)}),
		ifacetest.Marshal(&queryUserResponse{Info: &userInfo{Class: userControlInfo, Control: 0x11}}),
	}
	d, err := New(s).UserDetails(context.Background(), RIDGuest)
	if err != nil || !d.Control.Disabled() || d.SID.String() != "S-1-5-21-10-20-30-501" {
		t.Fatalf("%+v %v", d, err)
	}
	full := userAll{UserName: "Guest", Control: 0x211, PasswordLastSet: 132000000000000000, AccountExpires: 0x7FFFFFFFFFFFFFFF, LogonCount: 3}
	s = baseScript()
	s.Replies[opOpenUser] = [][]byte{ifacetest.Marshal(&handleResponse{Handle: handle(5)})}
	s.Replies[opQueryInformationUser] = [][]byte{ifacetest.Marshal(&queryUserResponse{Info: &userInfo{Class: userAllInformation, All: &full}})}
	d, err = New(s).UserDetails(context.Background(), RIDGuest)
	if err != nil || d.Name != "Guest" || d.PasswordLastSet.Year() != 2019 || !d.AccountExpires.IsZero() || d.LogonCount != 3 {
		t.Fatalf("%+v %v", d, err)
	}
}

// FuzzDecodeReplies: hostile replies to every call give errors, never
// panics, and the client's loops end.
func FuzzDecodeReplies(f *testing.F) {
	for _, q := range baseScript().Replies {
		for _, r := range q {
			f.Add(r)
		}
	}
	f.Add(displayPage(dtyp.StatusMoreEntries, displayUserEntry{RID: 1000, Name: "x"}))
	f.Add(ifacetest.Marshal(&queryUserResponse{Info: &userInfo{Class: userAllInformation, All: &userAll{UserName: "u"}}}))
	for _, b := range conversation.ServerStubs(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, resp := range []ndr.Type{&connect5Response{}, &enumerationResponse{}, &lookupDomainResponse{}, &handleResponse{},
			&queryDisplayResponse{}, &membersResponse{}, &lookupIDsResponse{}, &queryUserResponse{}} {
			_ = ndr.Unmarshal(b, resp)
		}
		// Every call answered with b, through the client's logic.
		s := &ifacetest.Script{Replies: map[uint16][][]byte{}}
		for _, op := range []uint16{opConnect5, opConnect2, opEnumerateDomains, opLookupDomainInSamServer, opOpenDomain, opOpenAlias,
			opGetMembersInAlias, opLookupIdsInDomain, opQueryDisplayInformation, opOpenUser, opQueryInformationUser, opCloseHandle} {
			s.Replies[op] = [][]byte{b}
		}
		c := New(s)
		_, _ = c.LocalUsers(context.Background())
		_, _ = c.AliasMembers(context.Background(), AliasAdmins)
		_, _ = c.UserDetails(context.Background(), RIDGuest)
		if len(s.Calls) > 64 {
			t.Fatalf("%d calls for one hostile reply", len(s.Calls))
		}
	})
}
