package lab

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// Stop kills every process of the lab and waits for them. The state
// directory is left for the caller (t.TempDir removes it).
func (l *Lab) Stop() error {
	l.stopOnce.Do(func() {
		var errs []error
		for _, h := range l.Hosts {
			if err := h.stop(); err != nil {
				errs = append(errs, fmt.Errorf("host %s: %w", h.Name, err))
			}
		}
		l.stopErr = errors.Join(errs...)
	})
	return l.stopErr
}

func (h *Host) stop() error {
	if h.cmd != nil && h.cmd.Process != nil {
		_ = syscall.Kill(-h.cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-h.done:
		case <-time.After(3 * time.Second):
			_ = syscall.Kill(-h.cmd.Process.Pid, syscall.SIGKILL)
			<-h.done
		}
	}
	// samba-dcerpcd, started on demand by smbd, detaches into its own
	// session with its rpcd_* workers. They are ours: their command line
	// names this host's unique smb.conf.
	return killByArg(h.conf)
}

// WinregPIDs lists the processes serving this host's winreg pipe
// (samba-dcerpcd's rpcd_winreg workers), for tests that make the Remote
// Registry die mid-scan.
func (h *Host) WinregPIDs() []int { return pidsWithArgs(h.conf, "rpcd_winreg") }

// pidsWithArgs lists the processes (other than this one) whose command
// line contains every one of args.
func pidsWithArgs(args ...string) []int {
	var pids []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		all := true
		for _, a := range args {
			all = all && bytes.Contains(b, []byte(a))
		}
		if all {
			pids = append(pids, pid)
		}
	}
	return pids
}

// killByArg kills processes whose command line contains arg (a path unique
// to this lab) and waits until they are gone.
func killByArg(arg string) error {
	find := func() []int { return pidsWithArgs(arg) }
	deadline := time.Now().Add(3 * time.Second)
	sig := syscall.SIGTERM
	for {
		pids := find()
		if len(pids) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			if sig == syscall.SIGKILL {
				return fmt.Errorf("processes %v of %s did not exit", pids, arg)
			}
			sig, deadline = syscall.SIGKILL, time.Now().Add(2*time.Second)
		}
		for _, p := range pids {
			_ = syscall.Kill(p, sig)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
