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
					if got := string(transport.OutcomeOf(err)); got != want {
						t.Fatalf("host failed with %s (%v), want %s", got, err, want)
					}
					return
				}
				defer s.Close()
				rep, err := eng.Scan(context.Background(), s)
				if err != nil {
					if got := string(transport.OutcomeOf(err)); got != want {
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
// the wire, for the lab catalog and the embedded default catalog: facts
// requested (and in how many engine batches) against round trips and
// bytes counted at a netem proxy that puts the host 2×25 ms away, split
// into session set-up and the scan itself. The proxy counts a round trip
// for each client turn (a send after a reply) at least one delay after
// the previous one: requests in flight together are one. This test
// divided wall time by the round-trip time, which a loaded machine
// inflated past the bounds; the count only moves when the client is
// more than a delay late within one flight.
func TestRoundTrips(t *testing.T) {
	l := standardLab(t)
	def, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	// Warm up: Samba starts its winreg server on the first use.
	if s, err := open(t, l, lab.Patched, Config{}); err == nil {
		s.Close()
	}
	const delay = 25 * time.Millisecond
	for _, tc := range []struct {
		name string
		cat  *catalog.Catalog
	}{{"lab.xml", labCatalog(t)}, {"embedded", def}} {
		t.Run(tc.name, func(t *testing.T) {
			eng := detect.New(tc.cat, detect.Options{Checksums: detect.ChecksumOn})
			cfg, p := viaNetem(t, l.Host(lab.Patched), delay)
			start := time.Now()
			s, err := open(t, l, lab.Patched, cfg)
			if err != nil {
				t.Fatal(err)
			}
			setupWall, setup := time.Since(start), p.Stats()
			p.Reset()
			start = time.Now()
			rep, err := eng.Scan(context.Background(), s)
			if err != nil {
				t.Fatal(err)
			}
			scanWall, scan := time.Since(start), p.Stats()
			s.Close()
			t.Logf("catalog %s, patched host: %d facts in %d batches; set-up (TCP, negotiate, session, IPC$, winreg, bind, HKLM) %d round trips (%d turns, %d B out, %d B in, %v); scan %d round trips (%d turns, %d B out, %d B in, %v); total %d round trips of %v",
				tc.name, rep.Facts, rep.Batches, setup.RoundTrips, setup.Turns, setup.BytesUp, setup.BytesDown, setupWall.Round(time.Millisecond),
				scan.RoundTrips, scan.Turns, scan.BytesUp, scan.BytesDown, scanWall.Round(time.Millisecond), setup.RoundTrips+scan.RoundTrips, 2*delay)
			if rep.Facts == 0 {
				t.Fatal("nothing measured")
			}
			// Set-up is about 8 round trips (a winreg call is one, see
			// TestRegistryCallOneRoundTrip); the scan's registry work is
			// spread over the pipes and its files read concurrently
			// (about 5-8). Bounds with room for a late client, but one
			// call at a time (45) breaks them.
			if setup.RoundTrips > 20 || scan.RoundTrips > 30 {
				t.Fatalf("%d + %d round trips", setup.RoundTrips, scan.RoundTrips)
			}
		})
	}
}
