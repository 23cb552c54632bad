package scan

import (
	"context"
	"testing"
	"time"
)

// TestRunSeqIsInputOrder: hosts finish out of order (the first is the
// slowest) and each result carries its target's place in the input, so
// writers can list hosts in input order (issue 13.13).
func TestRunSeqIsInputOrder(t *testing.T) {
	hosts := map[string]behaviour{ip(1): {slow: 300 * time.Millisecond}, ip(2): {slow: 100 * time.Millisecond}, ip(3): {}}
	cfg := onLoopback(Config{Opener: newFake(hosts), Engine: fakeEngine{}, Port: 445, Threads: 3, Dial: fakeDial(hosts)})
	var finished []string
	seqOf := map[string]int{}
	if _, err := Run(context.Background(), cfg, seq(ip(1), ip(2), ip(3)), func(r HostResult) {
		finished = append(finished, r.Target)
		seqOf[r.Target] = r.Seq
	}); err != nil {
		t.Fatal(err)
	}
	if finished[0] == ip(1) {
		t.Fatalf("finish order %v: the slow first host finished first, the test proves nothing", finished)
	}
	for i := 1; i <= 3; i++ {
		if seqOf[ip(i)] != i-1 {
			t.Errorf("%s: Seq %d, want %d (finish order %v)", ip(i), seqOf[ip(i)], i-1, finished)
		}
	}
}
