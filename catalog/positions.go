package catalog

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// etree does not record where an element starts, but every semantic problem
// must name a line and column. Rather than decode the document twice with
// encoding/xml (which would double the load time), a byte scanner finds the
// start tag of every element in document order. Once etree has accepted the
// document it is well-formed, so the scanner only has to step over comments,
// CDATA, processing instructions, directives and quoted attribute values.
// The n-th start tag found is the n-th element of etree's tree in pre-order;
// the loader checks the tag names agree and, if they ever do not, falls back
// to a slower but exact encoding/xml pass.

// startTags returns the byte offset of the '<' of every start tag, in
// document order. ok is false when the input has a construct the scanner does
// not understand (the caller then uses startTagsExact).
func startTags(data []byte) (offs []int, ok bool) {
	i := 0
	for {
		j := bytes.IndexByte(data[i:], '<')
		if j < 0 {
			return offs, true
		}
		i += j
		kind, k := skipMarkup(data, i)
		if k < 0 {
			return nil, false
		}
		if kind == startTag {
			offs = append(offs, i)
		}
		i = k
	}
}

// markup is what a '<' opens.
type markup int

const (
	otherMarkup markup = iota // comment, CDATA, processing instruction, directive
	endTag
	startTag // or empty-element tag
)

// skipMarkup says what the markup at data[i] (a '<') is and returns the
// offset just past it, or -1 when it is not terminated.
func skipMarkup(data []byte, i int) (markup, int) {
	rest := data[i+1:]
	switch {
	case bytes.HasPrefix(rest, []byte("!--")):
		return otherMarkup, skipPast(data, i+4, "-->")
	case bytes.HasPrefix(rest, []byte("![CDATA[")):
		return otherMarkup, skipPast(data, i+9, "]]>")
	case bytes.HasPrefix(rest, []byte("?")):
		return otherMarkup, skipPast(data, i+2, "?>")
	case bytes.HasPrefix(rest, []byte("!")):
		return otherMarkup, skipDirective(data, i+2)
	case bytes.HasPrefix(rest, []byte("/")):
		return endTag, skipPast(data, i+2, ">")
	}
	return startTag, skipTag(data, i+1)
}

// skipPast returns the offset just after the first end at or after from, or -1.
func skipPast(data []byte, from int, end string) int {
	k := bytes.Index(data[from:], []byte(end))
	if k < 0 {
		return -1
	}
	return from + k + len(end)
}

// skipTag returns the offset after the '>' closing a tag, stepping over quoted
// attribute values (which may hold '>').
func skipTag(data []byte, from int) int {
	var quote byte
	for i := from; i < len(data); i++ {
		c := data[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			return i + 1
		}
	}
	return -1
}

// skipDirective steps over <!DOCTYPE ...> including an internal subset, the
// way encoding/xml does: nested angle brackets, quotes and comments.
func skipDirective(data []byte, from int) int {
	depth := 1
	var quote byte
	for i := from; i < len(data); i++ {
		c := data[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '<' && bytes.HasPrefix(data[i:], []byte("<!--")):
			k := skipPast(data, i+4, "-->")
			if k < 0 {
				return -1
			}
			i = k - 1
		case c == '<':
			depth++
		case c == '>':
			depth--
			if depth == 0 {
				return i + 1
			}
		}
	}
	return -1
}

// startTagsExact finds start tags with encoding/xml: slower, but it agrees with
// etree by construction. InputOffset before a token is where the token starts.
func startTagsExact(data []byte) ([]int, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.CharsetReader = passCharset
	var offs []int
	for {
		off := d.InputOffset()
		t, err := d.RawToken()
		if err == io.EOF {
			return offs, nil
		}
		if err != nil {
			return nil, err
		}
		if _, ok := t.(xml.StartElement); ok {
			offs = append(offs, int(off))
		}
	}
}

// linesOf returns the 1-based line of each (ascending) offset.
func linesOf(data []byte, offs []int) []int32 {
	lines := make([]int32, len(offs))
	line, last := 1, 0
	for i, off := range offs {
		line += bytes.Count(data[last:off], []byte{'\n'})
		last = off
		lines[i] = int32(line)
	}
	return lines
}

// columnOf returns the 1-based column (in characters) of offset off.
func columnOf(data []byte, off int) int {
	if off > len(data) {
		off = len(data)
	}
	start := bytes.LastIndexByte(data[:off], '\n') + 1
	return utf8.RuneCount(data[start:off]) + 1
}

// syntaxProblem re-reads a document etree rejected, with encoding/xml and the
// same depth limit, to say where it breaks: etree's own errors carry at most a
// line number.
func syntaxProblem(name string, data []byte, maxDepth int, etreeErr error) Problem {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.CharsetReader = checkCharset
	depth, roots := 0, 0
	for {
		t, err := d.Token()
		if err == io.EOF {
			break
		}
		line, col := d.InputPos()
		if err != nil {
			var se *xml.SyntaxError
			msg := err.Error()
			if errors.As(err, &se) {
				msg = se.Msg
			}
			return Problem{File: name, Line: line, Column: col, Message: "malformed XML: " + msg}
		}
		switch t.(type) {
		case xml.StartElement:
			depth++
			if depth == 1 {
				roots++
			}
			if depth > maxDepth {
				return Problem{File: name, Line: line, Column: col, Message: fmt.Sprintf("elements are nested more than %d deep; a catalog needs 7 levels, so this is not a catalog", maxDepth)}
			}
		case xml.EndElement:
			depth--
		}
	}
	return Problem{File: name, Message: "malformed XML: " + etreeErr.Error()}
}
