package scmr

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
	Path:   filepath.Join("..", "..", "testdata", "samba", "svcctl", "services.txt"),
	About:  "services: MS-SCMR on lab.ConfigHost: ROpenSCManagerW, REnumServicesStatusW, and per service ROpenServiceW, RQueryServiceConfigW, RCloseServiceHandle.",
	Server: "rpcd_classic svcctl",
	Play:   play,
	Want:   wantTranscript,
}

func play(ctx context.Context, pipe io.ReadWriter) []string {
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
func TestSambaTranscript(t *testing.T) { conversation.Replay(t) }

// TestCaptureSambaTranscript re-records it (go test ./internal/scmr -run
// TestCaptureSambaTranscript -capture).
func TestCaptureSambaTranscript(t *testing.T) {
	l, h := labpipe.Capture(t, lab.ConfigHost("capture"))
	labpipe.Record(t, l, h, "svcctl", conversation)
}
