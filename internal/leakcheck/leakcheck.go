// Package leakcheck lets tests assert that what they started has stopped:
// the goroutine count comes back to where it was.
package leakcheck

import (
	"runtime"
	"testing"
	"time"
)

// Settle waits up to 5 s for the number of goroutines to fall to base (as
// counted by runtime.NumGoroutine before the work), and fails the test
// with every goroutine's stack when it doesn't: the stacks name the leak.
func Settle(t testing.TB, base int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("goroutine leak: %d running, %d before\n%s", runtime.NumGoroutine(), base, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}
