package msrpc

import (
	"context"
	"errors"
	"io"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/patchscan/patchscan/internal/leakcheck"
)

// stallPipe answers the bind, then gives the reads of the next call only
// the bytes in partial and blocks until the pipe is closed, as a server
// that hangs mid-reply does.
type stallPipe struct {
	mu      sync.Mutex
	replies [][]byte
	closed  chan struct{}
	once    sync.Once
	writes  int
}

func newStallPipe(partial []byte) *stallPipe {
	p := &stallPipe{replies: [][]byte{bindAck(1, 4280, 4280, 0, NDR)}, closed: make(chan struct{})}
	if partial != nil {
		p.replies = append(p.replies, partial)
	}
	return p
}

func (p *stallPipe) Write(b []byte) (int, error) {
	p.mu.Lock()
	p.writes++
	p.mu.Unlock()
	return len(b), nil
}

func (p *stallPipe) Read(b []byte) (int, error) {
	p.mu.Lock()
	if len(p.replies) > 0 {
		r := p.replies[0]
		p.replies = p.replies[1:]
		p.mu.Unlock()
		return copy(b, r), nil
	}
	p.mu.Unlock()
	<-p.closed
	return 0, io.ErrClosedPipe
}

func (p *stallPipe) Close() { p.once.Do(func() { close(p.closed) }) }

func (p *stallPipe) writeCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.writes
}

// Cancelling a call whose reply never comes (or comes half) returns at
// once with the context's error, marks the association unusable, and the
// goroutine left reading ends when the pipe's owner closes the pipe.
func TestCallCancelledMidReply(t *testing.T) {
	firstOfTwo := response(2, FlagFirstFrag, []byte("half of it"))
	for _, tt := range []struct {
		name     string
		partial  []byte
		deadline bool // else cancelled
		want     error
	}{
		{"no reply, cancelled", nil, false, context.Canceled},
		{"half a reply, cancelled", firstOfTwo, false, context.Canceled},
		{"half a header, deadline", firstOfTwo[:7], true, context.DeadlineExceeded},
	} {
		t.Run(tt.name, func(t *testing.T) {
			base := runtime.NumGoroutine()
			p := newStallPipe(tt.partial)
			c, err := Bind(context.Background(), p, winreg, Options{})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			if tt.deadline {
				cancel()
				ctx, cancel = context.WithTimeout(context.Background(), 50*time.Millisecond)
			} else {
				time.AfterFunc(50*time.Millisecond, cancel)
			}
			defer cancel()
			start := time.Now()
			_, err = c.Call(ctx, 17, []byte{1, 2, 3, 4}, 0)
			if took := time.Since(start); took > 2*time.Second {
				t.Fatalf("Call returned %v after it started, not promptly after the cancellation", took)
			}
			if !errors.Is(err, tt.want) || !errors.Is(err, ErrBroken) || !strings.Contains(err.Error(), "abandoned") {
				t.Fatalf("err %v, want %v and ErrBroken", err, tt.want)
			}
			// The association is over: the next call fails at once,
			// without writing.
			writes := p.writeCount()
			if _, err := c.Call(context.Background(), 17, nil, 0); !errors.Is(err, ErrBroken) || !strings.Contains(err.Error(), "unusable") {
				t.Fatalf("second call: %v", err)
			}
			if p.writeCount() != writes {
				t.Fatal("a broken association wrote another request")
			}
			p.Close()
			leakcheck.Settle(t, base)
		})
	}
}

// A context done before the call leaves the association as it was: nothing
// went out.
func TestCallCancelledBeforeSending(t *testing.T) {
	p := &fakePipe{replies: [][]byte{response(2, 3, []byte{7, 0, 0, 0})}}
	c := bound(t, p, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Call(ctx, 17, nil, 0); !errors.Is(err, context.Canceled) || errors.Is(err, ErrBroken) {
		t.Fatalf("err %v: want context.Canceled, association intact", err)
	}
	if len(p.written) != 1 {
		t.Fatalf("%d PDUs written, want only the bind", len(p.written))
	}
	// A cancellable context that is not cancelled: the reply is read.
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	out, err := c.Call(ctx, 17, nil, 0)
	if err != nil || len(out) != 4 || out[0] != 7 {
		t.Fatalf("%x %v", out, err)
	}
}

// A call waiting for the association's turn gives up when its context
// ends, and does not break the association.
func TestCallWaitingForTurn(t *testing.T) {
	p := newStallPipe(nil)
	c, err := Bind(context.Background(), p, winreg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	c.turn <- struct{}{} // another call holds the association
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if _, err := c.Call(ctx, 1, nil, 0); !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrBroken) || !strings.Contains(err.Error(), "not sent") {
		t.Fatalf("err %v", err)
	}
	<-c.turn
	p.Close()
}
