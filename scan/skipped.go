package scan

import (
	"errors"
	"time"

	"github.com/patchscan/patchscan/scan/transport"
)

// ErrSkipped is the cause recorded for targets that were never scanned
// because their entry could not be used (a bad target the run skipped
// rather than refused, issue 13.10).
var ErrSkipped = errors.New("target skipped")

// Skipped is the result of a target entry the run could not use: entry is
// the text as the operator wrote it, why says where it came from and what
// is wrong with it. It is a host not scanned (status error), so it reaches
// every report, the rollup and the exit status like any other; errors.Is
// finds ErrSkipped and cause.
func (c Config) Skipped(entry, why string, cause error) HostResult {
	now := time.Now()
	entry = c.clean(entry)
	return HostResult{
		Target: entry, Name: entry, Status: transport.Failed,
		Error:   c.hostErr(errors.Join(ErrSkipped, cause), "not scanned: "+why),
		Started: now, Finished: now,
	}
}
