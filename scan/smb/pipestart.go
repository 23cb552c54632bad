package smb

import (
	"context"
	"errors"
	"time"

	smb2 "github.com/cloudsoda/go-smb2"
)

// Registry servers are started on demand. Windows 8 and later trigger-
// start the Remote Registry service when \PIPE\winreg is first opened,
// and Samba's smbd starts samba-dcerpcd and its rpcd_winreg workers the
// same way; until the server listens, an open fails with one of these
// statuses instead of succeeding a moment later. A stopped or disabled
// service is different: the pipe is not found
// (STATUS_OBJECT_NAME_NOT_FOUND), and that is not retried, so that
// --transport auto falls back to WinRM at once.
var pipeStartingStatuses = map[uint32]string{
	0xC00000AC: "STATUS_PIPE_NOT_AVAILABLE",
	0xC00000AE: "STATUS_PIPE_BUSY",
	0xC000020C: "STATUS_CONNECTION_DISCONNECTED",
}

// pipeStartDelays are the waits before the second and third open of the
// first winreg pipe: long enough for a service to start, short against
// the per-host timeout (the waits end with the set-up's context).
var pipeStartDelays = []time.Duration{250 * time.Millisecond, time.Second}

// pipeStarting says whether err is an open of a pipe whose server is
// still starting.
func pipeStarting(err error) bool {
	var re *smb2.ResponseError
	if !errors.As(err, &re) {
		return false
	}
	_, ok := pipeStartingStatuses[re.Code]
	return ok
}

// retryWhileStarting calls open until it succeeds, fails for another
// reason than a starting server, the delays are spent, or ctx ends; it
// returns open's last result.
func retryWhileStarting[T any](ctx context.Context, delays []time.Duration, open func() (T, string, error)) (T, string, error) {
	for i := 0; ; i++ {
		v, op, err := open()
		if err == nil || op != opOpenPipe || !pipeStarting(err) || i == len(delays) {
			return v, op, err
		}
		t := time.NewTimer(delays[i])
		select {
		case <-ctx.Done():
			t.Stop()
			return v, op, err
		case <-t.C:
		}
	}
}
