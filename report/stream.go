package report

import (
	"bufio"
	"fmt"
	"io"
)

// stream is what the sinks writing to stdout as hosts finish (XML, JSON
// Lines, text) share: Write and Close serialized, each host's bytes written
// and flushed at once (a reader at the other end of a pipe sees every host
// as it finishes), the first write error kept (later writes are pointless),
// Close done once.
type stream struct {
	guard
	w    *bufio.Writer
	what string // "XML report", for error messages
	err  error
}

func newStream(w io.Writer, what string) stream {
	return stream{w: bufio.NewWriter(w), what: what}
}

// write emits what render produces for one host.
func (s *stream) write(render func() ([]byte, error)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if s.err != nil {
		return s.err
	}
	p, err := render()
	if err != nil {
		s.err = fmt.Errorf("writing %s: %w", s.what, err)
		return s.err
	}
	return s.emit(p)
}

// close ends the stream, emitting what tail produces (closing tags); a
// nil tail emits nothing. A second close does nothing.
func (s *stream) close(tail func() []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if s.err != nil || tail == nil {
		return s.err
	}
	return s.emit(tail())
}

func (s *stream) emit(p []byte) error {
	if _, err := s.w.Write(p); err != nil {
		s.err = fmt.Errorf("writing %s: %w", s.what, err)
		return s.err
	}
	if err := s.w.Flush(); err != nil {
		s.err = fmt.Errorf("writing %s: %w", s.what, err)
	}
	return s.err
}
