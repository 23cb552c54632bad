package catalog

import (
	"encoding/xml"
	"io"
	"os"
)

// Stream reads a document of outside data element by element, the way the
// loader reads a catalog: gzip recognised by its magic bytes, the size, tag
// and nesting limits of Options, UTF-8 only, every element with its line
// and column (in characters), and nothing of the document kept but the
// element being read. Importers of other catalog formats (Microsoft's
// mssecure.xml) parse with it, so a hostile document meets the same
// defences whichever door it comes in by.
//
// Use: Child returns the next child of the element last entered (the root
// first); read each element to its end with Child or Skip; then Finish.
// The document is tokenized on a goroutine of its own (as the loader
// does): defer Close, so that it ends however the caller returns.
type Stream struct {
	name       string
	o          Options
	src        io.ReadCloser
	file       *os.File
	compressed bool
	in         *input
	doc        *docReader
	el         StreamElement
	closed     bool
}

// StreamElement is a start tag: its name, its attributes as written and
// where it begins. Child reuses it for the next element.
type StreamElement struct {
	Name      xml.Name
	Attr      []xml.Attr
	Line, Col int
}

// Value returns the value of an unprefixed attribute and whether it is
// present.
func (e *StreamElement) Value(name string) (string, bool) {
	for _, a := range e.Attr {
		if a.Name.Space == "" && a.Name.Local == name {
			return a.Value, true
		}
	}
	return "", false
}

// NewStream starts reading r; name is used in messages.
func NewStream(r io.Reader, name string, o Options) (*Stream, error) {
	o = o.withDefaults()
	src, compressed, err := decompress(r, name)
	if err != nil {
		return nil, err
	}
	in := newInput(src, o.MaxBytes)
	return &Stream{name: name, o: o, src: src, compressed: compressed, in: in, doc: newDocReader(in, o.MaxDepth)}, nil
}

// OpenStream starts reading the file at path ("-" is standard input), with
// the checks LoadFile makes before reading: a .gz name holds gzip data, an
// uncompressed file is not over the size limit.
func OpenStream(path string, o Options) (*Stream, error) {
	if path == "-" {
		return NewStream(os.Stdin, "<stdin>", o)
	}
	r, f, err := openFile(path, o)
	if err != nil {
		return nil, err
	}
	s, err := NewStream(r, path, o)
	if err != nil {
		f.Close()
		return nil, err
	}
	s.file = f
	return s, nil
}

// Child returns the next child element of the element last entered (or the
// root), or false when that element ends, the document ends or reading
// stopped.
func (s *Stream) Child() (*StreamElement, bool) {
	e, ok := s.doc.child()
	if !ok {
		return nil, false
	}
	s.el = StreamElement{Name: e.name, Attr: e.attr, Line: int(e.at.line), Col: int(e.at.col)}
	return &s.el, true
}

// Skip reads the rest of the element last entered.
func (s *Stream) Skip() { s.doc.skip() }

// Stop ends reading early, for a reason of the caller's (a budget of its
// own); Finish then reports only what the stream itself found.
func (s *Stream) Stop() { s.doc.stop() }

// Failed says reading has stopped.
func (s *Stream) Failed() bool { return s.doc.failed() }

// Finish reads whatever follows the root element and closes the stream. It
// returns a *ValidationError when the document is malformed, over a limit
// or does not have exactly one root element, another error when it could
// not be read, and nil otherwise.
func (s *Stream) Finish() error {
	s.doc.finish()
	defer s.Close()
	s.doc.close()
	if s.doc.failed() {
		s.in.drain()
	}
	if err := readError(s.doc, s.in, s.name, s.o, s.compressed); err != nil {
		return err
	}
	if s.doc.stopped {
		return nil // the caller stopped: it reports why
	}
	return rootError(s.doc, s.name)
}

// Close stops reading and releases the document; it may be called more
// than once, and after Finish.
func (s *Stream) Close() {
	if s.closed {
		return
	}
	s.closed = true
	s.doc.close()
	s.src.Close()
	if s.file != nil {
		s.file.Close()
	}
}
