package lsad

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"testing"

	"github.com/patchscan/patchscan/internal/lab"
	"github.com/patchscan/patchscan/internal/lab/labpipe"
	"github.com/patchscan/patchscan/internal/msrpc"
	"github.com/patchscan/patchscan/internal/msrpc/dtyp"
	"github.com/patchscan/patchscan/internal/msrpc/ifacetest"
)

var conversation = ifacetest.Conversation{
	Path:   filepath.Join("..", "..", "testdata", "samba", "lsarpc", "policy.txt"),
	About:  "policy: MS-LSAD/LSAT on lab.ConfigHost: LsarOpenPolicy2, LsarQueryInformationPolicy (audit events), LsarLookupSids, LsarClose.",
	Server: "rpcd_lsad",
	Play:   play,
	Want:   wantTranscript,
}

// replaySIDs are looked up in the transcript: well-known ones (the host's
// own SIDs change with every lab host) and one of an unknown domain.
var replaySIDs = []string{"S-1-5-32-544", "S-1-1-0", "S-1-5-18", "S-1-5-32-545", lab.ForeignAdminSID}

func play(ctx context.Context, pipe io.ReadWriter) []string {
	c, err := Bind(ctx, pipe, msrpc.Options{})
	if err != nil {
		return []string{"bind: " + err.Error()}
	}
	ap, err := c.AuditPolicy(ctx)
	if err != nil {
		return []string{"audit: " + err.Error()}
	}
	out := []string{fmt.Sprintf("auditing %v", ap.Enabled)}
	for i, o := range ap.Options {
		out = append(out, fmt.Sprintf("%s: %s", AuditCategory(i), o))
	}
	var sids []dtyp.SID
	for _, s := range replaySIDs {
		sids = append(sids, dtyp.MustParseSID(s))
	}
	names, err := c.LookupSIDs(ctx, sids)
	if err != nil {
		return append(out, "lookup: "+err.Error())
	}
	for _, n := range names {
		out = append(out, fmt.Sprintf("%s %s\\%s %s", n.SID, n.Domain, n.Name, n.Use))
	}
	if err := c.Close(ctx); err != nil {
		out = append(out, "close: "+err.Error())
	}
	return out
}

// Samba's fixed audit policy (it has no settings of its own: it answers
// that everything is audited, in seven categories) and its names.
var wantTranscript = []string{
	"auditing true",
	"System: success and failure",
	"Logon: success and failure",
	"Object Access: success and failure",
	"Privilege Use: success and failure",
	"Detailed Tracking: success and failure",
	"Policy Change: success and failure",
	"Account Management: success and failure",
	`S-1-5-32-544 BUILTIN\Administrators alias`,
	`S-1-1-0 \Everyone well-known group`,
	`S-1-5-18 NT Authority\SYSTEM well-known group`,
	`S-1-5-32-545 BUILTIN\Users alias`,
	lab.ForeignAdminSID + ` \ unknown`,
}

// TestSambaTranscript replays a conversation recorded from Samba's
// rpcd_lsad (testdata/samba/README.md).
func TestSambaTranscript(t *testing.T) { conversation.Replay(t) }

// TestCaptureSambaTranscript re-records it (go test ./internal/lsad -run
// TestCaptureSambaTranscript -capture).
func TestCaptureSambaTranscript(t *testing.T) {
	l, h := labpipe.Capture(t, lab.ConfigHost("capture"))
	labpipe.Record(t, l, h, "lsarpc", conversation)
}
