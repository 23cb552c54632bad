package history

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Batching: hosts are written in transactions of up to batchHosts hosts,
// or after batchWait when hosts trickle in, so a slow fleet scan is
// recorded as it goes (an interrupted run keeps what finished) without one
// transaction per host.
const (
	batchHosts = 500
	batchWait  = 2 * time.Second
	// batchTimeout bounds one transaction: a store that stops answering
	// (a stalled server) fails the store, never the scan.
	batchTimeout = 2 * time.Minute
	// queueHosts bounds the hosts waiting for the writer.
	queueHosts = 4 * batchHosts
)

// RecordSink feeds a Recorder from the scan's stream of host results, in
// the background: Write queues the host and returns; a writer goroutine
// records batches. After the store fails, hosts are dropped (the report
// files still hold them) and Close returns the failure.
type RecordSink struct {
	rec *Recorder

	mu     sync.Mutex
	closed bool
	queue  chan HostRecord
	done   chan struct{}
	err    error // the first store failure
	lost   int   // hosts not recorded because of it
	status string
}

// NewRecordSink starts the writer.
func NewRecordSink(rec *Recorder) *RecordSink {
	s := &RecordSink{rec: rec, queue: make(chan HostRecord, queueHosts), done: make(chan struct{}), status: RunComplete}
	go s.run()
	return s
}

// Add queues one record. It blocks only while the queue is full (the store
// is slower than the scan), which is bounded by batchTimeout.
func (s *RecordSink) Add(h HostRecord) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return errors.New("history: record after close")
	}
	failed := s.err != nil
	if failed {
		s.lost++
	}
	s.mu.Unlock()
	if !failed {
		s.queue <- h
	}
	return nil
}

// SetStatus sets the status Close records (RunInterrupted for a stopped
// run); RunComplete by default.
func (s *RecordSink) SetStatus(status string) {
	s.mu.Lock()
	s.status = status
	s.mu.Unlock()
}

// Close writes what is queued, records the run's end and returns the
// store's failure, if any, saying how many hosts it lost.
func (s *RecordSink) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		<-s.done
		return s.result()
	}
	s.closed = true
	s.mu.Unlock()
	close(s.queue)
	<-s.done
	s.mu.Lock()
	status, failed := s.status, s.err != nil
	s.mu.Unlock()
	if failed {
		status = RunFailed
	}
	ctx, cancel := context.WithTimeout(context.Background(), batchTimeout)
	defer cancel()
	if err := s.rec.Finish(ctx, status); err != nil {
		s.fail(err, 0)
	}
	return s.result()
}

func (s *RecordSink) result() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err == nil {
		return nil
	}
	return &LostError{Err: s.err, Lost: s.lost, Recorded: s.rec.Hosts(), Run: s.rec.ID()}
}

func (s *RecordSink) fail(err error, lost int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err == nil {
		s.err = err
	}
	s.lost += lost
}

func (s *RecordSink) failed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err != nil
}

// run is the writer goroutine.
func (s *RecordSink) run() {
	defer close(s.done)
	var batch []HostRecord
	timer := time.NewTimer(batchWait)
	defer timer.Stop()
	flush := func() {
		if len(batch) == 0 {
			return
		}
		if s.failed() {
			s.fail(nil, len(batch))
		} else {
			ctx, cancel := context.WithTimeout(context.Background(), batchTimeout)
			if err := s.rec.Add(ctx, batch); err != nil {
				s.fail(err, len(batch))
			}
			cancel()
		}
		batch = batch[:0]
	}
	for {
		select {
		case h, ok := <-s.queue:
			if !ok {
				flush()
				return
			}
			batch = append(batch, h)
			if len(batch) >= batchHosts {
				flush()
			}
		case <-timer.C:
			flush()
			timer.Reset(batchWait)
		}
	}
}

// LostError is a store failure during a run: the scan went on, its report
// files hold every host, and Lost hosts are not in the store.
type LostError struct {
	Err            error
	Lost, Recorded int
	Run            int64
}

func (e *LostError) Error() string {
	return e.Err.Error() + "; " + lostText(e.Lost, e.Recorded, e.Run)
}

func (e *LostError) Unwrap() error { return e.Err }

func lostText(lost, recorded int, run int64) string {
	if lost == 0 {
		return "every host was recorded, but the run's end was not"
	}
	return fmt.Sprintf("%d host(s) of run %d are not in the store (%d are); the report files hold them all", lost, run, recorded)
}
