package catalog

// Findings collects the problems and warnings of a document read with a
// Stream, each at a line and column, capped as the loader caps its own:
// at most 1,000 problems, and warnings merged by key (a repeat is counted,
// not listed again) up to 200 distinct ones. Importers use it so their
// messages look and sort like the loader's.
type Findings struct{ f findings }

// NewFindings collects findings about the document name.
func NewFindings(name string) *Findings { return &Findings{f: newFindings(name)} }

// Errorf records a problem at a line and column (0 when unknown).
func (f *Findings) Errorf(line, col int, format string, a ...any) {
	f.f.errorAt(pos{clampInt32(line), clampInt32(col)}, format, a...)
}

// Warnf records a warning. Warnings with the same key are one warning,
// shown once at the first position with the number of times it occurred.
func (f *Findings) Warnf(key string, line, col int, format string, a ...any) {
	f.f.warnAt(warningKey{"import", key, ""}, pos{clampInt32(line), clampInt32(col)}, format, a...)
}

// Failed says at least one problem was recorded.
func (f *Findings) Failed() bool { return len(f.f.problems) > 0 || f.f.dropped > 0 }

// Err returns the problems as a *ValidationError, sorted by position with
// the warnings attached, or nil when there are none.
func (f *Findings) Err() error {
	if !f.Failed() {
		return nil
	}
	return f.f.validationError()
}

// Warnings renders the warnings as file:line:col: message, in document
// order.
func (f *Findings) Warnings() []string { return f.f.warningStrings() }
