package catalog

import (
	"bufio"
	"compress/flate"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// Limits of what the loader accepts. A real catalog is a few megabytes and
// seven elements deep; anything far beyond that is a mistake or an attack
// (a gzip bomb, a billion-laughs style nesting), refused before it can take
// the scanner's memory.
const (
	// DefaultMaxBytes bounds the decompressed size of a catalog. A small
	// gzip file can expand to the limit, so the limit is what an attacker
	// gets to spend: 64 MiB is three times the largest catalog the loader
	// is benchmarked with (20 MB). The document streams through the loader
	// and is not kept; what it turns into is bounded by the content budget
	// (budget.go), which holds a hostile catalog under 400 MB of memory.
	DefaultMaxBytes = 64 << 20
	// DefaultMaxDepth bounds element nesting.
	DefaultMaxDepth = 32
	// maxProblems bounds how many problems are collected; a hostile or
	// badly generated catalog could otherwise produce millions.
	maxProblems = 1000
	// maxWarnings bounds distinct warnings for the same reason.
	maxWarnings = 200
	// maxTags bounds the number of '<' in a document, and so the number of
	// elements: memory goes by element count more than by bytes (64 MiB of
	// "<x/>" would be 16 million elements). Real catalogs have about one
	// tag per 60 bytes, so 64 MiB of catalog stays well below this.
	maxTags = 2_000_000
)

// Options tune the loader; the zero value means the defaults.
type Options struct {
	MaxBytes int64 // decompressed document size limit (0 = DefaultMaxBytes)
	MaxDepth int   // element nesting limit (0 = DefaultMaxDepth)
}

func (o Options) withDefaults() Options {
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.MaxDepth <= 0 {
		o.MaxDepth = DefaultMaxDepth
	}
	return o
}

// Load reads, parses and validates a catalog. name is used in messages (a
// file name or "<stdin>"). Gzip-compressed input is recognised by its magic
// bytes. Any problem with the document is returned as a *ValidationError
// listing all of them; other errors are read errors.
func Load(r io.Reader, name string) (*Catalog, error) {
	return LoadOptions(r, name, Options{})
}

// LoadFile loads the catalog at path; "-" reads standard input. A name ending
// in .gz must hold gzip data; gzip data is also recognised under any name.
func LoadFile(path string) (*Catalog, error) {
	return LoadFileOptions(path, Options{})
}

// LoadFileOptions is LoadFile with explicit limits.
func LoadFileOptions(path string, o Options) (*Catalog, error) {
	if path == "-" {
		return LoadOptions(os.Stdin, "<stdin>", o)
	}
	r, f, err := openFile(path, o)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return LoadOptions(r, path, o)
}

// openFile opens a document for reading, with the checks that can be made
// before reading it: a .gz name holds gzip data, and an uncompressed file
// is not over the size limit.
func openFile(path string, o Options) (*bufio.Reader, *os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot open catalog: %w", err)
	}
	br := bufio.NewReader(f)
	magic, _ := br.Peek(2)
	if strings.HasSuffix(strings.ToLower(path), ".gz") && !isGzip(magic) {
		f.Close()
		return nil, nil, invalid(path, "the name ends in .gz but the file is not gzip data; rename it or compress it with gzip")
	}
	o = o.withDefaults()
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() && !isGzip(magic) && fi.Size() > o.MaxBytes {
		// Refused before reading, as reading would refuse it at the limit.
		f.Close()
		return nil, nil, tooLarge(path, o, false)
	}
	return br, f, nil
}

// LoadOptions is Load with explicit limits.
func LoadOptions(r io.Reader, name string, o Options) (*Catalog, error) {
	o = o.withDefaults()
	src, compressed, err := decompress(r, name)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	in := newInput(src, o.MaxBytes)
	doc := newDocReader(in, o.MaxDepth)
	defer doc.close() // also if the loader panics: the tokenizer must not leak
	l := newLoader(name, doc, contentBudget(o.MaxBytes))
	l.document()
	doc.close()
	if doc.failed() {
		in.drain()
	}
	if err := readError(doc, in, name, o, compressed); err != nil {
		return nil, err
	}
	if l.overBudgetAt != (pos{}) {
		return nil, l.overBudgetProblem(o.MaxBytes)
	}
	if err := rootError(doc, name); err != nil {
		return nil, err
	}
	return l.result()
}

// decompress returns the document r holds: r itself, or what it
// decompresses to when it starts with gzip's magic bytes.
func decompress(r io.Reader, name string) (src io.ReadCloser, compressed bool, err error) {
	br := bufio.NewReader(r)
	magic, _ := br.Peek(2)
	if !isGzip(magic) {
		return io.NopCloser(br), false, nil
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, true, invalid(name, fmt.Sprintf("bad gzip data: %v", err))
	}
	return zr, true, nil
}

// readError is what stopped reading a document, if anything: a limit or
// read error of the stream, or malformed XML. The stream's problems come
// first: they say more about the file than the first syntax error in it.
func readError(doc *docReader, in *input, name string, o Options, compressed bool) error {
	if err := in.streamError(); err != nil {
		return streamProblem(err, name, in, o, compressed)
	}
	if doc.syntax != nil {
		p := *doc.syntax
		p.File = name
		return &ValidationError{File: name, Problems: []Problem{p}}
	}
	return nil
}

// rootError says a document read to its end does not have exactly one root
// element.
func rootError(doc *docReader, name string) error {
	switch {
	case doc.roots == 0:
		return invalid(name, "no XML element found; a catalog starts with <BulletinDatastore>")
	case doc.roots > 1:
		// encoding/xml reads several top-level elements; XML does not.
		return invalid(name, "malformed XML: more than one root element")
	}
	return nil
}

func isGzip(b []byte) bool { return len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b }

// streamProblem words an error of the input stream: a limit, bad gzip data
// (a problem with the document) or a read error (not one).
func streamProblem(err error, name string, in *input, o Options, compressed bool) error {
	var corrupt flate.CorruptInputError
	switch {
	case errors.Is(err, errTooLarge):
		return tooLarge(name, o, compressed)
	case errors.Is(err, errTooManyTags):
		return invalid(name, fmt.Sprintf("the catalog has %d tags, more than the %d a catalog of up to %d MiB can have; refusing to load it", in.tags, maxTags, o.MaxBytes>>20))
	case compressed && (errors.As(err, &corrupt) || errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) || errors.Is(err, io.ErrUnexpectedEOF)):
		return invalid(name, fmt.Sprintf("bad gzip data: %v", err))
	}
	return fmt.Errorf("reading catalog %s: %w", name, err)
}

func tooLarge(name string, o Options, compressed bool) *ValidationError {
	what := "is larger"
	if compressed {
		what = "decompresses to more"
	}
	return invalid(name, fmt.Sprintf("the catalog %s than %d MiB; refusing to load it (a real catalog is a few MiB; check the file)", what, o.MaxBytes>>20))
}

// checkCharset accepts the encodings the loader reads correctly: UTF-8 and
// its ASCII subset. Anything else would be decoded as garbage.
func checkCharset(charset string, r io.Reader) (io.Reader, error) {
	switch strings.ToLower(charset) {
	case "utf-8", "utf8", "us-ascii", "ascii":
		return r, nil
	}
	return nil, fmt.Errorf("encoding %q is not supported; save the catalog as UTF-8", charset)
}
