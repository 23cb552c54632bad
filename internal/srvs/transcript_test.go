package srvs

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"testing"

	"github.com/patchscan/patchscan/internal/lab"
	"github.com/patchscan/patchscan/internal/lab/labpipe"
	"github.com/patchscan/patchscan/internal/msrpc"
	"github.com/patchscan/patchscan/internal/msrpc/ifacetest"
)

var conversation = ifacetest.Conversation{
	Path:   filepath.Join("..", "..", "testdata", "samba", "srvsvc", "shares.txt"),
	About:  "shares: MS-SRVS NetrShareEnum level 502 on lab.ConfigHost (two disk shares, one with an ACL, and IPC$).",
	Server: "rpcd_classic",
	Play:   play,
	Want:   wantTranscript,
}

func play(ctx context.Context, pipe io.ReadWriter) []string {
	c, err := Bind(ctx, pipe, msrpc.Options{})
	if err != nil {
		return []string{"bind: " + err.Error()}
	}
	shares, level, err := c.Shares(ctx)
	if err != nil {
		return []string{"shares: " + err.Error()}
	}
	out := []string{fmt.Sprintf("level %d", level)}
	for _, s := range shares {
		line := fmt.Sprintf("%s %s %q", s.Name, s.Type, s.Remark)
		aces, _ := s.Access()
		for _, a := range aces {
			line += fmt.Sprintf(" %s:%s", a.SID, a.Rights)
		}
		out = append(out, line)
	}
	return out
}

var wantTranscript = []string{
	"level 502",
	`Public disk "Files for everyone" S-1-1-0:read S-1-5-32-544:full`,
	`Data disk "Department data" S-1-1-0:full`,
	`IPC$ IPC,special "IPC Service (patchscan lab host capture)" S-1-1-0:full`,
}

// TestSambaTranscript replays a conversation recorded from Samba's
// rpcd_classic (testdata/samba/README.md).
func TestSambaTranscript(t *testing.T) { conversation.Replay(t) }

// TestCaptureSambaTranscript re-records it (go test ./internal/srvs -run
// TestCaptureSambaTranscript -capture).
func TestCaptureSambaTranscript(t *testing.T) {
	l, h := labpipe.Capture(t, lab.ConfigHost("capture"))
	labpipe.Record(t, l, h, "srvsvc", conversation)
}
