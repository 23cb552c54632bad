package smb

import (
	"encoding/hex"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/facts"
	"github.com/patchscan/patchscan/internal/lab"
	"github.com/patchscan/patchscan/internal/lab/labpipe"
	"github.com/patchscan/patchscan/internal/msrpc/dtyp"
)

// The facts-level cross-checks of TestConfigFactsMatchImpacket: each
// compares what the transport composed with testdata/lab/rpc_dump.py's
// reading through impacket.

func compareSAMR(t *testing.T, l *lab.Lab, h *lab.Host, users []facts.Account, admins []facts.Principal) {
	t.Helper()
	var ref struct {
		Users []struct {
			RID     uint32
			Name    string
			Control uint32
		}
		Admins []string
	}
	labpipe.Impacket(t, l, h, "samr", &ref)
	got := map[uint32]facts.Account{}
	for _, u := range users {
		got[u.RID] = u
	}
	if len(users) != len(ref.Users) {
		t.Errorf("%d local users, impacket %d", len(users), len(ref.Users))
	}
	for _, r := range ref.Users {
		u, ok := got[r.RID]
		// impacket reads UserAllInformation; its flags are the same bits.
		if !ok || u.Name != r.Name || uint32(u.Flags) != r.Control {
			t.Errorf("user %d: %+v, impacket %s control %#x", r.RID, u, r.Name, r.Control)
		}
	}
	var sids []string
	for _, a := range admins {
		sids = append(sids, a.SID)
	}
	if strings.Join(sids, " ") != strings.Join(ref.Admins, " ") {
		t.Errorf("Administrators %v, impacket %v", sids, ref.Admins)
	}
}

func compareShares(t *testing.T, l *lab.Lab, h *lab.Host, shares []facts.Share) {
	t.Helper()
	var ref struct {
		Level502 []struct {
			Name, Remark, Path, SD string
			Type                   uint32
		}
	}
	labpipe.Impacket(t, l, h, "srvs", &ref)
	if len(shares) != len(ref.Level502) {
		t.Fatalf("%d shares, impacket %d", len(shares), len(ref.Level502))
	}
	for i, r := range ref.Level502 {
		s := shares[i]
		// STYPE_SPECIAL, or the names of Windows' administrative shares
		// (Samba does not mark them).
		special := r.Type&0x80000000 != 0 || r.Name == "ADMIN$" || r.Name == "IPC$" || driveShare.MatchString(r.Name)
		types := map[uint32]facts.ShareType{0: facts.ShareDisk, 1: facts.SharePrinter, 3: facts.ShareIPC}
		if s.Name != r.Name || s.Remark != r.Remark || s.Path != r.Path || s.Special != special || s.Type != types[r.Type&0xFF] {
			t.Errorf("share %d: %+v, impacket %+v", i, s, r)
		}
		// Every entry of the ACL names a SID that is in the descriptor
		// impacket received, and a share with a descriptor has an ACL.
		if (r.SD != "") != s.ACLKnown {
			t.Errorf("share %s: ACL known %v, impacket descriptor %q", s.Name, s.ACLKnown, r.SD)
		}
		for _, a := range s.Access {
			sid, err := dtyp.ParseSID(a.SID)
			if err != nil || !strings.Contains(r.SD, hex.EncodeToString(sid.Binary())) {
				t.Errorf("share %s: ACE for %s not in impacket's descriptor %s", s.Name, a.SID, r.SD)
			}
		}
	}
}

func compareAudit(t *testing.T, l *lab.Lab, h *lab.Host, p facts.AuditPolicy) {
	t.Helper()
	var ref struct {
		Audit struct {
			Mode    int
			Options []uint32
		}
	}
	labpipe.Impacket(t, l, h, "lsad", &ref, "S-1-1-0")
	if p.Enabled != (ref.Audit.Mode != 0) || len(p.Categories) != len(ref.Audit.Options) {
		t.Fatalf("audit policy %+v, impacket %+v", p, ref.Audit)
	}
	for i, o := range ref.Audit.Options {
		c := p.Categories[i]
		if c.Category != facts.AuditCategories[i] || c.Success != (o&1 != 0) || c.Failure != (o&2 != 0) {
			t.Errorf("category %d: %+v, impacket %#x", i, c, o)
		}
	}
}

func compareVolumes(t *testing.T, l *lab.Lab, h *lab.Host, vols []facts.Volume) {
	t.Helper()
	var shares []string
	for _, v := range vols {
		shares = append(shares, v.Root[:1]+"$")
	}
	if strings.Join(shares, " ") != "C$ D$" {
		t.Fatalf("volumes %+v, want C: and D:", vols)
	}
	ref := map[string]struct {
		Attributes uint32
		Name       string
	}{}
	labpipe.Impacket(t, l, h, "fsattr", &ref, shares...)
	for i, v := range vols {
		r := ref[shares[i]]
		if v.FileSystem != r.Name || v.PersistentACLs != (r.Attributes&8 != 0) || !v.ACLsKnown {
			t.Errorf("volume %s: %+v, impacket %+v", v.Root, v, r)
		}
	}
	if vols[1].FileSystem != "FAT32" || vols[1].KeepsPermissions() {
		t.Errorf("the lab's D: is %+v, want FAT32 without permissions", vols[1])
	}
}

func compareService(t *testing.T, l *lab.Lab, h *lab.Host, a facts.Answer) {
	t.Helper()
	var ref struct {
		Services []struct {
			Name, Display string
			State         uint32
		}
	}
	labpipe.Impacket(t, l, h, "scmr", &ref)
	states := map[uint32]facts.ServiceState{1: facts.ServiceStopped, 4: facts.ServiceRunning, 7: facts.ServicePaused}
	for _, r := range ref.Services {
		if !strings.EqualFold(r.Name, a.Service.Name) {
			continue
		}
		want, ok := states[r.State]
		if !ok {
			want = facts.ServicePending
		}
		if !a.Found || a.Service.DisplayName != r.Display || a.Service.State != want {
			t.Errorf("service %s: %+v, impacket %+v", r.Name, a, r)
		}
		return
	}
	t.Errorf("impacket lists no service %s", a.Service.Name)
}
