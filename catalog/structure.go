package catalog

import (
	"bytes"
)

// Loading a 20 MB catalog must take under a second and 300 MB on a 2-core
// machine. etree (over encoding/xml) parses about 15 MB/s there and builds a
// tree ten times the document's size, so one big parse is both too slow and
// too large. Instead the structure scanner below cuts the <Bulletins>
// content (nearly all of a catalog) into chunks at <Bulletin> boundaries;
// the chunks are parsed by etree in parallel and each chunk's tree is
// dropped as soon as it has been decoded. The rest of the document (the
// "skeleton") is parsed on its own. If anything about the document
// surprises the scanner, the loader falls back to one whole-document parse,
// which is also what reports syntax errors.

// structure is what the scanner learned about a document.
type structure struct {
	offs     []int  // offset of every start tag's '<', document order
	sections []span // content of each <Bulletins> section
}

// span is a byte range [start, end) of the document with the start tags in
// it: offs[lo:hi].
type span struct {
	start, end int
	lo, hi     int
	// splits are the offsets of the section's child elements' start tags,
	// the places a section may be cut.
	splits []int
}

// scanStructure finds every start tag and the <Bulletins> sections, checking
// that end tags match start tags and that nesting stays within maxDepth. ok
// is false when the document is not what a catalog looks like (or is not
// well-formed); the caller then parses it whole.
func scanStructure(data []byte, maxDepth int) (st structure, ok bool) {
	var stack [][]byte
	i := 0
	inSection := -1
	for {
		j := bytes.IndexByte(data[i:], '<')
		if j < 0 {
			return st, len(stack) == 0 && inSection < 0
		}
		i += j
		kind, k := skipMarkup(data, i)
		switch kind {
		case endTag:
			if k < 0 || len(stack) == 0 {
				return st, false
			}
			name := bytes.TrimRight(data[i+2:k-1], " \t\r\n")
			if !bytes.Equal(name, stack[len(stack)-1]) {
				return st, false
			}
			stack = stack[:len(stack)-1]
			if len(stack) == 1 && inSection >= 0 {
				st.sections[inSection].end = i
				st.sections[inSection].hi = len(st.offs)
				inSection = -1
			}
		case startTag:
			if k < 0 {
				return st, false
			}
			n := tagName(data[i+1 : k])
			if len(n) == 0 {
				return st, false
			}
			if len(stack) == 2 && inSection >= 0 {
				s := &st.sections[inSection]
				s.splits = append(s.splits, i)
			}
			st.offs = append(st.offs, i)
			if data[k-2] != '/' { // not self-closing
				stack = append(stack, n)
				if len(stack) > maxDepth {
					return st, false
				}
				if len(stack) == 2 && string(n) == "Bulletins" {
					inSection = len(st.sections)
					st.sections = append(st.sections, span{start: k, lo: len(st.offs)})
				}
			}
		}
		if k < 0 {
			return st, false
		}
		i = k
	}
}

// tagName returns the name at the start of a start tag's body.
func tagName(b []byte) []byte {
	for i, c := range b {
		switch c {
		case ' ', '\t', '\r', '\n', '/', '>':
			return b[:i]
		}
	}
	return b
}

// chunk is a piece of a <Bulletins> section holding whole child elements.
type chunk struct {
	span
	section int
}

// chunks cuts each section into pieces of about size bytes.
func (st *structure) chunks(size int) []chunk {
	var out []chunk
	for si, s := range st.sections {
		start, lo := s.start, s.lo
		for n, split := range s.splits {
			if split-start < size || n == 0 {
				continue
			}
			hi := lo + countBetween(st.offs[lo:s.hi], split)
			out = append(out, chunk{span: span{start: start, end: split, lo: lo, hi: hi}, section: si})
			start, lo = split, hi
		}
		out = append(out, chunk{span: span{start: start, end: s.end, lo: lo, hi: s.hi}, section: si})
	}
	return out
}

// countBetween returns how many of the ascending offsets are below limit.
func countBetween(offs []int, limit int) int {
	lo, hi := 0, len(offs)
	for lo < hi {
		m := (lo + hi) / 2
		if offs[m] < limit {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}
