package transport

import (
	"context"
	"sync"
	"time"
)

// WithBudget returns a context that ends with context.DeadlineExceeded
// after d of the host's own time: the time its goroutines spend queued at
// a LogonGate, between PauseBudgets and the resume it returns, does not
// count. A host that waits behind another host's logon keeps its whole
// timeout for its own work (issue 13.7). The context also ends with its
// parent; cancel releases it.
//
// The run's per-host deadline is a budget, and so are the transports'
// set-up and exchange bounds, so that pausing stops every clock between
// the host's scan and the wait.
func WithBudget(parent context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	b := &budget{parent: parent, done: make(chan struct{}), left: d}
	b.outer, _ = parent.Value(budgetKey{}).(*budget)
	if err := parent.Err(); err != nil {
		b.end(err)
		return b, func() {}
	}
	b.mu.Lock()
	b.deadline = time.Now().Add(d)
	b.timer = time.AfterFunc(d, func() { b.end(context.DeadlineExceeded) })
	b.mu.Unlock()
	stop := context.AfterFunc(parent, func() { b.end(parent.Err()) })
	return b, func() {
		stop()
		b.end(context.Canceled)
	}
}

// PauseBudgets stops the clock of every budget ctx holds (WithBudget),
// until resume is called. Pauses nest; resume may be called once.
func PauseBudgets(ctx context.Context) (resume func()) {
	var paused []*budget
	for b, _ := ctx.Value(budgetKey{}).(*budget); b != nil; b = b.outer {
		b.pause()
		paused = append(paused, b)
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			for _, b := range paused {
				b.resume()
			}
		})
	}
}

type budgetKey struct{}

// budget is the context WithBudget returns.
type budget struct {
	parent context.Context
	outer  *budget // the nearest budget of parent, paused with this one
	done   chan struct{}

	mu       sync.Mutex
	err      error
	timer    *time.Timer
	deadline time.Time     // when the time left runs out, while running
	left     time.Duration // time left, while paused
	pauses   int
}

// Deadline is the parent's: a budget's end moves while it is paused, and
// a context's deadline may not.
func (b *budget) Deadline() (time.Time, bool) { return b.parent.Deadline() }

func (b *budget) Done() <-chan struct{} { return b.done }

func (b *budget) Err() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.err
}

func (b *budget) Value(key any) any {
	if key == (budgetKey{}) {
		return b
	}
	return b.parent.Value(key)
}

func (b *budget) String() string { return "transport.WithBudget" }

func (b *budget) end(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err != nil {
		return
	}
	b.err = err
	if b.timer != nil {
		b.timer.Stop()
	}
	close(b.done)
}

func (b *budget) pause() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.pauses++
	if b.pauses > 1 || b.err != nil || b.timer == nil {
		return
	}
	b.left = 0 // the timer already fired: the budget is spent
	if b.timer.Stop() {
		b.left = max(time.Until(b.deadline), 0)
	}
}

func (b *budget) resume() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.pauses--
	if b.pauses > 0 || b.err != nil || b.timer == nil {
		return
	}
	b.deadline = time.Now().Add(b.left)
	b.timer.Reset(b.left)
}
