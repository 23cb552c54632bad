package transport

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestBudget: a budget ends after its time, not counting the time it
// was paused, together with every budget it derives from; it ends with
// its parent, and its children see DeadlineExceeded.
func TestBudget(t *testing.T) {
	t.Run("expires", func(t *testing.T) {
		ctx, cancel := WithBudget(context.Background(), 50*time.Millisecond)
		defer cancel()
		child, cc := context.WithCancel(ctx)
		defer cc()
		select {
		case <-child.Done():
		case <-time.After(5 * time.Second):
			t.Fatal("budget never ran out")
		}
		if ctx.Err() != context.DeadlineExceeded || !errors.Is(child.Err(), context.DeadlineExceeded) {
			t.Errorf("Err %v, child's %v; want DeadlineExceeded", ctx.Err(), child.Err())
		}
	})
	t.Run("pause stops every clock", func(t *testing.T) {
		outer, c1 := WithBudget(context.Background(), 150*time.Millisecond)
		defer c1()
		inner, c2 := WithBudget(outer, 150*time.Millisecond)
		defer c2()
		resume := PauseBudgets(inner)
		time.Sleep(300 * time.Millisecond) // twice either budget
		if outer.Err() != nil || inner.Err() != nil {
			t.Fatalf("paused budgets ran out: %v, %v", outer.Err(), inner.Err())
		}
		resume()
		resume() // a second call does nothing
		start := time.Now()
		<-inner.Done()
		if took := time.Since(start); took < 100*time.Millisecond {
			t.Errorf("ran out %v after resuming, want about 150ms", took)
		}
	})
	t.Run("ends with its parent", func(t *testing.T) {
		parent, cancelParent := context.WithCancel(context.Background())
		ctx, cancel := WithBudget(parent, time.Hour)
		defer cancel()
		cancelParent()
		select {
		case <-ctx.Done():
		case <-time.After(5 * time.Second):
			t.Fatal("budget outlived its parent")
		}
		if ctx.Err() != context.Canceled {
			t.Errorf("Err %v, want Canceled", ctx.Err())
		}
	})
	t.Run("cancel", func(t *testing.T) {
		ctx, cancel := WithBudget(context.Background(), time.Hour)
		cancel()
		if ctx.Err() != context.Canceled {
			t.Errorf("Err %v, want Canceled", ctx.Err())
		}
		ended, c := WithBudget(ctx, time.Hour)
		defer c()
		if ended.Err() != context.Canceled {
			t.Errorf("a budget of an ended context: Err %v", ended.Err())
		}
	})
}
