package msrpc

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/patchscan/patchscan/internal/msrpc/rpctest"
)

// sambaTranscripts are conversations recorded from Samba's rpcd_winreg
// (testdata/samba/README.md).
func sambaTranscripts(t testing.TB) map[string]*rpctest.Transcript {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "testdata", "samba", "winreg", "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no Samba transcripts: %v", err)
	}
	out := map[string]*rpctest.Transcript{}
	for _, f := range files {
		tr, err := rpctest.Load(f)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(f)] = tr
	}
	return out
}

// Samba's own PDUs decode through the decoder: bind_ack (accepted and
// refused), responses in one and in five fragments, a fault.
func TestSambaPDUs(t *testing.T) {
	trs := sambaTranscripts(t)
	ack, err := DecodeBindAck(trs["bind.txt"].Server()[0])
	if err != nil {
		t.Fatal(err)
	}
	if ack.MaxXmit != 4280 || ack.MaxRecv != 4280 || ack.SecAddr != `\pipe\winreg` || len(ack.Results) != 1 ||
		ack.Results[0].Result != 0 || ack.Results[0].Transfer != NDR || ack.AssocGroup == 0 {
		t.Errorf("bind_ack %+v", ack)
	}
	ack, err = DecodeBindAck(trs["bind-rejected.txt"].Server()[0])
	if err != nil || len(ack.Results) != 1 || ack.Results[0].Result != 2 || ack.Results[0].Reason != 1 {
		t.Errorf("refused bind_ack %+v %v", ack, err)
	}
	var fault *FaultError
	for _, b := range trs["fault.txt"].Server() {
		if _, err := DecodePDU(b); errors.As(err, &fault) {
			break
		}
	}
	if fault == nil || fault.Status != 0x1c010002 {
		t.Errorf("fault %v", fault)
	}
}

// Every recorded conversation replays through a Conn: the same requests
// (opnum and stub taken from the recording) get Samba's replies,
// reassembled.
func TestSambaReplay(t *testing.T) {
	for name, tr := range sambaTranscripts(t) {
		t.Run(name, func(t *testing.T) {
			_, bind, err := DecodeBind(tr.Entries[0].Data)
			if err != nil {
				t.Fatal(err)
			}
			r := rpctest.NewReplay(tr)
			c, err := Bind(context.Background(), r, bind.Contexts[0].Abstract, Options{})
			if name == "bind-rejected.txt" {
				var rej *ContextRejectedError
				if !errors.As(err, &rej) {
					t.Fatalf("bind: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			longest := 0
			for _, e := range tr.Entries[1:] {
				if !e.FromClient {
					continue
				}
				_, req, err := DecodeRequest(e.Data)
				if err != nil {
					t.Fatal(err)
				}
				out, err := c.Call(context.Background(), req.Opnum, req.Stub, 1<<20)
				var fe *FaultError
				if err != nil && !errors.As(err, &fe) {
					t.Fatalf("opnum %d: %v", req.Opnum, err)
				}
				longest = max(longest, len(out))
			}
			if err := r.Done(); err != nil {
				t.Fatal(err)
			}
			// The 9,000-character value (18,002 bytes with its NUL)
			// arrives in five fragments.
			if name == "multi-fragment.txt" && longest < 18002 {
				t.Fatalf("longest reply %d bytes", longest)
			}
		})
	}
}
