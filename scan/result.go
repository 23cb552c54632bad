// Package scan runs a scan: it turns targets into endpoints, opens a
// transport session per host under a per-host deadline, runs the engine and
// streams each HostResult to the report writers as the host finishes.
package scan

import (
	"time"

	"github.com/patchscan/patchscan/configcheck"
	"github.com/patchscan/patchscan/detect"
	"github.com/patchscan/patchscan/scan/transport"
)

// HostResult is everything known about one scanned (or unscannable) host.
// It is the unit the report writers consume.
type HostResult struct {
	// Seq is the host's place in the run's input, from 0 (Run and
	// RunImages number their targets in the order given): writers that
	// list hosts in input order rather than as they finish sort by it.
	Seq       int
	Target    string // the target as the operator gave it
	Name      string // host name (from the target, DNS or AD)
	Address   string // IP address dialed, without port; an image's path
	Domain    string // NetBIOS/AD domain when known
	Transport string // "smb", "winrm", "image"
	Status    transport.Outcome
	// Error says why the host was not scanned; nil when Status is
	// Scanned. Its text is one printable, bounded line without secrets;
	// it wraps the cause, so errors.Is finds ErrInterrupted,
	// context.DeadlineExceeded or the transport's sentinels, and the
	// cause's hints (scan/hint) stay reachable for the front end to word.
	Error error
	// Warnings are what the operator should know about a scanned host's
	// data, one sentence each (an offline image's dirty hives).
	Warnings []string
	Started  time.Time
	Finished time.Time
	Report   *detect.Report // nil unless Status == Scanned
	// Config holds the configuration checks' results (issue 16): nil
	// unless Status == Scanned and the run evaluated them. Its results
	// have a stable shape (configcheck.Result: ID, title, severity,
	// status, reason, details, advice).
	Config *configcheck.Report
}

// Reason is the text of Error, "" when there is none.
func (r HostResult) Reason() string {
	if r.Error == nil {
		return ""
	}
	return r.Error.Error()
}

// hostError is a host's failure as reports show it: one clean line over
// the error that caused it.
type hostError struct {
	line  string
	cause error
}

func (e *hostError) Error() string { return e.line }
func (e *hostError) Unwrap() error { return e.cause }
