// Package procutil starts the test labs' server processes (smbd, samba) so
// they die with the test binary and never before it.
package procutil

import (
	"os/exec"
	"runtime"
	"syscall"
)

// StartPinned starts cmd in its own process group with SIGKILL as its
// parent-death signal, from an OS thread that stays alive until cmd exits,
// then calls onExit (after Wait) from that goroutine.
//
// Pdeathsig fires when the *thread* that forked the child exits, not the
// process (golang/go#27505), and the Go runtime retires idle threads at
// will: started from an ordinary goroutine, a lab server could be killed in
// the middle of a test. Locking the starting goroutine to its thread until
// the child exits keeps the signal for what it is meant for: the test
// binary dying (timeout, kill) takes its servers with it.
func StartPinned(cmd *exec.Cmd, onExit func()) error {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	started := make(chan error, 1)
	go func() {
		// Never unlocked: the thread ends with this goroutine, after the
		// child has exited.
		runtime.LockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		_ = cmd.Wait()
		if onExit != nil {
			onExit()
		}
	}()
	return <-started
}
