package catalog

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
)

// The tokenizer turns the document into start and end tag events, on its
// own goroutine: encoding/xml takes about 60% of a load's CPU, building the
// model the rest, so the two overlap on a machine with two cores. Events
// travel in batches, a few at a time, so the hand-over costs little and
// memory stays bounded.

// event is a start tag (with its attributes and where it begins) or an end
// tag.
type event struct {
	start bool
	name  xml.Name
	attr  []xml.Attr
	at    pos
}

const (
	batchSize     = 512 // events per hand-over
	batchesQueued = 4   // hand-overs the tokenizer may be ahead by
)

// tokenizer reads the document with encoding/xml's RawToken, checking what
// Token would (end tags match, nothing left open; with Token's messages)
// and the nesting limit.
type tokenizer struct {
	dec      *xml.Decoder
	in       *input
	open     []xml.Name // elements open, outermost first
	maxDepth int

	batches chan []event // to the reader; closed at the end
	free    chan []event // batches the reader is done with
	quit    chan struct{}
	// Set before batches is closed, read after: why the events ended,
	// when not at the end of a well-formed document.
	syntax  *Problem // malformed XML or nesting too deep
	stopped bool     // a limit or read error of the input (input says which)
}

func newTokenizer(in *input, maxDepth int) *tokenizer {
	dec := xml.NewDecoder(in) // in is an io.ByteReader: no second buffer
	dec.CharsetReader = checkCharset
	return &tokenizer{
		dec: dec, in: in, maxDepth: maxDepth,
		batches: make(chan []event, batchesQueued),
		free:    make(chan []event, batchesQueued+2),
		quit:    make(chan struct{}),
	}
}

// run sends the document's events until it ends, fails or quit is closed.
func (t *tokenizer) run() {
	defer close(t.batches)
	batch := make([]event, 0, batchSize)
	for {
		ev, ok := t.next()
		if ok {
			batch = append(batch, ev)
		}
		if !ok && len(batch) == 0 {
			return
		}
		if !ok || len(batch) == batchSize {
			select {
			case t.batches <- batch:
			case <-t.quit:
				return
			}
			if !ok {
				return
			}
			select {
			case batch = <-t.free:
				batch = batch[:0]
			default:
				batch = make([]event, 0, batchSize)
			}
		}
	}
}

// next returns the next start or end tag; false when the document ends or
// reading fails.
func (t *tokenizer) next() (event, bool) {
	for {
		// Before the token is read, the decoder stands at its first byte:
		// for a start tag, its '<'.
		line, byteCol := t.dec.InputPos()
		at := pos{clampInt32(line), clampInt32(byteCol - t.in.cont)}
		tok, err := t.dec.RawToken()
		if err != nil {
			t.tokenError(err)
			return event{}, false
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			t.open = append(t.open, tk.Name)
			if len(t.open) > t.maxDepth {
				t.syntaxAt(fmt.Sprintf("elements are nested more than %d deep; a catalog needs 7 levels, so this is not a catalog", t.maxDepth))
				return event{}, false
			}
			return event{start: true, name: tk.Name, attr: tk.Attr, at: at}, true
		case xml.EndElement:
			if !t.close(tk.Name) {
				return event{}, false
			}
			return event{name: tk.Name}, true
		}
		// Text, comments, processing instructions and directives carry
		// nothing the format uses.
	}
}

// close closes the innermost element, checking the end tag names it.
func (t *tokenizer) close(name xml.Name) bool {
	if len(t.open) == 0 {
		t.syntaxAt("malformed XML: unexpected end element </" + name.Local + ">")
		return false
	}
	top := t.open[len(t.open)-1]
	switch {
	case top.Local != name.Local:
		t.syntaxAt("malformed XML: element <" + top.Local + "> closed by </" + name.Local + ">")
		return false
	case top.Space != name.Space:
		space := name.Space
		if space == "" {
			space = `""`
		}
		t.syntaxAt("malformed XML: element <" + top.Local + "> in space " + top.Space + " closed by </" + name.Local + "> in space " + space)
		return false
	}
	t.open = t.open[:len(t.open)-1]
	return true
}

// tokenError records why RawToken stopped.
func (t *tokenizer) tokenError(err error) {
	var se *xml.SyntaxError
	switch {
	case err == io.EOF:
		if len(t.open) > 0 {
			t.syntaxAt("malformed XML: unexpected EOF")
		}
	case t.in.streamError() != nil: // the loader reports it
		t.stopped = true
	case errors.As(err, &se):
		t.syntaxAt("malformed XML: " + se.Msg)
	default: // an encoding declaration refused by checkCharset
		t.syntaxAt("malformed XML: " + err.Error())
	}
}

// syntaxAt records a problem that ends reading, where the decoder stands.
func (t *tokenizer) syntaxAt(msg string) {
	line, col := t.dec.InputPos()
	t.syntax = &Problem{Line: line, Column: col, Message: msg}
}
