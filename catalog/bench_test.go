//go:build unix

package catalog

import (
	"bytes"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/patchscan/patchscan/catalog/internal/gen"
)

var (
	bigOnce sync.Once
	bigXML  []byte
)

// big20MB returns a generated catalog of about 20 MB with 10,000 bulletins.
func big20MB(tb testing.TB) []byte {
	bigOnce.Do(func() {
		var b bytes.Buffer
		if err := gen.Write(&b, 10000); err != nil {
			tb.Fatal(err)
		}
		bigXML = b.Bytes()
	})
	return bigXML
}

// BenchmarkLoad20MB measures loading the generated 20 MB catalog. Besides
// ns/op and B/op it reports peak-heap-MB: the highest HeapInuse sampled
// while loading, which is what the 300 MB budget is about (B/op counts
// every allocation, including garbage collected along the way).
func BenchmarkLoad20MB(b *testing.B) {
	data := big20MB(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	runtime.GC()
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var ms runtime.MemStats
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c, err := Load(bytes.NewReader(data), "gen.xml")
		if err != nil {
			b.Fatal(err)
		}
		if len(c.Bulletins) != 10000 {
			b.Fatalf("got %d bulletins", len(c.Bulletins))
		}
	}
	b.StopTimer()
	cpu := cpuTime() - cpu0
	close(stop)
	<-done
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(len(data))/(1<<20), "input-MB")
	// CPU time (all threads) per load: on a shared machine wall time says
	// more about the neighbours than about the loader.
	b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/op")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
