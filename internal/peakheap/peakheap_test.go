package peakheap

import (
	"runtime"
	"testing"
	"time"
)

var sink []byte

// A 64 MiB allocation held across a few samples shows in the peak, and
// the peak stays once it is freed.
func TestSeesAnAllocation(t *testing.T) {
	runtime.GC()
	s := Start(time.Millisecond)
	sink = make([]byte, 64<<20)
	for i := range sink {
		sink[i] = 1
	}
	time.Sleep(20 * time.Millisecond)
	sink = nil
	runtime.GC()
	if peak := s.Stop(); peak < 64<<20 {
		t.Fatalf("peak %d bytes, want at least 64 MiB", peak)
	}
}
