package leakcheck

import (
	"runtime"
	"strings"
	"testing"
)

// recorder captures Fatalf instead of failing the real test.
type recorder struct {
	testing.TB
	failed string
}

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = format
	runtime.Goexit()
}

func TestSettle(t *testing.T) {
	base := runtime.NumGoroutine()
	stop := make(chan struct{})
	go func() { <-stop }()
	close(stop)
	Settle(t, base) // the goroutine ends: passes

	block := make(chan struct{})
	defer close(block)
	go func() { <-block }()
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() { defer close(done); Settle(r, base) }()
	<-done
	if !strings.Contains(r.failed, "goroutine leak") {
		t.Fatalf("a goroutine still running was not reported (got %q)", r.failed)
	}
}
