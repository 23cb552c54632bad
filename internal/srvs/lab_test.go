package srvs

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/internal/lab"
	"github.com/patchscan/patchscan/internal/lab/labpipe"
	"github.com/patchscan/patchscan/internal/msrpc/dtyp"
	"github.com/patchscan/patchscan/internal/testenv"
)

type impacketShare struct {
	Name, Remark, Path, SD string
	Type                   uint32
}

// Against Samba, the shares, their types, remarks, paths and ACLs are
// what the lab made and what impacket's own MS-SRVS client reads.
func TestSambaShares(t *testing.T) {
	l := lab.Start(t, lab.ConfigHost("srvs"))
	h := l.Hosts[0]
	ctx := context.Background()
	c := New(labpipe.Bind(t, l, h, "srvsvc", Interface))
	var ref struct{ Level502, Level1 []impacketShare }
	labpipe.Impacket(t, l, h, "srvs", &ref)

	shares, level, err := c.Shares(ctx)
	if err != nil || level != 502 {
		t.Fatalf("level %d: %v", level, err)
	}
	if len(shares) != len(ref.Level502) || len(shares) != 3 {
		t.Fatalf("%d shares, impacket %d: %+v", len(shares), len(ref.Level502), shares)
	}
	byName := map[string]Share{}
	for i, s := range shares {
		r := ref.Level502[i]
		if s.Name != r.Name || uint32(s.Type) != r.Type || s.Remark != r.Remark || s.Path != r.Path {
			t.Errorf("ours %+v, impacket %+v", s, r)
		}
		if s.SecurityErr != nil {
			t.Errorf("%s: %v", s.Name, s.SecurityErr)
		}
		checkSDWithImpacket(t, s, r.SD)
		byName[s.Name] = s
	}
	// The lab's ACL on Public: Everyone may read, Administrators do all.
	pub := byName["Public"]
	aces, ok := pub.Access()
	if !ok || len(aces) != 2 || !aces[0].SID.Equal(dtyp.Everyone) || aces[0].Rights != "read" || !aces[1].SID.Equal(dtyp.Administrators) || aces[1].Rights != "full" {
		t.Errorf("Public: %+v (%s %q)", aces, pub.Type, pub.Remark)
	}
	// Data has Samba's default: Everyone, full.
	if aces, ok := byName["Data"].Access(); !ok || len(aces) != 1 || !aces[0].SID.Equal(dtyp.Everyone) || aces[0].Rights != "full" {
		t.Errorf("Data: %+v", aces)
	}
	if ipc := byName["IPC$"]; ipc.Type.Base() != TypeIPC || !ipc.Type.Special() {
		t.Errorf("IPC$: %s", ipc.Type)
	}
	// Level 1 alone gives the same names, types and remarks.
	one, err := c.enumerate(ctx, 1)
	if err != nil || len(one) != len(ref.Level1) {
		t.Fatalf("level 1: %d %v", len(one), err)
	}
	for i, s := range one {
		if r := ref.Level1[i]; s.Name != r.Name || uint32(s.Type) != r.Type || s.Remark != r.Remark || s.HasPathAndUses {
			t.Errorf("level 1: ours %+v, impacket %+v", s, r)
		}
	}
}

// checkSDWithImpacket parses the descriptor impacket read with impacket's
// own SR_SECURITY_DESCRIPTOR and compares the ACEs with ours.
func checkSDWithImpacket(t *testing.T, s Share, sdHex string) {
	t.Helper()
	const script = `
import sys
from impacket.ldap import ldaptypes
sd = ldaptypes.SR_SECURITY_DESCRIPTOR(data=bytes.fromhex(sys.argv[1]))
for ace in sd['Dacl'].aces:
    print(ace['AceType'], ace['Ace']['Mask']['Mask'], ace['Ace']['Sid'].formatCanonical())
`
	if sdHex == "" {
		if s.Security != nil {
			t.Errorf("%s: a descriptor impacket did not get", s.Name)
		}
		return
	}
	out, err := exec.Command(testenv.Python, "-c", script, sdHex).CombinedOutput()
	if err != nil {
		testenv.Missing(t, "impacket ldaptypes: %v: %s", err, out)
	}
	var ours []string
	if s.Security != nil && s.Security.DACL != nil {
		for _, a := range s.Security.DACL.ACEs {
			ours = append(ours, fmt.Sprintf("%d %d %s", a.Type, a.Mask, a.SID))
		}
	}
	if got, want := strings.Join(ours, "\n"), strings.TrimSpace(string(out)); got != want {
		t.Errorf("%s ACL:\n ours     %s\n impacket %s", s.Name, got, want)
	}
}
