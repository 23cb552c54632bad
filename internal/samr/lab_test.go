package samr

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/patchscan/patchscan/internal/lab"
	"github.com/patchscan/patchscan/internal/lab/labpipe"
	"github.com/patchscan/patchscan/internal/msrpc/dtyp"
)

type impacketSAMR struct {
	Domain string
	SID    string
	Users  []struct {
		RID          uint32
		Name         string
		FullName     string
		Control      uint32
		PwdLastSet   uint64
		PrimaryGroup uint32
	}
	Admins []string
	Names  map[string]string
}

// Against Samba, every fact the client reads is what the lab put there,
// and what impacket's own MS-SAMR client reads from the same host.
func TestSambaAccounts(t *testing.T) {
	l := lab.Start(t, lab.ConfigHost("samr"))
	h := l.Hosts[0]
	ctx := context.Background()
	c := New(labpipe.Bind(t, l, h, "samr", Interface))
	var ref impacketSAMR
	labpipe.Impacket(t, l, h, "samr", &ref)

	domain, sid, err := c.AccountDomain(ctx)
	if err != nil || domain != ref.Domain || sid.String() != ref.SID {
		t.Fatalf("account domain %s %s (%v), impacket %s %s", domain, sid, err, ref.Domain, ref.SID)
	}
	users, err := c.LocalUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]User{}
	for _, u := range users {
		byName[u.Name] = u
	}
	// What the lab made.
	for name, want := range map[string]func(AccountControl) bool{
		lab.Account:         func(a AccountControl) bool { return !a.Disabled() && !a.PasswordNeverExpires() },
		"patchscan-lab-off": func(a AccountControl) bool { return a.Disabled() },
		"patchscan-lab-svc": func(a AccountControl) bool { return !a.Disabled() && a.PasswordNeverExpires() },
		"nobody":            func(a AccountControl) bool { return !a.Disabled() }, // Samba's Guest: always enabled
	} {
		u, ok := byName[name]
		if !ok || !want(u.Control) || u.Control&NormalAccount == 0 {
			t.Errorf("%s: %+v (%s)", name, u, u.Control)
		}
	}
	if byName["nobody"].RID != RIDGuest || byName["patchscan-lab-off"].FullName != "Disabled Lab User" {
		t.Errorf("guest RID %d, full name %q", byName["nobody"].RID, byName["patchscan-lab-off"].FullName)
	}
	// What impacket reads, by other calls (SamrEnumerateUsersInDomain and
	// UserAllInformation per user).
	if len(users) != len(ref.Users) {
		t.Errorf("%d users, impacket %d", len(users), len(ref.Users))
	}
	for _, ru := range ref.Users {
		u := byName[ru.Name]
		if u.RID != ru.RID || u.FullName != ru.FullName || uint32(u.Control) != ru.Control || u.SID.String() != fmt.Sprintf("%s-%d", ref.SID, ru.RID) {
			t.Errorf("%s: ours %+v, impacket %+v", ru.Name, u, ru)
		}
		d, err := c.UserDetails(ctx, ru.RID)
		if err != nil {
			t.Fatalf("details of %s: %v", ru.Name, err)
		}
		if d.Name != ru.Name || uint32(d.Control) != ru.Control || d.PrimaryGroupID != ru.PrimaryGroup ||
			fileTimeOf(d.PasswordLastSet) != ru.PwdLastSet {
			t.Errorf("details of %s: %+v, impacket %+v", ru.Name, d, ru)
		}
	}

	members, err := c.AliasMembers(ctx, AliasAdmins)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range members {
		got = append(got, m.SID.String())
		if want := ref.Names[m.SID.String()]; want != m.Name {
			t.Errorf("member %s named %q, impacket %q", m.SID, m.Name, want)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(ref.Admins) || len(got) != 3 {
		t.Fatalf("Administrators %v, impacket %v", got, ref.Admins)
	}
	named := map[string]Member{}
	for _, m := range members {
		named[m.Name] = m
	}
	if m := named[lab.Account]; m.Domain != domain || m.Use != dtyp.SIDTypeUser || !m.SID.Equal(byName[lab.Account].SID) {
		t.Errorf("lab account as a member: %+v", m)
	}
	if m := named[""]; m.SID.String() != lab.ForeignAdminSID {
		t.Errorf("foreign member: %+v", m)
	}
	t.Logf("%d users and %d Administrators identical to impacket's", len(users), len(members))
}

// A host where BUILTIN\Administrators is not mapped (Samba's default)
// answers STATUS_NO_SUCH_ALIAS: an error that says so, not an empty list.
func TestSambaNoAlias(t *testing.T) {
	l := lab.Start(t, lab.HostSpec{Name: "samr-plain", Reg: []string{lab.BaseReg}})
	h := l.Hosts[0]
	c := New(labpipe.Bind(t, l, h, "samr", Interface))
	_, err := c.AliasMembers(context.Background(), AliasAdmins)
	var st dtyp.NTStatus
	if !errors.As(err, &st) || st != dtyp.StatusNoSuchAlias {
		t.Fatalf("err %v, want STATUS_NO_SUCH_ALIAS", err)
	}
}

// fileTimeOf is the FILETIME of t; 0 for never.
func fileTimeOf(t time.Time) uint64 {
	if t.IsZero() {
		return 0
	}
	return uint64(t.UnixNano()/100 + 116444736000000000)
}
