package smb

import (
	"context"
	"errors"
	"testing"
	"time"

	smb2 "github.com/cloudsoda/go-smb2"
)

// TestRetryWhileStarting: an open that fails because the registry
// server is starting (Windows' trigger-started Remote Registry, Samba's
// on-demand samba-dcerpcd) is tried again; a missing pipe (service
// stopped), a later step's failure and an ended context are not.
func TestRetryWhileStarting(t *testing.T) {
	starting := &smb2.ResponseError{Code: 0xC000020C}
	notFound := &smb2.ResponseError{Code: 0xC0000034}
	delays := []time.Duration{time.Millisecond, time.Millisecond}
	cases := []struct {
		name      string
		op        string
		errs      []error // one per call; the call after the last succeeds
		cancelled bool
		calls     int
		fails     bool
	}{
		{"starts on the second open", opOpenPipe, []error{starting}, false, 2, false},
		{"starts on the third open", opOpenPipe, []error{starting, &smb2.ResponseError{Code: 0xC00000AC}}, false, 3, false},
		{"never starts: three opens", opOpenPipe, []error{starting, starting, starting, starting}, false, 3, true},
		{"service stopped: no retry", opOpenPipe, []error{notFound}, false, 1, true},
		{"bind failed: no retry", "bind winreg", []error{starting}, false, 1, true},
		{"context ended: no retry", opOpenPipe, []error{starting}, true, 1, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if c.cancelled {
				cancel()
			}
			calls := 0
			_, _, err := retryWhileStarting(ctx, delays, func() (int, string, error) {
				calls++
				if calls <= len(c.errs) {
					return 0, c.op, c.errs[calls-1]
				}
				return 1, "", nil
			})
			if calls != c.calls {
				t.Errorf("%d opens, want %d", calls, c.calls)
			}
			if (err != nil) != c.fails {
				t.Errorf("err = %v, want failure %v", err, c.fails)
			}
			if err != nil && !errors.As(err, new(*smb2.ResponseError)) {
				t.Errorf("err %v lost its status", err)
			}
		})
	}
}
