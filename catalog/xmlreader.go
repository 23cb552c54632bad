package catalog

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
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
// Token's namespace bookkeeping costs time. docReader checks what Token would
// on top of RawToken (end tags match start tags, nothing is left open) with
// Token's messages, and the nesting limit.

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
	dec  *xml.Decoder
	in   *input
	open []xml.Name // elements entered and not closed, outermost first
	// elems[d] is handed out for the element entered at depth d+1 and
	// reused for its next sibling: one allocation per level, not per
	// element.
	elems    []*element
	maxDepth int
	roots    int // top-level elements seen
	// Reading stops at the first of these.
	syntax  *Problem // malformed XML or nesting too deep
	stopped bool     // a limit or read error of the input, or the loader's content budget
}

func newDocReader(in *input, maxDepth int) *docReader {
	dec := xml.NewDecoder(in) // in is an io.ByteReader: no second buffer
	dec.CharsetReader = checkCharset
	return &docReader{dec: dec, in: in, maxDepth: maxDepth}
}

// failed says reading has stopped on an error.
func (r *docReader) failed() bool { return r.syntax != nil || r.stopped }

// stop ends reading for a reason the loader reports.
func (r *docReader) stop() { r.stopped = true }

// depth is how many elements are open.
func (r *docReader) depth() int { return len(r.open) }

// child returns the next child element of the innermost open element (or
// the next top-level element), or false when that element ends, the
// document ends or reading fails.
func (r *docReader) child() (*element, bool) {
	for !r.failed() {
		// Before the token is read, the decoder stands at its first byte:
		// for a start tag, its '<'.
		line, byteCol := r.dec.InputPos()
		at := pos{clampInt32(line), clampInt32(byteCol - r.in.cont)}
		tok, err := r.dec.RawToken()
		if err != nil {
			r.tokenError(err)
			return nil, false
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return r.enter(t, at)
		case xml.EndElement:
			r.leave(t.Name)
			return nil, false
		}
		// Text, comments, processing instructions and directives carry
		// nothing the format uses.
	}
	return nil, false
}

func (r *docReader) enter(t xml.StartElement, at pos) (*element, bool) {
	if len(r.open) == 0 {
		r.roots++
	}
	r.open = append(r.open, t.Name)
	if len(r.open) > r.maxDepth {
		r.syntaxAt(fmt.Sprintf("elements are nested more than %d deep; a catalog needs 7 levels, so this is not a catalog", r.maxDepth))
		return nil, false
	}
	d := len(r.open) - 1
	if d == len(r.elems) {
		r.elems = append(r.elems, new(element))
	}
	e := r.elems[d]
	*e = element{name: t.Name, attr: t.Attr, at: at}
	return e, true
}

// leave closes the innermost element, checking the end tag names it the
// way encoding/xml's Token does.
func (r *docReader) leave(name xml.Name) {
	if len(r.open) == 0 {
		r.syntaxAt("malformed XML: unexpected end element </" + name.Local + ">")
		return
	}
	top := r.open[len(r.open)-1]
	switch {
	case top.Local != name.Local:
		r.syntaxAt("malformed XML: element <" + top.Local + "> closed by </" + name.Local + ">")
		return
	case top.Space != name.Space:
		space := name.Space
		if space == "" {
			space = `""`
		}
		r.syntaxAt("malformed XML: element <" + top.Local + "> in space " + top.Space + " closed by </" + name.Local + "> in space " + space)
		return
	}
	r.open = r.open[:len(r.open)-1]
}

// skip reads the rest of the element last entered.
func (r *docReader) skip() {
	for depth := len(r.open); len(r.open) >= depth && !r.failed(); {
		r.child()
	}
}

// tokenError records why RawToken stopped.
func (r *docReader) tokenError(err error) {
	var se *xml.SyntaxError
	switch {
	case err == io.EOF:
		if len(r.open) > 0 {
			r.syntaxAt("malformed XML: unexpected EOF")
		}
	case r.in.streamError() != nil: // the loader reports it
		r.stop()
	case errors.As(err, &se):
		r.syntaxAt("malformed XML: " + se.Msg)
	default: // an encoding declaration refused by checkCharset
		r.syntaxAt("malformed XML: " + err.Error())
	}
}

// syntaxAt records a problem that ends reading, where the decoder stands.
func (r *docReader) syntaxAt(msg string) {
	line, col := r.dec.InputPos()
	r.syntax = &Problem{Line: line, Column: col, Message: msg}
}

// finish reads whatever follows the root element: comments, white space,
// and anything malformed or a second root, which are errors.
func (r *docReader) finish() {
	for !r.failed() {
		if _, ok := r.child(); !ok {
			if r.depth() == 0 && !r.failed() {
				// child returned false at the top: the document ended
				// (an end tag there would have failed).
				return
			}
			continue
		}
		r.skip() // a second root: read on, syntax errors come first
	}
}
