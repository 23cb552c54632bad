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
	"github.com/patchscan/patchscan/internal/netguard"
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

// delayConn delays everything the client sends by d (in order, without
// blocking the writer), so the server is one round trip of d away: wall
// time divided by d is the number of round trips on the critical path.
type delayConn struct {
	net.Conn
	d     time.Duration
	queue chan delayed
	done  chan struct{}
	once  sync.Once
}

type delayed struct {
	due  time.Time
	data []byte
}

func newDelayConn(c net.Conn, d time.Duration) *delayConn {
	dc := &delayConn{Conn: c, d: d, queue: make(chan delayed, 4096), done: make(chan struct{})}
	go func() {
		for {
			select {
			case m := <-dc.queue:
				time.Sleep(time.Until(m.due))
				if _, err := dc.Conn.Write(m.data); err != nil {
					return
				}
			case <-dc.done:
				return
			}
		}
	}()
	return dc
}

func (c *delayConn) Write(b []byte) (int, error) {
	select {
	case c.queue <- delayed{due: time.Now().Add(c.d), data: append([]byte(nil), b...)}:
		return len(b), nil
	case <-c.done:
		return 0, net.ErrClosed
	}
}

func (c *delayConn) Close() error {
	c.once.Do(func() { close(c.done) })
	return c.Conn.Close()
}

// TestRoundTrips measures what a full scan of the patched host costs on
// the wire, for the lab catalog and the embedded default catalog: facts
// requested (and in how many engine batches) against round trips on the
// critical path (wall time with a server 20 ms away, divided by 20 ms)
// and bytes, split into session set-up and the scan itself.
func TestRoundTrips(t *testing.T) {
	l := standardLab(t)
	def, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	const rtt = 20 * time.Millisecond
	// Warm up: Samba starts its winreg server on the first use.
	if s, err := open(t, l, lab.Patched, Config{}); err == nil {
		s.Close()
	}
	for _, tc := range []struct {
		name string
		cat  *catalog.Catalog
	}{{"lab.xml", labCatalog(t)}, {"embedded", def}} {
		t.Run(tc.name, func(t *testing.T) {
			eng := detect.New(tc.cat, detect.Options{Checksums: detect.ChecksumOn})
			var cc *countingConn
			cfg := Config{Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
				c, err := netguard.Loopback.DialContext(ctx, network, addr)
				if err != nil {
					return nil, err
				}
				cc = &countingConn{Conn: newDelayConn(c, rtt)}
				return cc, nil
			}}
			start := time.Now()
			s, err := open(t, l, lab.Patched, cfg)
			if err != nil {
				t.Fatal(err)
			}
			setup := time.Since(start)
			_, setupIn, setupOut := cc.snapshot()
			scanStart := time.Now()
			rep, err := eng.Scan(context.Background(), s)
			if err != nil {
				t.Fatal(err)
			}
			scan := time.Since(scanStart)
			_, scanIn, scanOut := cc.snapshot()
			s.Close()
			setupRT := float64(setup) / float64(rtt)
			scanRT := float64(scan) / float64(rtt)
			t.Logf("catalog %s, patched host: %d facts in %d batches; set-up (TCP, negotiate, session, IPC$, winreg, bind, HKLM) %.1f round trips (%d B out, %d B in); scan %.1f round trips (%d B out, %d B in); total %.1f round trips",
				tc.name, rep.Facts, rep.Batches, setupRT, setupOut, setupIn, scanRT, scanOut-setupOut, scanIn-setupIn, setupRT+scanRT)
			if rep.Facts == 0 {
				t.Fatal("nothing measured")
			}
			// Set-up is about 8 round trips (a winreg call is one, see
			// TestRegistryCallOneRoundTrip); the scan's registry work is
			// spread over the pipes and its files read concurrently
			// (about 5-8). Generous bounds (a loaded machine adds time),
			// but one call at a time (45) breaks them.
			if setupRT > 20 || scanRT > 30 {
				t.Fatalf("%.1f + %.1f round trips", setupRT, scanRT)
			}
		})
	}
}
