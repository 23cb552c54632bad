package catalog

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync/atomic"

	"github.com/beevik/etree"
)

// Limits of what the loader accepts. A real catalog is a few megabytes and
// seven elements deep; anything far beyond that is a mistake or an attack
// (a gzip bomb, a billion-laughs style nesting), refused before it can take
// the scanner's memory.
const (
	// DefaultMaxBytes bounds the decompressed size of a catalog. Loading
	// can take about ten times the document's size in memory, and a small
	// gzip file can expand to the limit, so the limit is what an attacker
	// gets to spend: 64 MiB is three times the largest catalog the loader
	// is benchmarked with (20 MB) and a few hundred MiB of memory at worst.
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
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot open catalog: %w", err)
	}
	defer f.Close()
	br := bufio.NewReader(f)
	var hint int64
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
		hint = fi.Size()
	}
	if strings.HasSuffix(strings.ToLower(path), ".gz") {
		if magic, _ := br.Peek(2); !isGzip(magic) {
			return nil, &ValidationError{File: path, Problems: []Problem{{File: path,
				Message: "the name ends in .gz but the file is not gzip data; rename it or compress it with gzip"}}}
		}
	}
	return loadSized(br, path, o, hint)
}

// LoadOptions is Load with explicit limits.
func LoadOptions(r io.Reader, name string, o Options) (*Catalog, error) {
	var hint int64
	if l, ok := r.(interface{ Len() int }); ok { // bytes.Reader, strings.Reader, bytes.Buffer
		hint = int64(l.Len())
	}
	return loadSized(r, name, o, hint)
}

// loadSized loads with a hint of the input's size, so reading it does not
// copy a large document over and over while growing a buffer.
func loadSized(r io.Reader, name string, o Options, hint int64) (*Catalog, error) {
	o = o.withDefaults()
	data, err := readAll(r, name, o.MaxBytes, hint)
	if err != nil {
		return nil, err
	}
	return parse(data, name, o)
}

func isGzip(b []byte) bool { return len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b }

// readAll reads the whole document, decompressing gzip, and refuses more
// than max bytes of XML. Reading one byte past the limit tells "exactly at
// the limit" from "over it" without buffering the excess.
func readAll(r io.Reader, name string, max, hint int64) ([]byte, error) {
	br := bufio.NewReader(r)
	magic, _ := br.Peek(2)
	var src io.Reader = br
	compressed := isGzip(magic)
	if compressed {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, invalid(name, fmt.Sprintf("bad gzip data: %v", err))
		}
		defer zr.Close()
		src = zr
	}
	var buf bytes.Buffer
	if !compressed && hint > 0 {
		// ReadFrom wants MinRead bytes free before each read, EOF included.
		buf.Grow(int(min(hint, max)) + bytes.MinRead)
	}
	_, err := buf.ReadFrom(io.LimitReader(src, max+1))
	data := buf.Bytes()
	if err != nil {
		var corrupt flate.CorruptInputError
		if compressed && (errors.As(err, &corrupt) || errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) || errors.Is(err, io.ErrUnexpectedEOF)) {
			return nil, invalid(name, fmt.Sprintf("bad gzip data: %v", err))
		}
		return nil, fmt.Errorf("reading catalog %s: %w", name, err)
	}
	if int64(len(data)) > max {
		what := "is larger"
		if compressed {
			what = "decompresses to more"
		}
		return nil, invalid(name, fmt.Sprintf("the catalog %s than %d MiB; refusing to load it (a real catalog is a few MiB; check the file)", what, max>>20))
	}
	return data, nil
}

func invalid(name, msg string) *ValidationError {
	return &ValidationError{File: name, Problems: []Problem{{File: name, Message: msg}}}
}

// passCharset accepts any declared encoding without conversion; used only
// after checkCharset has vetted the document.
func passCharset(_ string, r io.Reader) (io.Reader, error) { return r, nil }

// checkCharset accepts the encodings the loader reads correctly: UTF-8 and
// its ASCII subset. Anything else would be decoded as garbage.
func checkCharset(charset string, r io.Reader) (io.Reader, error) {
	switch strings.ToLower(charset) {
	case "utf-8", "utf8", "us-ascii", "ascii":
		return r, nil
	}
	return nil, fmt.Errorf("encoding %q is not supported; save the catalog as UTF-8", charset)
}

// parse turns a whole document into a validated catalog: in parallel chunks
// when the structure scan allows it, else in one piece.
func parse(data []byte, name string, o Options) (*Catalog, error) {
	if n := bytes.Count(data, []byte{'<'}); n > maxTags {
		return nil, invalid(name, fmt.Sprintf("the catalog has %d tags, more than the %d a catalog of up to %d MiB can have; refusing to load it", n, maxTags, o.MaxBytes>>20))
	}
	if st, ok := scanStructure(data, o.MaxDepth); ok && len(st.sections) > 0 {
		if c, err, ok := parseChunked(data, name, o, st); ok {
			return c, err
		}
	}
	return parseWhole(data, name, o)
}

func newDocument(maxDepth int) *etree.Document {
	doc := etree.NewDocument()
	doc.ReadSettings = etree.ReadSettings{
		CharsetReader:          checkCharset,
		PreserveDuplicateAttrs: true, // so duplicates can be reported, not silently dropped
		MaxDepth:               maxDepth,
	}
	return doc
}

// root checks a parsed document has exactly one root element.
func root(doc *etree.Document, name string, data []byte, o Options) (*etree.Element, error) {
	roots := doc.ChildElements()
	switch {
	case len(roots) == 0:
		return nil, invalid(name, "no XML element found; a catalog starts with <BulletinDatastore>")
	case len(roots) > 1:
		// encoding/xml tolerates several top-level elements; XML does not.
		p := syntaxProblem(name, data, o.MaxDepth, errors.New("more than one root element"))
		p.Message = "malformed XML: more than one root element"
		return nil, &ValidationError{File: name, Problems: []Problem{p}}
	}
	return roots[0], nil
}

// parseWhole parses the document in one piece. It is the fallback, and the
// path that reports syntax errors with their position.
func parseWhole(data []byte, name string, o Options) (*Catalog, error) {
	doc := newDocument(o.MaxDepth)
	if err := doc.ReadFromBytes(data); err != nil {
		return nil, &ValidationError{File: name, Problems: []Problem{syntaxProblem(name, data, o.MaxDepth, err)}}
	}
	r, err := root(doc, name, data, o)
	if err != nil {
		return nil, err
	}
	l := newLoader(name, data)
	offs, ok := startTags(data)
	if ok {
		l.setTags(offs)
		ok = l.index([]*etree.Element{r}, [][2]int{{0, len(offs)}})
	}
	if !ok {
		offs, err := startTagsExact(data)
		if err != nil {
			return nil, invalid(name, "malformed XML: "+err.Error())
		}
		l.setTags(offs)
		if !l.index([]*etree.Element{r}, [][2]int{{0, len(offs)}}) {
			// Positions are only for messages; carry on without them.
			l.offs, l.lines, l.pos = nil, nil, nil
		}
	}
	l.decode(r, nil)
	return l.result()
}

// chunkDoc is one parsed chunk, with its elements' positions.
type chunkDoc struct {
	sub *loader // the chunk's decoded bulletins and problems
	err error
}

// parseChunked parses the skeleton and the <Bulletins> chunks. ok is false
// when the result cannot be trusted to equal a whole parse (a chunk failed
// to parse or to line up with the scan); the caller then parses whole.
func parseChunked(data []byte, name string, o Options, st structure) (c *Catalog, err error, ok bool) {
	// The skeleton is the document with each section's content cut out.
	var skel []byte
	var skelRanges [][2]int
	prevEnd, prevHi := 0, 0
	for _, s := range st.sections {
		skel = append(skel, data[prevEnd:s.start]...)
		skelRanges = append(skelRanges, [2]int{prevHi, s.lo})
		prevEnd, prevHi = s.end, s.hi
	}
	skel = append(skel, data[prevEnd:]...)
	skelRanges = append(skelRanges, [2]int{prevHi, len(st.offs)})

	doc := newDocument(o.MaxDepth)
	if doc.ReadFromBytes(skel) != nil {
		return nil, nil, false
	}
	r, err := root(doc, name, data, o)
	if err != nil {
		return nil, err, true
	}
	l := newLoader(name, data)
	l.setTags(st.offs)
	if !l.index([]*etree.Element{r}, skelRanges) {
		return nil, nil, false
	}

	chunks := st.chunks(chunkSize)
	workers := runtime.GOMAXPROCS(0)
	results := make([]chan chunkDoc, len(chunks))
	for i := range results {
		results[i] = make(chan chunkDoc, 1)
	}
	// At most workers+1 chunk trees exist at once: that bounds memory.
	slots := make(chan struct{}, workers+1)
	var cancelled atomic.Bool
	go func() {
		for i, ch := range chunks {
			slots <- struct{}{}
			go func() {
				if cancelled.Load() {
					results[i] <- chunkDoc{err: errors.New("cancelled")}
					return
				}
				// Chunks start two levels down (root, <Bulletins>).
				results[i] <- l.parseChunk(ch, max(o.MaxDepth-2, 1))
			}()
		}
	}()

	good := true
	consumed := false
	drain := func(keep bool) {
		for i := range chunks {
			res := <-results[i]
			if res.err != nil {
				good = false
				cancelled.Store(true)
			} else if good && keep {
				l.merge(res.sub)
			}
			<-slots
		}
		consumed = true
	}
	l.decode(r, func() { drain(true) })
	if !consumed {
		// decode gave up before the bulletins (wrong root element), as a
		// whole parse would; the parsers must still be waited for.
		// If a chunk fails to parse the document is malformed, and the
		// whole parse (below, on !good) reports where.
		drain(false)
	}
	if !good {
		return nil, nil, false
	}
	c, err = l.result()
	return c, err, true
}

// chunkSize is the target size of a parallel chunk: large enough that
// per-chunk overhead is noise, small enough to spread work and bound memory.
// A variable so tests can exercise many chunks with a small document.
var chunkSize = 1 << 20

func (l *loader) parseChunk(ch chunk, maxDepth int) chunkDoc {
	elems, ok := fastParse(l.data[ch.start:ch.end], maxDepth)
	if !ok {
		doc := newDocument(maxDepth)
		if err := doc.ReadFromBytes(l.data[ch.start:ch.end]); err != nil {
			return chunkDoc{err: err}
		}
		elems = doc.ChildElements()
	}
	pos, ok := l.indexInto(elems, [][2]int{{ch.lo, ch.hi}})
	if !ok {
		return chunkDoc{err: errors.New("chunk does not line up with the structure scan")}
	}
	sub := l.fork()
	sub.pos = pos
	for _, e := range elems {
		sub.bulletinOrUnknown(e)
	}
	return chunkDoc{sub: sub}
}

func (l *loader) setTags(offs []int) {
	l.offs = offs
	l.lines = linesOf(l.data, offs)
}

// index pairs the elements of the trees under roots, in pre-order, with the
// start tags offs[lo:hi] of each range in turn, checking tag names.
func (l *loader) index(roots []*etree.Element, ranges [][2]int) bool {
	pos, ok := l.indexInto(roots, ranges)
	l.pos = pos
	return ok
}

func (l *loader) indexInto(roots []*etree.Element, ranges [][2]int) (map[*etree.Element]int32, bool) {
	n := 0
	for _, r := range ranges {
		n += r[1] - r[0]
	}
	pos := make(map[*etree.Element]int32, n)
	ri := 0
	next := 0
	if len(ranges) > 0 {
		next = ranges[0][0]
	}
	stack := make([]*etree.Element, 0, 16)
	for i := len(roots) - 1; i >= 0; i-- {
		stack = append(stack, roots[i])
	}
	for len(stack) > 0 {
		e := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for ri < len(ranges) && next >= ranges[ri][1] {
			ri++
			if ri < len(ranges) {
				next = ranges[ri][0]
			}
		}
		if ri == len(ranges) || !tagAt(l.data, l.offs[next], e) {
			return pos, false
		}
		pos[e] = int32(next)
		next++
		for i := len(e.Child) - 1; i >= 0; i-- {
			if k, ok := e.Child[i].(*etree.Element); ok {
				stack = append(stack, k)
			}
		}
	}
	for ri < len(ranges) && next >= ranges[ri][1] {
		ri++
		if ri < len(ranges) {
			next = ranges[ri][0]
		}
	}
	return pos, ri == len(ranges)
}

// tagAt says whether the start tag at off names element e.
func tagAt(data []byte, off int, e *etree.Element) bool {
	rest := data[off+1:]
	tag := e.Tag
	if e.Space != "" {
		if !bytes.HasPrefix(rest, []byte(e.Space)) || len(rest) <= len(e.Space) || rest[len(e.Space)] != ':' {
			return false
		}
		rest = rest[len(e.Space)+1:]
	}
	if !bytes.HasPrefix(rest, []byte(tag)) || len(rest) == len(tag) {
		return false
	}
	switch rest[len(tag)] {
	case ' ', '\t', '\n', '\r', '/', '>':
		return true
	}
	return false
}
