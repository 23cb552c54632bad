// Package scan runs a scan: it turns targets into endpoints, opens a
// transport session per host under a per-host deadline, runs the engine and
// streams each HostResult to the report writers as the host finishes.
package scan

import (
	"time"

	"github.com/patchscan/patchscan/detect"
)

// HostStatus is the outcome of scanning one host.
type HostStatus string

const (
	HostScanned      HostStatus = "scanned"
	HostUnreachable  HostStatus = "unreachable"
	HostAuthFailed   HostStatus = "auth-failed"
	HostAccessDenied HostStatus = "access-denied"
	HostError        HostStatus = "error"
)

// HostResult is everything known about one scanned (or unscannable) host.
// It is the unit the report writers consume.
type HostResult struct {
	Target    string // the target as the operator gave it
	Name      string // host name (from the target, DNS or AD)
	Address   string // IP address dialed, without port
	Domain    string // NetBIOS/AD domain when known
	Transport string // "smb", "winrm"
	Status    HostStatus
	Error     string // one operator-facing line when Status != scanned
	Started   time.Time
	Finished  time.Time
	Report    *detect.Report // nil unless Status == scanned
}
