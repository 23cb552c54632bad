package configcheck

// Status is a configuration check's result on one host.
type Status string

const (
	StatusPass          Status = "pass"
	StatusFail          Status = "fail"
	StatusWarning       Status = "warning"
	StatusInfo          Status = "info"
	StatusNotApplicable Status = "not-applicable"
	// StatusError: the facts the check needs could not be read. It is
	// never a failure: the check could not be decided.
	StatusError Status = "error"
)

// Statuses lists every Status, in report order (most urgent first).
var Statuses = []Status{StatusFail, StatusWarning, StatusError, StatusInfo, StatusPass, StatusNotApplicable}

// Valid reports whether s is one of Statuses.
func (s Status) Valid() bool {
	for _, v := range Statuses {
		if s == v {
			return true
		}
	}
	return false
}

// Result is one check's result on one host. Its shape (ID, Title,
// Severity, Status, Reason, Details) is what reports, JSON Lines and the
// history store carry; ID is stable across baseline versions.
type Result struct {
	ID       string
	Title    string
	Severity string // Critical, Important, Moderate, Low
	Status   Status
	// Reason says in one or two plain sentences what was found, in
	// MBSA's style ("The Guest account is enabled.").
	Reason string
	// Details are the evidence, one line each: every value the check read
	// and where it came from, and the items a measure counted ("Public
	// (C:\Shares\Public): Everyone read").
	Details []string
	// Advice says what to do about a fail or warning.
	Advice string
}

// Blocking reports whether a result makes the scan's exit code 1: a
// failed check of severity Critical or Important.
func (r Result) Blocking() bool {
	return r.Status == StatusFail && (r.Severity == "Critical" || r.Severity == "Important")
}

// Report is a baseline's results on one host.
type Report struct {
	// Baseline names the baseline and its version ("patchscan default
	// baseline 2026.11.1").
	Baseline string
	Results  []Result
	// Facts is how many facts were requested and Batches in how many
	// Host.Facts calls (one, unless the host answered nothing).
	Facts   int
	Batches int
}

// Blocking reports whether any result is Blocking.
func (r *Report) Blocking() bool {
	if r == nil {
		return false
	}
	for _, res := range r.Results {
		if res.Blocking() {
			return true
		}
	}
	return false
}

// Count returns how many results have status s.
func (r *Report) Count(s Status) int {
	if r == nil {
		return 0
	}
	n := 0
	for _, res := range r.Results {
		if res.Status == s {
			n++
		}
	}
	return n
}
