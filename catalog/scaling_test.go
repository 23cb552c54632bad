//go:build unix

package catalog

import (
	"bytes"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/patchscan/patchscan/internal/peakheap"
)

// TestOneLineScalesLinearly (issue 13.19): a catalog on one line with a
// problem every 160 elements costs four times as much CPU for four times the
// elements, not sixteen (the loader once found each problem's column by
// scanning back to the start of its line). CPU time, the best of three, so
// a loaded machine does not make the ratio flaky: it is about 4 when linear
// and was over 15 before.
func TestOneLineScalesLinearly(t *testing.T) {
	ratio := oneLineCostRatio(t, func(data []byte) int {
		_, err := Load(bytes.NewReader(data), "one.xml")
		var ve *ValidationError
		if !errors.As(err, &ve) {
			t.Fatalf("want a ValidationError, got %v", err)
		}
		return len(ve.Problems)
	})
	if ratio > 8 {
		t.Errorf("4 times the elements cost %.1f times the CPU; want about 4 (linear)", ratio)
	}
}

// oneLineCostRatio returns the CPU cost of loading 160,000 elements on one
// line (with 1000 problems) over that of 40,000 (with 250).
func oneLineCostRatio(t *testing.T, load func([]byte) (problems int)) float64 {
	small, large := oneLineCatalog(10000, 40), oneLineCatalog(40000, 40)
	cost := func(data []byte, wantProblems int) time.Duration {
		best := time.Duration(1<<63 - 1)
		for range 3 {
			runtime.GC()
			start := cpuTime()
			n := load(data)
			best = min(best, cpuTime()-start)
			if n != wantProblems {
				t.Fatalf("%d problems, want %d", n, wantProblems)
			}
		}
		return best
	}
	costSmall, costLarge := cost(small, 250), cost(large, 1000)
	t.Logf("CPU: %v for 40k elements, %v for 160k", costSmall, costLarge)
	return float64(costLarge) / float64(costSmall)
}

// TestTinyElementsMemory (issue 13.19): unknown elements cost nothing that
// is kept. Half a million of them allocate a bounded amount each (the
// document tree the loader once built took 656 bytes per element and 195 MB
// at its peak; streaming takes 152 and under 10 MB) and the heap does not
// grow with them.
func TestTinyElementsMemory(t *testing.T) {
	const n = 500000
	data := tinyElements(n)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	heap := peakheap.Start(5 * time.Millisecond)
	c, err := Load(bytes.NewReader(data), "tiny.xml")
	peak := heap.Stop()
	runtime.ReadMemStats(&after)
	if err != nil || len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], "(500000 times; first shown)") {
		t.Fatalf("got %v, warnings %q", err, c.Warnings)
	}
	if perElement := (after.TotalAlloc - before.TotalAlloc) / n; perElement > 300 {
		t.Errorf("%d bytes allocated per element, want at most 300", perElement)
	}
	if grew := int64(peak) - int64(before.HeapInuse); grew > 64<<20 {
		t.Errorf("the heap grew by %d MB, want under 64", grew>>20)
	}
}
