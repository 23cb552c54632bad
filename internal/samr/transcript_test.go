package samr

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/internal/lab"
	"github.com/patchscan/patchscan/internal/lab/labpipe"
	"github.com/patchscan/patchscan/internal/msrpc"
	"github.com/patchscan/patchscan/internal/msrpc/ifacetest"
	"github.com/patchscan/patchscan/internal/msrpc/ndr"
	"github.com/patchscan/patchscan/internal/msrpc/rpctest"
)

var conversation = ifacetest.Conversation{
	Path:   filepath.Join("..", "..", "testdata", "samba", "samr", "accounts.txt"),
	About:  "accounts: MS-SAMR on lab.ConfigHost: connect, domains, QueryDisplayInformation, Administrators and their names, UserAllInformation.",
	Server: "rpcd_lsad",
	Play:   play,
	Want:   wantTranscript,
	Vet:    noHashes,
}

// play reads what the config checks need through pipe, one line per fact;
// SIDs of the host's own domain are written D-RID (the machine SID
// changes with every lab host).
func play(ctx context.Context, pipe io.ReadWriter) []string {
	c, err := Bind(ctx, pipe, msrpc.Options{})
	if err != nil {
		return []string{"bind: " + err.Error()}
	}
	_, dom, err := c.AccountDomain(ctx)
	if err != nil {
		return []string{"domain: " + err.Error()}
	}
	rel := func(s string) string { return strings.Replace(s, dom.String(), "D", 1) }
	var out []string
	users, err := c.LocalUsers(ctx)
	if err != nil {
		return append(out, "users: "+err.Error())
	}
	for _, u := range users {
		out = append(out, fmt.Sprintf("user %d %s %q %s", u.RID, u.Name, u.FullName, u.Control))
	}
	members, err := c.AliasMembers(ctx, AliasAdmins)
	if err != nil {
		return append(out, "admins: "+err.Error())
	}
	for _, m := range members {
		out = append(out, fmt.Sprintf("admin %s %s %s", rel(m.SID.String()), m.Name, m.Use))
	}
	for _, rid := range []uint32{RIDGuest, 1000} {
		d, err := c.UserDetails(ctx, rid)
		if err != nil {
			return append(out, "details: "+err.Error())
		}
		out = append(out, fmt.Sprintf("details %d %s group %d expired %v pwdlastset %v", rid, d.Name, d.PrimaryGroupID, d.PasswordExpired, !d.PasswordLastSet.IsZero()))
	}
	return out
}

var wantTranscript = []string{
	`user 501 nobody "nobody" normal`,
	`user 1000 patchscan-lab "patchscan Samba lab" normal`,
	`user 1001 patchscan-lab-off "Disabled Lab User" disabled,normal`,
	`user 1002 patchscan-lab-svc "Lab Service" normal,password-never-expires`,
	`admin D-1000 patchscan-lab user`,
	`admin D-1002 patchscan-lab-svc user`,
	`admin ` + lab.ForeignAdminSID + `  unresolved`,
	`details 501 nobody group 513 expired true pwdlastset false`,
	`details 1000 patchscan-lab group 513 expired false pwdlastset true`,
}

// TestSambaTranscript replays a conversation recorded from Samba's
// rpcd_lsad (testdata/samba/README.md): the same facts as the live lab
// test, from real bytes, without a lab.
func TestSambaTranscript(t *testing.T) { conversation.Replay(t) }

// The transcript holds no password hash: Samba sends UserAllInformation's
// LmOwfPassword and NtOwfPassword empty (length 0, null buffer) to a client
// like this one, and the capture refuses to save them otherwise.
func TestTranscriptHoldsNoHashes(t *testing.T) {
	n := 0
	for _, b := range conversation.ServerStubs(t) {
		if owfBlobs(b) != nil {
			n++
			if !bytes.Equal(owfBlobs(b), make([]byte, 16)) {
				t.Fatalf("a UserAllInformation reply carries OWF password data: %x", owfBlobs(b))
			}
		}
	}
	if n != 2 {
		t.Fatalf("%d UserAllInformation replies, want 2", n)
	}
}

// owfBlobs returns the two RPC_SHORT_BLOB headers of a UserAllInformation
// reply (after the pointer, the class and six OLD_LARGE_INTEGERs and ten
// counted strings), or nil for other replies.
func owfBlobs(stub []byte) []byte {
	var r queryUserResponse
	if ndr.Unmarshal(stub, &r) != nil || r.Info == nil || r.Info.All == nil {
		return nil
	}
	const off = 4 + 4 + 6*8 + 10*8
	return stub[off : off+16]
}

// TestCaptureSambaTranscript re-records it (go test ./internal/samr -run
// TestCaptureSambaTranscript -capture).
func TestCaptureSambaTranscript(t *testing.T) {
	l, h := labpipe.Capture(t, lab.ConfigHost("capture"))
	labpipe.Record(t, l, h, "samr", conversation)
}

// noHashes refuses a recording in which Samba sent OWF password data.
func noHashes(tr *rpctest.Transcript) error {
	for _, b := range ifacetest.Stubs(tr.Server()) {
		if owfBlobs(b) != nil && !bytes.Equal(owfBlobs(b), make([]byte, 16)) {
			return errors.New("Samba sent OWF password data")
		}
	}
	return nil
}
