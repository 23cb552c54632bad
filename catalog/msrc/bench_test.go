package msrc_test

import (
	"testing"

	"github.com/patchscan/patchscan/catalog/msrc"
	"github.com/patchscan/patchscan/catalog/msrc/msrctest"
)

// BenchmarkParse measures parsing the largest shared document (2026-Jan,
// 3.0 MB).
func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := msrc.ParseFile(msrctest.Path("2026-Jan"), msrc.Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkConvert24 measures converting 24 monthly documents
// (msrctest.RecentMonths).
func BenchmarkConvert24(b *testing.B) {
	docs := msrctest.RecentMonths(b, 24)
	b.ReportAllocs()
	b.ResetTimer()
	var patches int
	for i := 0; i < b.N; i++ {
		c, _, err := msrc.Convert(docs)
		if err != nil {
			b.Fatal(err)
		}
		patches = 0
		for _, bl := range c.Bulletins {
			patches += len(bl.Patches)
		}
	}
	b.ReportMetric(float64(patches), "patches")
}
