// Package chromium drives a real headless Chromium (Debian's chromium
// package) for tests, over the Chrome DevTools Protocol on a pipe
// (--remote-debugging-pipe: NUL-terminated JSON messages on file
// descriptors 3 and 4), so no port is opened and no WebSocket library is
// needed.
//
// The browser gets a fresh profile, no sandbox (tests run as root), no GPU,
// no QUIC, no background networking, component updates or sync, and a host
// resolver that answers every name with NOTFOUND: nothing it does can
// reach the system resolver or the network.
package chromium

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/patchscan/patchscan/internal/procutil"
	"github.com/patchscan/patchscan/internal/testenv"
)

// ErrUnavailable wraps every reason Chromium cannot run here (not
// installed): tests skip on it unless CI=true.
var ErrUnavailable = errors.New("chromium unavailable")

// Browser is a running headless Chromium.
type Browser struct {
	cmd    *exec.Cmd
	toB    *os.File // we write, the browser reads (its fd 3)
	fromB  *os.File // the browser writes (its fd 4), we read
	exited chan struct{}
	stderr *strings.Builder

	writeMu sync.Mutex // one message at a time on the pipe

	mu      sync.Mutex
	nextID  int64
	pending map[int64]chan message
	events  map[string][]Event // by session id
	readErr error
	closed  bool
}

// Event is a DevTools event.
type Event struct {
	Method string
	Params json.RawMessage
}

type message struct {
	ID        int64           `json:"id,omitempty"`
	Method    string          `json:"method,omitempty"`
	Params    json.RawMessage `json:"params,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	Error     *protoError     `json:"error,omitempty"`
	SessionID string          `json:"sessionId,omitempty"`
}

type protoError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// Binary finds Chromium.
func Binary() (string, error) {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w: no chromium on PATH: install Debian's chromium package (make deps)", ErrUnavailable)
}

// Start starts a browser for a test, closed on t.Cleanup. When Chromium
// cannot start, the test is skipped locally and fails when CI=true.
func Start(t testing.TB) *Browser {
	t.Helper()
	return testenv.Up(t, "chromium", func() (*Browser, error) { return Launch(t.TempDir()) }, (*Browser).Close)
}

// Launch starts a browser with its profile under dir.
func Launch(dir string) (*Browser, error) {
	bin, err := Binary()
	if err != nil {
		return nil, err
	}
	profile := filepath.Join(dir, "profile")
	if err := os.MkdirAll(profile, 0o700); err != nil {
		return nil, err
	}
	chromeReads, toB, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	fromB, chromeWrites, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-extensions", "--disable-default-apps", "--no-default-browser-check", "--mute-audio",
		"--disable-dev-shm-usage", "--hide-scrollbars", "--window-size=1400,1000",
		"--host-resolver-rules=MAP * ~NOTFOUND",
		"--user-data-dir="+profile, "--remote-debugging-pipe", "about:blank")
	cmd.ExtraFiles = []*os.File{chromeReads, chromeWrites}
	cmd.Env = append(os.Environ(), "HOME="+dir)
	b := &Browser{cmd: cmd, toB: toB, fromB: fromB, exited: make(chan struct{}), stderr: &strings.Builder{},
		pending: map[int64]chan message{}, events: map[string][]Event{}}
	cmd.Stderr = &limitedWriter{b: b.stderr, n: 64 << 10}
	err = procutil.StartPinned(cmd, func() { close(b.exited) })
	chromeReads.Close()
	chromeWrites.Close()
	if err != nil {
		toB.Close()
		fromB.Close()
		return nil, fmt.Errorf("%w: starting %s: %v", ErrUnavailable, bin, err)
	}
	go b.read()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var v struct {
		Product string `json:"product"`
	}
	if err := b.call(ctx, "", "Browser.getVersion", nil, &v); err != nil {
		_ = b.Close()
		return nil, fmt.Errorf("%w: %v; stderr: %s", ErrUnavailable, err, b.stderrTail())
	}
	return b, nil
}

type limitedWriter struct {
	mu sync.Mutex
	b  *strings.Builder
	n  int
}

func (w *limitedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if room := w.n - w.b.Len(); room > 0 {
		w.b.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (b *Browser) stderrTail() string {
	s := b.stderr.String()
	if len(s) > 2000 {
		s = s[len(s)-2000:]
	}
	return strings.TrimSpace(s)
}

// read dispatches the browser's messages: replies to their callers,
// events to their session's log.
func (b *Browser) read() {
	r := bufio.NewReaderSize(b.fromB, 1<<20)
	for {
		raw, err := r.ReadBytes(0)
		if err != nil {
			b.fail(fmt.Errorf("reading from chromium: %w", err))
			return
		}
		var m message
		if err := json.Unmarshal(raw[:len(raw)-1], &m); err != nil {
			b.fail(fmt.Errorf("chromium sent something that is not JSON: %w", err))
			return
		}
		b.mu.Lock()
		if m.ID != 0 {
			if ch := b.pending[m.ID]; ch != nil {
				ch <- m
				delete(b.pending, m.ID)
			}
		} else if m.Method != "" {
			b.events[m.SessionID] = append(b.events[m.SessionID], Event{Method: m.Method, Params: m.Params})
		}
		b.mu.Unlock()
	}
}

func (b *Browser) fail(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.readErr == nil {
		b.readErr = err
	}
	for id, ch := range b.pending {
		close(ch)
		delete(b.pending, id)
	}
}

// call sends one command and waits for its reply.
func (b *Browser) call(ctx context.Context, session, method string, params, result any) error {
	b.mu.Lock()
	if b.readErr != nil {
		err := b.readErr
		b.mu.Unlock()
		return err
	}
	b.nextID++
	id := b.nextID
	ch := make(chan message, 1)
	b.pending[id] = ch
	b.mu.Unlock()
	p, err := json.Marshal(params)
	if err != nil {
		return err
	}
	if params == nil {
		p = []byte("{}")
	}
	req, _ := json.Marshal(message{ID: id, Method: method, Params: p, SessionID: session})
	b.writeMu.Lock()
	_, err = b.toB.Write(append(req, 0))
	b.writeMu.Unlock()
	if err != nil {
		return fmt.Errorf("%s: writing to chromium: %w", method, err)
	}
	select {
	case m, ok := <-ch:
		if !ok {
			return fmt.Errorf("%s: chromium closed the pipe: %v", method, b.readErr)
		}
		if m.Error != nil {
			return fmt.Errorf("%s: %s (%d)", method, m.Error.Message, m.Error.Code)
		}
		if result != nil {
			return json.Unmarshal(m.Result, result)
		}
		return nil
	case <-ctx.Done():
		b.mu.Lock()
		delete(b.pending, id)
		b.mu.Unlock()
		return fmt.Errorf("%s: %w", method, ctx.Err())
	}
}

// Events returns the events a session received so far.
func (b *Browser) Events(session string) []Event {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]Event(nil), b.events[session]...)
}

// Close closes the browser (Browser.close, then SIGKILL after 10 s).
func (b *Browser) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	b.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	_ = b.call(ctx, "", "Browser.close", nil, nil)
	cancel()
	var err error
	select {
	case <-b.exited:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-b.cmd.Process.Pid, syscall.SIGKILL)
		<-b.exited
		err = errors.New("chromium did not exit within 10 s of Browser.close; killed")
	}
	b.toB.Close()
	b.fromB.Close()
	return err
}
