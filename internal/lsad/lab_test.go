package lsad

import (
	"context"
	"testing"

	"github.com/patchscan/patchscan/internal/lab"
	"github.com/patchscan/patchscan/internal/lab/labpipe"
	"github.com/patchscan/patchscan/internal/msrpc/dtyp"
)

type impacketLSA struct {
	Audit struct {
		Mode    uint8
		Options []uint32
	}
	AuditError int `json:"audit_error"`
	Names      []struct {
		SID, Name, Domain string
		Use               uint16
	}
}

// lookupSIDs are SIDs of every kind a host translates or not: its own
// account, an alias, well-known ones, one of a domain it does not know.
func lookupSIDs(t *testing.T, h *lab.Host) []string {
	own, err := h.SID(lab.Account)
	if err != nil {
		t.Fatal(err)
	}
	return []string{own, "S-1-5-32-544", "S-1-1-0", "S-1-5-18", lab.ForeignAdminSID}
}

// Against Samba, the audit policy and the SIDs' names are what impacket's
// own LSA client reads from the same host.
func TestSambaLSA(t *testing.T) {
	l := lab.Start(t, lab.ConfigHost("lsad"))
	h := l.Hosts[0]
	ctx := context.Background()
	c := New(labpipe.Bind(t, l, h, "lsarpc", Interface))
	sids := lookupSIDs(t, h)
	var ref impacketLSA
	labpipe.Impacket(t, l, h, "lsad", &ref, sids...)

	ap, err := c.AuditPolicy(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ref.AuditError != 0 || ap.Enabled != (ref.Audit.Mode != 0) || len(ap.Options) != len(ref.Audit.Options) || len(ap.Options) == 0 {
		t.Fatalf("audit policy %+v, impacket %+v (error %d)", ap, ref.Audit, ref.AuditError)
	}
	for i, o := range ap.Options {
		if uint32(o) != ref.Audit.Options[i] {
			t.Errorf("%s: %s, impacket %#x", AuditCategory(i), o, ref.Audit.Options[i])
		}
	}
	logon, _ := ap.Category(AuditLogon)
	t.Logf("auditing %v; logon: %s", ap.Enabled, logon)

	var parsed []dtyp.SID
	for _, s := range sids {
		parsed = append(parsed, dtyp.MustParseSID(s))
	}
	names, err := c.LookupSIDs(ctx, parsed)
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range names {
		r := ref.Names[i]
		if r.Use == uint16(dtyp.SIDTypeUnknown) {
			// Samba names an unknown SID by its string; this client
			// leaves the name empty.
			r.Name, r.Domain = "", ""
		}
		if n.SID.String() != r.SID || n.Name != r.Name || n.Domain != r.Domain || uint16(n.Use) != r.Use {
			t.Errorf("%s: ours %s\\%s (%s), impacket %s\\%s (%d)", r.SID, n.Domain, n.Name, n.Use, r.Domain, r.Name, r.Use)
		}
	}
	if names[0].Name != lab.Account || names[1].Name != "Administrators" || names[4].Use != dtyp.SIDTypeUnknown {
		t.Errorf("names %+v", names)
	}
	if err := c.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

// Samba lets any account read the audit policy (Windows asks for an
// administrator: the scripted server of TestAuditPolicyDenied stands in),
// and translate SIDs.
func TestSambaPlainAccount(t *testing.T) {
	l := lab.Start(t, lab.HostSpec{Name: "lsad-plain", Reg: []string{lab.BaseReg}})
	h := l.Hosts[0]
	c := New(labpipe.Bind(t, l, h, "lsarpc", Interface))
	if ap, err := c.AuditPolicy(context.Background()); err != nil || len(ap.Options) == 0 {
		t.Fatalf("%+v %v", ap, err)
	}
	names, err := c.LookupSIDs(context.Background(), []dtyp.SID{dtyp.MustParseSID("S-1-1-0")})
	if err != nil || len(names) != 1 || names[0].Use != dtyp.SIDTypeWellKnownGroup || names[0].Name != "Everyone" {
		t.Fatalf("%+v %v", names, err)
	}
}
