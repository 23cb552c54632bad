package catalog

import (
	"fmt"
	"sort"
)

// findings collects a load's problems and warnings. Both are capped: a
// hostile or badly generated catalog could otherwise produce millions. A
// position is taken when an element is read (two subtractions), so keeping a
// problem costs nothing more, wherever it is in the document.
type findings struct {
	name     string
	problems []Problem
	dropped  int // problems beyond maxProblems

	warns        []warning
	warnIdx      map[warningKey]int // -> index in warns
	droppedWarns int                // distinct warnings beyond maxWarnings
}

type warning struct {
	at    pos
	msg   string
	count int
}

func newFindings(name string) findings {
	return findings{name: name, warnIdx: map[warningKey]int{}}
}

// errorAt records a problem at a position.
func (f *findings) errorAt(at pos, format string, a ...any) {
	if len(f.problems) >= maxProblems {
		f.dropped++
		return
	}
	f.problems = append(f.problems, Problem{File: f.name, Line: int(at.line), Column: int(at.col), Message: fmt.Sprintf(format, a...)})
}

// warningKey says which warnings are the same: the same kind about the same
// names (a struct, not a joined string, so counting a repeat allocates
// nothing).
type warningKey struct{ kind, name, detail string }

// warnAt records a warning under key; later ones with the same key only
// count, so a catalog full of one unknown element yields one line. Warnings
// are recorded in document order, so the one shown is the first.
func (f *findings) warnAt(key warningKey, at pos, format string, a ...any) {
	if i, ok := f.warnIdx[key]; ok {
		f.warns[i].count++
		return
	}
	if len(f.warns) >= maxWarnings {
		f.droppedWarns++
		return
	}
	f.warnIdx[key] = len(f.warns)
	f.warns = append(f.warns, warning{at: at, msg: fmt.Sprintf(format, a...), count: 1})
}

func (f *findings) warningStrings() []string {
	// Document order: the checks made after reading warn last.
	sort.SliceStable(f.warns, func(i, j int) bool { return f.warns[i].at.before(f.warns[j].at) })
	var out []string
	for _, w := range f.warns {
		p := Problem{File: f.name, Line: int(w.at.line), Column: int(w.at.col), Message: w.msg}
		s := p.String()
		if w.count > 1 {
			s += fmt.Sprintf(" (%d times; first shown)", w.count)
		}
		out = append(out, s)
	}
	if f.droppedWarns > 0 {
		out = append(out, fmt.Sprintf("%s: %d more distinct warnings not shown", f.name, f.droppedWarns))
	}
	return out
}

func (f *findings) validationError() *ValidationError {
	sort.SliceStable(f.problems, func(i, j int) bool {
		a, b := f.problems[i], f.problems[j]
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	ps := f.problems
	if f.dropped > 0 {
		ps = append(ps, Problem{File: f.name, Message: fmt.Sprintf("%d more problems not shown; fix the ones above first", f.dropped)})
	}
	return &ValidationError{File: f.name, Problems: ps, Warnings: f.warningStrings()}
}

func (p pos) before(q pos) bool {
	if p.line != q.line {
		return p.line < q.line
	}
	return p.col < q.col
}

// invalid is a ValidationError of one problem without a position.
func invalid(name, msg string) *ValidationError {
	return &ValidationError{File: name, Problems: []Problem{{File: name, Message: msg}}}
}
