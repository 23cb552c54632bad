package catalog

import (
	"fmt"
	"strings"
)

// Problem is one thing wrong with a catalog, located in its source. Line and
// Column are 1-based; 0 means the position is unknown (e.g. a read error).
type Problem struct {
	File    string
	Line    int
	Column  int
	Message string
}

// String renders the problem the way compilers do (file:line:col: message),
// so editors and CI logs can jump to it.
func (p Problem) String() string {
	switch {
	case p.Line > 0 && p.Column > 0:
		return fmt.Sprintf("%s:%d:%d: %s", p.File, p.Line, p.Column, p.Message)
	case p.Line > 0:
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Message)
	}
	return fmt.Sprintf("%s: %s", p.File, p.Message)
}

// ValidationError says a catalog cannot be used. It lists every problem the
// loader found, not only the first, so an author fixes them in one round.
// Warnings holds what the loader would have put in Catalog.Warnings.
type ValidationError struct {
	File     string
	Problems []Problem
	Warnings []string
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	n := len(e.Problems)
	if n == 1 {
		fmt.Fprintf(&b, "catalog %s is invalid: %s", e.File, e.Problems[0])
		return b.String()
	}
	fmt.Fprintf(&b, "catalog %s is invalid (%d problems):", e.File, n)
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	return b.String()
}
