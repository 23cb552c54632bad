package baseline

import (
	"bytes"
	"cmp"
	_ "embed"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/patchscan/patchscan/catalog"
)

// Problem is one thing wrong with a baseline, located in it: the catalog's
// problem type, so both render as file:line:col: message.
type Problem = catalog.Problem

// ValidationError says a baseline cannot be used. It lists every problem,
// not only the first, so an author fixes them in one round.
type ValidationError struct {
	File     string
	Problems []Problem
}

func (e *ValidationError) Error() string {
	if len(e.Problems) == 1 {
		return fmt.Sprintf("baseline %s is invalid: %s", e.File, e.Problems[0])
	}
	var b strings.Builder
	fmt.Fprintf(&b, "baseline %s is invalid (%d problems):", e.File, len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	return b.String()
}

// maxProblems bounds the problems listed; a file of garbage would
// otherwise list one per element.
const maxProblems = 200

// Load reads and validates a baseline. name is used in messages. Every
// problem is reported, with its line and column, in a *ValidationError.
func Load(r io.Reader, name string) (*Baseline, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading baseline %s: %w", name, err)
	}
	if len(data) > MaxSize {
		return nil, &ValidationError{File: name, Problems: []Problem{{File: name, Message: fmt.Sprintf("the file is larger than %d MiB; a baseline is a few dozen KB", MaxSize>>20)}}}
	}
	return parse(data, name)
}

// LoadFile loads a baseline file.
func LoadFile(path string) (*Baseline, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening baseline: %w", err)
	}
	defer f.Close()
	return Load(f, path)
}

func parse(data []byte, name string) (*Baseline, error) {
	data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
	root, serr := parseTree(data)
	if serr != nil {
		return nil, &ValidationError{File: name, Problems: []Problem{{File: name, Line: serr.line, Column: serr.col, Message: serr.msg}}}
	}
	d := &decoder{file: name}
	b := d.baseline(root)
	if len(d.problems) > 0 {
		// In document order, as an editor lists them.
		slices.SortStableFunc(d.problems, func(a, b Problem) int {
			return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
		})
		return nil, &ValidationError{File: name, Problems: d.problems}
	}
	b.Source = name
	return b, nil
}

//go:embed default.xml
var defaultXML []byte

var defaultOnce = sync.OnceValues(func() (*Baseline, error) {
	return parse(defaultXML, "<embedded>")
})

// Default returns the embedded default baseline. It is shared: treat it as
// read-only. Its tests make an error here impossible in a release.
func Default() (*Baseline, error) { return defaultOnce() }

// DefaultXML returns the embedded baseline's source, for `baseline show`
// and for authors starting their own.
func DefaultXML() []byte { return bytes.Clone(defaultXML) }
