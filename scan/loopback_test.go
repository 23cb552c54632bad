package scan

import (
	"context"
	"fmt"
	"net"
	"runtime"
	"runtime/metrics"
	"strconv"
	"testing"
	"time"

	"github.com/patchscan/patchscan/scan/targets"
	"github.com/patchscan/patchscan/scan/transport"
)

// TestRunThousandLoopbackTargets scans 1,000 real loopback addresses with
// the real TCP probe: five have a listener on the transport port, the
// rest refuse (nothing listens there). It must finish in bounded time with
// bounded memory; the figures are logged (go test -v -run Thousand).
func TestRunThousandLoopbackTargets(t *testing.T) {
	// Find a port free on the live addresses.
	live := []string{"127.31.0.10", "127.31.1.20", "127.31.2.30", "127.31.3.40", "127.31.3.200"}
	first, err := net.Listen("tcp", live[0]+":0")
	if err != nil {
		t.Skipf("cannot listen on loopback: %v", err)
	}
	port := first.Addr().(*net.TCPAddr).Port
	lns := []net.Listener{first}
	for _, a := range live[1:] {
		ln, err := net.Listen("tcp", net.JoinHostPort(a, strconv.Itoa(port)))
		if err != nil {
			t.Fatalf("listen on %s: %v", a, err)
		}
		lns = append(lns, ln)
	}
	for _, ln := range lns {
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				_ = c.Close()
			}
		}()
		t.Cleanup(func() { _ = ln.Close() })
	}

	l := &targets.List{DefaultPort: port}
	// 127.31.0.0/22 less network and broadcast is 1,022 hosts; cut to 1,000.
	if err := l.Add("127.31.0.1-127.31.3.232", "test"); err != nil {
		t.Fatal(err)
	}
	if n := l.Count(); n != 1000 {
		t.Fatalf("Count = %d, want 1000", n)
	}

	f := newFake(nil)
	cfg := onLoopback(Config{Opener: f, Engine: fakeEngine{}, Port: port, Threads: 64,
		Timeout: 10 * time.Second, ProbeTimeout: time.Second})

	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tk := time.NewTicker(5 * time.Millisecond)
		defer tk.Stop()
		for {
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > peak {
				peak = v
			}
			select {
			case <-stop:
				return
			case <-tk.C:
			}
		}
	}()

	start := time.Now()
	counts := map[transport.Outcome]int{}
	_, err = Run(context.Background(), cfg, l.All(), func(r HostResult) { counts[r.Status]++ })
	elapsed := time.Since(start)
	close(stop)
	<-sampled
	if err != nil {
		t.Fatal(err)
	}
	if counts[transport.Scanned] != len(live) || counts[transport.Unreachable] != 1000-len(live) {
		t.Errorf("statuses %v, want %d scanned and %d unreachable", counts, len(live), 1000-len(live))
	}
	if elapsed > 30*time.Second {
		t.Errorf("1,000 loopback targets took %v", elapsed)
	}
	if peak > 64<<20 {
		t.Errorf("peak heap %d MiB", peak>>20)
	}
	t.Logf("1,000 loopback targets, 64 threads: %v wall, peak heap objects %.1f MiB, %s",
		elapsed.Round(time.Millisecond), float64(peak)/(1<<20), fmt.Sprint(counts))
}
