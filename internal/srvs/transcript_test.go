package srvs

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/internal/lab"
	"github.com/patchscan/patchscan/internal/lab/labpipe"
	"github.com/patchscan/patchscan/internal/msrpc"
	"github.com/patchscan/patchscan/internal/msrpc/rpctest"
)

var capture = flag.Bool("capture", false, "re-record testdata/samba/srvsvc from a Samba lab host (root, Samba installed)")

var transcript = filepath.Join("..", "..", "testdata", "samba", "srvsvc", "shares.txt")

func play(ctx context.Context, pipe interface {
	Read([]byte) (int, error)
	Write([]byte) (int, error)
}) []string {
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
func TestSambaTranscript(t *testing.T) {
	tr, err := rpctest.Load(transcript)
	if err != nil {
		t.Fatal(err)
	}
	r := rpctest.NewReplay(tr)
	got := play(context.Background(), r)
	if err := r.Done(); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, "\n") != strings.Join(wantTranscript, "\n") {
		t.Fatalf("replayed:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantTranscript, "\n"))
	}
}

// TestCaptureSambaTranscript re-records it (go test ./internal/srvs -run
// TestCaptureSambaTranscript -capture).
func TestCaptureSambaTranscript(t *testing.T) {
	if !*capture {
		t.Skip("run with -capture to re-record testdata/samba/srvsvc")
	}
	l := lab.Start(t, lab.ConfigHost("capture"))
	rec := &rpctest.Recorder{RW: labpipe.Open(t, l, l.Hosts[0], "srvsvc")}
	got := play(context.Background(), rec)
	if strings.Join(got, "\n") != strings.Join(wantTranscript, "\n") {
		t.Fatalf("Samba answered:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantTranscript, "\n"))
	}
	rec.T.Comments = []string{
		"shares: MS-SRVS NetrShareEnum level 502 on lab.ConfigHost (two disk shares, one with an ACL, and IPC$).",
		"Recorded from Samba's rpcd_classic (smbd 4.17.12-Debian) by",
		"go test ./internal/srvs -run TestCaptureSambaTranscript -capture; see testdata/samba/README.md.",
		"> is a PDU the client wrote, < one read of what the server sent.",
	}
	if err := rec.T.Save(transcript); err != nil {
		t.Fatal(err)
	}
}

// sambaReplies returns the stubs Samba sent in the recorded transcript.
func sambaReplies(t testing.TB) [][]byte {
	tr, err := rpctest.Load(transcript)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, b := range tr.Server() {
		if r, err := msrpc.DecodePDU(b); err == nil {
			out = append(out, append([]byte(nil), r.Stub...))
		}
	}
	return out
}
