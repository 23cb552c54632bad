package msrc_test

import (
	"bytes"
	"runtime"
	"testing"
	"time"

	"github.com/patchscan/patchscan/catalog"
	"github.com/patchscan/patchscan/catalog/msrc"
	"github.com/patchscan/patchscan/catalog/msrc/msrctest"
	"github.com/patchscan/patchscan/internal/peakheap"
)

// The budget: a catalog imported from 24 monthly documents, and
// the embedded default, load in under 1 s and under 300 MB. These report
// ns/op, the catalog's size and peak-heap-MB (the highest HeapInuse sampled
// while loading, as catalog.BenchmarkLoad20MB does).

// BenchmarkLoad24Months loads the catalog converted from
// msrctest.RecentMonths(24).
func BenchmarkLoad24Months(b *testing.B) {
	c, _, err := msrc.Convert(msrctest.RecentMonths(b, 24))
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	if err := catalog.Write(&buf, c); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	benchLoad(b, len(data), func() (*catalog.Catalog, error) { return catalog.Load(bytes.NewReader(data), "24-months.xml") })
}

// BenchmarkLoadDefault loads the embedded default catalog.
func BenchmarkLoadDefault(b *testing.B) {
	benchLoad(b, 0, catalog.Default)
}

func benchLoad(b *testing.B, size int, load func() (*catalog.Catalog, error)) {
	b.ReportAllocs()
	runtime.GC()
	heap := peakheap.Start(2 * time.Millisecond)
	b.ResetTimer()
	var c *catalog.Catalog
	for i := 0; i < b.N; i++ {
		var err error
		if c, err = load(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	peak := heap.Stop()
	patches := 0
	for _, bl := range c.Bulletins {
		patches += len(bl.Patches)
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(patches), "patches")
	if size > 0 {
		b.ReportMetric(float64(size)/(1<<20), "input-MB")
	}
}
