package procutil

import (
	"os/exec"
	"runtime"
	"sync"
	"testing"
	"time"
)

// TestChildOutlivesIdleThreads starts a child, then makes the runtime
// create and retire many threads; the child must still be running (with a
// plain Start it is killed when its forking thread is retired).
func TestChildOutlivesIdleThreads(t *testing.T) {
	cmd := exec.Command("sleep", "30")
	exited := make(chan struct{})
	if err := StartPinned(cmd, func() { close(exited) }); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); <-exited }()

	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread() // exits the thread when the goroutine ends locked
			time.Sleep(time.Millisecond)
		}()
	}
	wg.Wait()
	select {
	case <-exited:
		t.Fatal("child died while the test binary is alive")
	case <-time.After(300 * time.Millisecond):
	}
	if cmd.SysProcAttr == nil || cmd.SysProcAttr.Pdeathsig == 0 || !cmd.SysProcAttr.Setpgid {
		t.Error("Pdeathsig/Setpgid not set")
	}
}

func TestStartError(t *testing.T) {
	if err := StartPinned(exec.Command("/nonexistent/binary"), nil); err == nil {
		t.Fatal("starting a missing binary succeeded")
	}
}
