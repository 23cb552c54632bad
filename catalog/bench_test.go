//go:build unix

package catalog

import (
	"bytes"
	"errors"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/patchscan/patchscan/catalog/internal/gen"
	"github.com/patchscan/patchscan/internal/peakheap"
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

// BenchmarkLoad20MB measures loading the generated 20 MB catalog (budget:
// under a second and 300 MB).
func BenchmarkLoad20MB(b *testing.B) {
	data := big20MB(b)
	benchmarkLoad(b, data, func(c *Catalog, err error) {
		if err != nil {
			b.Fatal(err)
		}
		if len(c.Bulletins) != 10000 {
			b.Fatalf("got %d bulletins", len(c.Bulletins))
		}
	})
}

// BenchmarkLoadOneLine400k loads 400,000 elements on one line with a
// problem every 400 elements (issue 13.19: 28 s before positions were taken
// as elements are read).
func BenchmarkLoadOneLine400k(b *testing.B) {
	data := oneLineCatalog(100000, 100)
	benchmarkLoad(b, data, func(_ *Catalog, err error) {
		var ve *ValidationError
		if !errors.As(err, &ve) || len(ve.Problems) != maxProblems {
			b.Fatalf("want %d problems, got %v", maxProblems, err)
		}
	})
}

// BenchmarkLoadTiny2M loads two million tiny unknown elements, one per line
// (issue 13.19: 1.3 GB of memory when the loader built a document tree).
func BenchmarkLoadTiny2M(b *testing.B) {
	data := tinyElements(maxTags - 10)
	benchmarkLoad(b, data, func(c *Catalog, err error) {
		if err != nil || len(c.Warnings) != 1 {
			b.Fatalf("want one warning, got %v", err)
		}
	})
}

// oneLineCatalog is a catalog of n products on one line, every badEvery-th
// with a bad ProductID.
func oneLineCatalog(n, badEvery int) []byte {
	var b bytes.Buffer
	b.WriteString(`<BulletinDatastore><Products>`)
	for i := 1; i <= n; i++ {
		id := strconv.Itoa(i)
		if i%badEvery == 0 {
			id = "x" + id
		}
		b.WriteString(`<Product ProductID="` + id + `" Name="P"><Detection><RegKey Key="HKLM\SOFTWARE\P"/></Detection></Product>`)
	}
	b.WriteString(`</Products></BulletinDatastore>`)
	return b.Bytes()
}

// tinyElements is a root holding n empty unknown elements, one per line.
func tinyElements(n int) []byte {
	return []byte("<BulletinDatastore>\n" + strings.Repeat("<x/>\n", n) + "</BulletinDatastore>\n")
}

// benchmarkLoad loads data b.N times, checking each result. Besides ns/op
// and B/op it reports:
//   - peak-heap-MB: the highest HeapInuse sampled while loading, which is
//     what the memory budgets are about (B/op counts every allocation,
//     including garbage collected along the way);
//   - cpu-ms/op: CPU time (all threads) per load; on a shared machine wall
//     time says more about the neighbours than about the loader;
//   - maxrss-MB: the process's peak resident size so far (run one
//     benchmark per process to read it as that benchmark's).
func benchmarkLoad(b *testing.B, data []byte, check func(*Catalog, error)) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	runtime.GC()
	heap := peakheap.Start(5 * time.Millisecond)
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		check(Load(bytes.NewReader(data), "bench.xml"))
	}
	b.StopTimer()
	cpu := cpuTime() - cpu0
	peak := heap.Stop()
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(len(data))/(1<<20), "input-MB")
	b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/op")
	b.ReportMetric(float64(maxRSS())/(1<<20), "maxrss-MB")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// maxRSS is the process's peak resident set size in bytes (Linux reports
// it in KiB).
func maxRSS() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return int64(ru.Maxrss) << 10
}
