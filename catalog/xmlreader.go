package catalog

import (
	"encoding/xml"
	"math"
)

// The loader reads a catalog in one pass of encoding/xml's RawToken, straight
// into the model: no document tree and no copy of the document is kept, so
// memory goes by what the catalog defines, not by its size, and every element
// gets its position (InputPos) at the moment it is read.
//
// RawToken rather than Token: Token translates namespace prefixes into URLs,
// but the format's namespace rule is about prefixes (an unprefixed element is
// a catalog element, a prefixed one is unknown, whatever xmlns says), and
// Token's namespace bookkeeping costs time. The tokenizer (tokens.go) checks
// what Token would on top of RawToken (end tags match start tags, nothing is
// left open) with Token's messages, and the nesting limit, on a goroutine of
// its own; docReader hands its events to the loader.

// element is a start tag: its name, its attributes and where it begins.
type element struct {
	name xml.Name
	attr []xml.Attr
	at   pos
}

// tag is the element's name as written, with its prefix.
func (e *element) tag() string { return fullName(e.name) }

func fullName(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}

// pos is a 1-based line and column (in characters) in the document; 0 when
// unknown. int32 keeps the many positions the loader stores small.
type pos struct{ line, col int32 }

func clampInt32(n int) int32 { return int32(min(n, math.MaxInt32)) }

// docReader hands the loader one element at a time. The loader descends
// with it: child returns the next child element of the element last
// entered (entering it), or false once that element is closed. Whoever gets
// an element from child must read it to its end, with child or skip, and
// not keep the *element past that: the next sibling reuses it.
type docReader struct {
	t     *tokenizer
	done  chan struct{} // closed when the tokenizer has returned
	batch []event
	next  int // in batch
	ended bool

	depth int // elements entered and not closed
	roots int // top-level elements seen
	// elems[d] is handed out for the element entered at depth d+1 and
	// reused for its next sibling: one allocation per level, not per
	// element.
	elems []*element
	// Reading stops at the first of these.
	syntax  *Problem // malformed XML or nesting too deep
	stopped bool     // a limit or read error of the input, or the loader's content budget
}

// newDocReader starts reading in; close must be called.
func newDocReader(in *input, maxDepth int) *docReader {
	r := &docReader{t: newTokenizer(in, maxDepth), done: make(chan struct{})}
	go func() {
		defer close(r.done)
		r.t.run()
	}()
	return r
}

// close stops the tokenizer if it is still reading and waits for it, so
// that the input is the caller's again. It may be called more than once.
func (r *docReader) close() {
	select {
	case <-r.t.quit:
	default:
		close(r.t.quit)
	}
	<-r.done
}

// failed says reading has stopped on an error.
func (r *docReader) failed() bool { return r.syntax != nil || r.stopped }

// stop ends reading for a reason the loader reports.
func (r *docReader) stop() { r.stopped = true }

// event returns the next event, false once there are none (the document
// ended, or reading failed or was stopped).
func (r *docReader) event() (event, bool) {
	if r.stopped {
		return event{}, false
	}
	for r.next == len(r.batch) {
		if r.ended {
			return event{}, false
		}
		if r.batch != nil {
			select {
			case r.t.free <- r.batch:
			default:
			}
		}
		batch, ok := <-r.t.batches
		if !ok {
			// The tokenizer is done: its results are safe to read.
			r.ended, r.syntax = true, r.t.syntax
			r.stopped = r.stopped || r.t.stopped
			r.batch, r.next = nil, 0
			return event{}, false
		}
		r.batch, r.next = batch, 0
	}
	ev := r.batch[r.next]
	r.next++
	return ev, true
}

// child returns the next child element of the innermost open element (or
// the next top-level element), or false when that element ends, the
// document ends or reading fails.
func (r *docReader) child() (*element, bool) {
	ev, ok := r.event()
	switch {
	case !ok:
		return nil, false
	case !ev.start:
		r.depth--
		return nil, false
	}
	if r.depth == 0 {
		r.roots++
	}
	if r.depth == len(r.elems) {
		r.elems = append(r.elems, new(element))
	}
	e := r.elems[r.depth]
	r.depth++
	*e = element{name: ev.name, attr: ev.attr, at: ev.at}
	return e, true
}

// skip reads the rest of the element last entered.
func (r *docReader) skip() {
	for depth := r.depth; r.depth >= depth && !r.ended && !r.stopped; {
		r.child()
	}
}

// finish reads whatever follows the root element: comments, white space,
// and anything malformed or a second root, which are errors.
func (r *docReader) finish() {
	for !r.ended && !r.stopped {
		if _, ok := r.child(); ok {
			r.skip() // a second root: read on, syntax errors come first
		}
	}
}
