package scmr

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

var capture = flag.Bool("capture", false, "re-record testdata/samba/svcctl from a Samba lab host (root, Samba installed)")

var transcript = filepath.Join("..", "..", "testdata", "samba", "svcctl", "services.txt")

func play(ctx context.Context, pipe interface {
	Read([]byte) (int, error)
	Write([]byte) (int, error)
}) []string {
	c, err := Bind(ctx, pipe, msrpc.Options{})
	if err != nil {
		return []string{"bind: " + err.Error()}
	}
	services, err := c.Services(ctx)
	if err != nil {
		return []string{"services: " + err.Error()}
	}
	var out []string
	for _, s := range services {
		cfg, err := c.Config(ctx, s.Name)
		start := "error: " + fmt.Sprint(err)
		if err == nil {
			start = cfg.StartType.String() + " " + cfg.StartName
		}
		out = append(out, fmt.Sprintf("%s %q type 0x%x %s, start %s", s.Name, s.DisplayName, uint32(s.Type), s.State, start))
	}
	c.Close(ctx)
	return out
}

var wantTranscript = []string{
	`Spooler "Print Spooler" type 0x110 stopped, start demand LocalSystem`,
	`NETLOGON "Net Logon" type 0x20 stopped, start disabled LocalSystem`,
	`RemoteRegistry "Remote Registry Service" type 0x20 running, start demand LocalSystem`,
	`WINS "Windows Internet Name Service (WINS)" type 0x10 stopped, start disabled LocalSystem`,
}

// TestSambaTranscript replays a conversation recorded from Samba's
// svcctl (testdata/samba/README.md).
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

// TestCaptureSambaTranscript re-records it (go test ./internal/scmr -run
// TestCaptureSambaTranscript -capture).
func TestCaptureSambaTranscript(t *testing.T) {
	if !*capture {
		t.Skip("run with -capture to re-record testdata/samba/svcctl")
	}
	l := lab.Start(t, lab.ConfigHost("capture"))
	rec := &rpctest.Recorder{RW: labpipe.Open(t, l, l.Hosts[0], "svcctl")}
	got := play(context.Background(), rec)
	if strings.Join(got, "\n") != strings.Join(wantTranscript, "\n") {
		t.Fatalf("Samba answered:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantTranscript, "\n"))
	}
	rec.T.Comments = []string{
		"services: MS-SCMR on lab.ConfigHost: ROpenSCManagerW, REnumServicesStatusW, and per service ROpenServiceW, RQueryServiceConfigW, RCloseServiceHandle.",
		"Recorded from Samba's rpcd_classic svcctl (smbd 4.17.12-Debian) by",
		"go test ./internal/scmr -run TestCaptureSambaTranscript -capture; see testdata/samba/README.md.",
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
