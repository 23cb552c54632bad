package smb

import (
	"context"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/patchscan/patchscan/catalog"
	"github.com/patchscan/patchscan/detect"
	"github.com/patchscan/patchscan/internal/lab"
	"github.com/patchscan/patchscan/scan/transport"
)

func labCatalog(t *testing.T) *catalog.Catalog {
	t.Helper()
	cat, err := catalog.LoadFile(filepath.Join(lab.RepoRoot(), "testdata", "catalogs", "lab.xml"))
	if err != nil {
		t.Fatalf("lab catalog: %v", err)
	}
	return cat
}

// Every lab host gets its expected MS17-010 verdict through the real
// engine, or its expected host-level failure.
func TestLabVerdicts(t *testing.T) {
	l := standardLab(t)
	cat := labCatalog(t)
	for _, checksums := range []detect.ChecksumMode{detect.ChecksumOn, detect.ChecksumAuto, detect.ChecksumOff} {
		eng := detect.New(cat, detect.Options{Checksums: checksums})
		for _, h := range l.Hosts {
			want := lab.Expected[h.Name]
			if h.Name == lab.WrongChecksum && checksums == detect.ChecksumOff {
				want = "installed" // judged by version alone
			}
			t.Run(checksums.String()+"/"+h.Name, func(t *testing.T) {
				s, err := open(t, l, h.Name, Config{})
				if err != nil {
					if got := string(transport.KindOf(err)); got != want {
						t.Fatalf("host failed with %s (%v), want %s", got, err, want)
					}
					return
				}
				defer s.Close()
				rep, err := eng.Scan(context.Background(), s)
				if err != nil {
					if got := string(transport.KindOf(err)); got != want {
						t.Fatalf("scan failed with %s (%v), want %s", got, err, want)
					}
					t.Logf("%s: %v", h.Name, err)
					return
				}
				var got []string
				for _, r := range rep.Results {
					if r.BulletinID == "MS17-010" {
						got = append(got, string(r.Status))
						t.Logf("%s: %s %v", h.Name, r.Status, r.Reasons)
					} else if r.Status != detect.StatusNotApplicable {
						t.Errorf("unexpected result %+v", r)
					}
				}
				if len(got) != 1 || got[0] != want {
					t.Fatalf("MS17-010 verdicts %v, want [%s]; OS %+v products %v", got, want, rep.OS, rep.Products)
				}
				if rep.OS.Version != "6.1" || rep.OS.ProductType != "ServerNT" || !strings.EqualFold(rep.OS.SystemRoot, `c:\Windows`) || rep.OS.Language != "1033" {
					t.Errorf("OS %+v", rep.OS)
				}
			})
		}
	}
}

// countingConn counts bytes and round trips: a round trip is a switch from
// writing to reading (the client waits for the server).
type countingConn struct {
	net.Conn
	mu                     sync.Mutex
	writes, reads          int
	bytesOut, bytesIn      int64
	roundTrips             int
	lastWasWrite, anyWrite bool
}

func (c *countingConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	c.mu.Lock()
	c.writes++
	c.bytesOut += int64(n)
	c.lastWasWrite, c.anyWrite = true, true
	c.mu.Unlock()
	return n, err
}

func (c *countingConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.mu.Lock()
	c.reads++
	c.bytesIn += int64(n)
	if c.lastWasWrite && n > 0 {
		c.roundTrips++
		c.lastWasWrite = false
	}
	c.mu.Unlock()
	return n, err
}

func (c *countingConn) snapshot() (rt int, in, out int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.roundTrips, c.bytesIn, c.bytesOut
}

// TestRoundTrips measures what a full scan of the patched host costs on
// the wire: facts requested (and in how many batches) against round trips
// and bytes, split into session set-up and the scan itself, for the lab
// catalog and the embedded default catalog.
func TestRoundTrips(t *testing.T) {
	l := standardLab(t)
	def, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		cat  *catalog.Catalog
	}{{"lab.xml", labCatalog(t)}, {"embedded", def}} {
		t.Run(tc.name, func(t *testing.T) {
			eng := detect.New(tc.cat, detect.Options{Checksums: detect.ChecksumOn})
			var cc *countingConn
			cfg := Config{Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
				var d net.Dialer
				c, err := d.DialContext(ctx, network, addr)
				if err != nil {
					return nil, err
				}
				cc = &countingConn{Conn: c}
				return cc, nil
			}}
			start := time.Now()
			s, err := open(t, l, lab.Patched, cfg)
			if err != nil {
				t.Fatal(err)
			}
			setupRT, setupIn, setupOut := cc.snapshot()
			setup := time.Since(start)
			rep, err := eng.Scan(context.Background(), s)
			if err != nil {
				t.Fatal(err)
			}
			scanRT, scanIn, scanOut := cc.snapshot()
			s.Close()
			closeRT, _, _ := cc.snapshot()
			elapsed := time.Since(start)
			t.Logf("catalog %s, patched host: %d facts in %d batches; set-up (connect, negotiate, session, IPC$, winreg, bind, HKLM) %d round trips (%d B out, %d B in) in %v; scan %d round trips (%d B out, %d B in); close %d round trips; total %v",
				tc.name, rep.Facts, rep.Batches, setupRT, setupOut, setupIn, setup.Round(time.Millisecond),
				scanRT-setupRT, scanOut-setupOut, scanIn-setupIn, closeRT-scanRT, elapsed.Round(time.Millisecond))
			if rep.Facts == 0 || scanRT <= setupRT {
				t.Fatalf("nothing measured: %d facts, %d round trips", rep.Facts, scanRT-setupRT)
			}
			// Bound: a registry fact costs one RPC (a write and a read on
			// the pipe: two SMB round trips) plus its key's one-time open;
			// a file a handful (tree connect once, create, stat, read,
			// close). A regression that re-opens keys or reads whole files
			// breaks this.
			if limit := 4*rep.Facts + 12; scanRT-setupRT > limit {
				t.Fatalf("%d round trips for %d facts, want at most %d", scanRT-setupRT, rep.Facts, limit)
			}
		})
	}
}
