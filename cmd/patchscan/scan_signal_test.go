package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/patchscan/patchscan/report"
)

// tarpit accepts connections on the given loopback addresses and never
// answers, so a scan of them hangs until its deadline or cancellation.
type tarpit struct {
	mu       sync.Mutex
	conns    []net.Conn
	accepted chan struct{}
}

func startTarpit(t *testing.T, addrs []string, port int) *tarpit {
	t.Helper()
	tp := &tarpit{accepted: make(chan struct{}, 1024)}
	for _, a := range addrs {
		ln, err := net.Listen("tcp", net.JoinHostPort(a, strconv.Itoa(port)))
		if err != nil {
			t.Skipf("cannot listen on %s: %v", a, err)
		}
		t.Cleanup(func() { _ = ln.Close() })
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				tp.mu.Lock()
				tp.conns = append(tp.conns, c)
				tp.mu.Unlock()
				tp.accepted <- struct{}{}
			}
		}()
	}
	t.Cleanup(func() {
		tp.mu.Lock()
		defer tp.mu.Unlock()
		for _, c := range tp.conns {
			_ = c.Close()
		}
	})
	return tp
}

var (
	binOnce sync.Once
	binPath string
	binErr  error
	binDir  string
)

// buildBinary builds patchscan once per test process; TestMain removes it
// when every test is done.
func buildBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "patchscan-bin-")
		if binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "patchscan")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = errors.New(string(out))
		}
	})
	if binErr != nil {
		t.Fatalf("building patchscan: %v", binErr)
	}
	return binPath
}

// countRunReports counts the per-host files of the newest run under out
// while it is being written.
func countRunReports(out string) int {
	runs := report.Runs(out)
	if len(runs) == 0 {
		return 0
	}
	return countReports(runs[len(runs)-1])
}

func countReports(dir string) int {
	ents, _ := os.ReadDir(dir)
	n := 0
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".xml") && e.Name() != "rollup.xml" {
			n++
		}
	}
	return n
}

// TestScanSignals interrupts a real patchscan process mid-scan: the first
// signal ends the run within ~2 s with every finished host's report, the
// in-flight ones marked interrupted, a complete rollup and well-formed
// stdout, exit 2. (The SMB transport stops so fast that a second signal
// can't reliably land before the graceful exit; TestHandleSignals covers it.)
func TestScanSignals(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)

	tests := []signalCase{
		{"sigint", []syscall.Signal{syscall.SIGINT}, ExitNotScanned, false},
		{"sigterm", []syscall.Signal{syscall.SIGTERM}, ExitNotScanned, false},
		// What `timeout -s INT` does: the signal to the process, then to
		// its process group at once (issue 13.14: exit 130, aborted).
		{"sigint to the process and its group", []syscall.Signal{syscall.SIGINT}, ExitNotScanned, true},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, bin, i) })
	}
}

// signalCase is one way of interrupting a scan, and the exit it must give.
type signalCase struct {
	name    string
	signals []syscall.Signal
	code    int
	// group: each signal goes to the process and then to its process
	// group (the process leads its own), back to back, as timeout(1)
	// sends it.
	group bool
}

// run scans 20 refusing hosts and 4 tarpit hosts in address block
// `block`, signals the process once the workers are stuck, and checks
// what it left.
func (tc signalCase) run(t *testing.T, bin string, block int) {
	port := closedPort(t)
	// Distinct address blocks per case, so a slow teardown of one
	// case can't answer the next one's probes.
	pits := []string{}
	for j := 1; j <= 4; j++ {
		pits = append(pits, "127.66."+strconv.Itoa(block)+"."+strconv.Itoa(j))
	}
	tp := startTarpit(t, pits, port)
	out := filepath.Join(t.TempDir(), "reports")
	cmd := exec.Command(bin, "scan", "-u", `LAB\scanner`, "--smb-port", strconv.Itoa(port),
		"--threads", "4", "--timeout", "60s", "--out", out, "--format", "xml",
		"127.65."+strconv.Itoa(block)+".1-20", "127.66."+strconv.Itoa(block)+".1-4")
	cmd.Env = append(os.Environ(), envPassword+"=sig-test-pw", envLoopbackOnly+"=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: tc.group}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-done
		}
	})

	// Wait for the 20 refusing hosts' reports and for all four
	// workers to be stuck in the tarpit (probe + session each).
	deadline := time.Now().Add(30 * time.Second)
	for countRunReports(out) < 20 || len(tp.accepted) < 8 {
		if time.Now().After(deadline) {
			t.Fatalf("scan did not reach the tarpit: %d reports, %d accepts\nstderr: %s", countRunReports(out), len(tp.accepted), stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	sent := time.Now()
	for _, s := range tc.signals {
		if err := cmd.Process.Signal(s); err != nil {
			t.Fatal(err)
		}
		if tc.group {
			if err := syscall.Kill(-cmd.Process.Pid, s); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	var err error
	select {
	case err = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("patchscan did not exit within 10s of the signal")
	}
	took := time.Since(sent)
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	}
	if code != tc.code {
		t.Fatalf("exit %d, want %d\nstderr: %s", code, tc.code, stderr.String())
	}
	if took > 3*time.Second {
		t.Errorf("exited %v after the signal, want < 3s", took)
	}
	t.Logf("%s: exited %v after the signal", tc.name, took.Round(time.Millisecond))
	checkSignalledRun(t, out, stdout.Bytes(), stderr.String())
}

// checkSignalledRun: the interrupted run left every finished host's
// report, the 4 stuck ones marked interrupted, a complete rollup and
// well-formed stdout, and said so on stderr, with where the reports
// went; out/latest does not point to the partial run.
func checkSignalledRun(t *testing.T, out string, stdout []byte, stderr string) {
	t.Helper()
	if n := countRunReports(out); n != 24 {
		t.Errorf("%d per-host reports, want 24 (20 finished + 4 interrupted)", n)
	}
	if _, ok := report.LatestRun(out); ok {
		t.Errorf("%s/latest points to the interrupted run", out)
	}
	run := newestRun(t, out)
	if !strings.Contains(stderr, "reports of this interrupted run: "+run) {
		t.Errorf("stderr does not say where the interrupted run's reports are (%s):\n%s", run, stderr)
	}
	rollup, err := os.Open(filepath.Join(run, "rollup.xml"))
	if err != nil {
		t.Fatal(err)
	}
	defer rollup.Close()
	wellFormedXML(t, "rollup.xml", rollup)
	wellFormedXML(t, "stdout", bytes.NewReader(stdout))
	if got := strings.Count(string(stdout), "interrupted"); got != 4 {
		t.Errorf("%d hosts marked interrupted on stdout, want 4", got)
	}
	if !strings.Contains(stderr, "interrupted") {
		t.Errorf("stderr does not say the run was interrupted: %s", stderr)
	}
}

func TestHandleSignals(t *testing.T) {
	t.Run("no signal", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			handleSignals(ctx, make(chan os.Signal), func() { t.Error("stopped without a signal") }, io.Discard, func(int) { t.Error("exited without a signal") }, signalCoalesce)
		}()
		cancel()
		select {
		case <-done:
		case <-time.After(2 * time.Second):
			t.Fatal("handleSignals did not return when the run ended")
		}
	})
	t.Run("first stops, second exits", func(t *testing.T) {
		sigs := make(chan os.Signal)
		stopped := make(chan struct{}, 1)
		exited := make(chan int, 1)
		var stderr syncBuffer
		go handleSignals(context.Background(), sigs, func() { stopped <- struct{}{} }, &stderr, func(c int) { exited <- c }, signalCoalesce)
		sigs <- os.Interrupt
		select {
		case <-stopped:
		case <-time.After(2 * time.Second):
			t.Fatal("first signal did not stop the run")
		}
		// A second Ctrl-C a person presses: later than signalCoalesce.
		select {
		case c := <-exited:
			t.Fatalf("exited (%d) after one signal", c)
		case <-time.After(signalCoalesce + 50*time.Millisecond):
		}
		sigs <- os.Interrupt
		select {
		case c := <-exited:
			if c != exitAborted {
				t.Errorf("exit %d, want %d", c, exitAborted)
			}
		case <-time.After(2 * time.Second):
			t.Fatal("second signal did not exit")
		}
		if !strings.Contains(stderr.String(), "Ctrl-C again") || !strings.Contains(stderr.String(), "aborted") {
			t.Errorf("stderr %q lacks the messages", stderr.String())
		}
	})
}

// TestSignalsCoalesce: two signals at once (`timeout -s INT`, or a
// kill of the process group: the process gets its own copy and the
// group's) are one Ctrl-C: the run stops gracefully and does not abort;
// a later one aborts (issue 13.14: the pair meant "abort", exit 130 with
// reports incomplete).
func TestSignalsCoalesce(t *testing.T) {
	// A wide window, so that a loaded machine's scheduling between the
	// two reads cannot stretch them apart.
	const window = 2 * time.Second
	sigs := make(chan os.Signal, 2)
	stopped := make(chan struct{}, 1)
	exited := make(chan int, 1)
	sigs <- os.Interrupt // the process's copy
	sigs <- os.Interrupt // the group's copy, at once
	go handleSignals(context.Background(), sigs, func() { stopped <- struct{}{} }, io.Discard, func(c int) { exited <- c }, window)
	select {
	case <-stopped:
	case <-time.After(5 * time.Second):
		t.Fatal("the signal did not stop the run")
	}
	select {
	case c := <-exited:
		t.Fatalf("two signals at once aborted the run (exit %d); they are one Ctrl-C", c)
	case <-time.After(window + 200*time.Millisecond):
	}
	sigs <- os.Interrupt
	select {
	case c := <-exited:
		if c != exitAborted {
			t.Errorf("exit %d, want %d", c, exitAborted)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a later Ctrl-C did not abort")
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
