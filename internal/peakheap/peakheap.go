// Package peakheap measures the highest heap a piece of code reaches, for
// benchmarks and memory-bound tests: runtime.MemStats.HeapInuse, sampled
// on a ticker while the code runs (garbage collected between two samples
// is missed, so the figure is a lower bound on the true peak).
package peakheap

import (
	"runtime"
	"sync/atomic"
	"time"
)

// Sampler samples HeapInuse until Stop.
type Sampler struct {
	peak       atomic.Uint64
	quit, done chan struct{}
}

// Start samples HeapInuse now and then every interval.
func Start(every time.Duration) *Sampler {
	s := &Sampler{quit: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		var ms runtime.MemStats
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > s.peak.Load() {
				s.peak.Store(ms.HeapInuse)
			}
			select {
			case <-s.quit:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

// Stop ends the sampling and returns the highest HeapInuse seen, in
// bytes.
func (s *Sampler) Stop() uint64 {
	close(s.quit)
	<-s.done
	return s.peak.Load()
}
