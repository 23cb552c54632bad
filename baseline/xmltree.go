package baseline

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// A baseline is small (the default one is some 40 KB): it is read whole
// into a tree of elements that remember where they start, and the tree is
// then walked. The bounds keep a hostile file from costing more than a
// few times its size.
const (
	// MaxSize bounds a baseline file.
	MaxSize = 4 << 20
	// maxDepth bounds the nesting of elements; the format needs 4.
	maxDepth = 16
	// maxNodes bounds the number of elements.
	maxNodes = 100000
	// maxText bounds one element's text or one attribute.
	maxText = 16 << 10
)

// node is one element with its position, attributes, text and children.
type node struct {
	name     xml.Name
	attrs    []xml.Attr
	text     strings.Builder
	children []*node
	line     int
	col      int
}

func (n *node) tag() string {
	if n.name.Space != "" {
		return n.name.Space + ":" + n.name.Local
	}
	return n.name.Local
}

// attr returns an attribute without a namespace, trimmed, and whether it
// is there.
func (n *node) attr(name string) (string, bool) {
	for _, a := range n.attrs {
		if a.Name.Space == "" && a.Name.Local == name {
			return strings.TrimSpace(a.Value), true
		}
	}
	return "", false
}

// rawAttr is attr without trimming (registry value names and comparands
// keep their spaces).
func (n *node) rawAttr(name string) (string, bool) {
	for _, a := range n.attrs {
		if a.Name.Space == "" && a.Name.Local == name {
			return a.Value, true
		}
	}
	return "", false
}

// content is the element's text with runs of white space folded into one
// space, as the format's text elements (Title, Reason, Advice) mean it.
func (n *node) content() string { return strings.Join(strings.Fields(n.text.String()), " ") }

// lineIndex turns byte offsets into 1-based lines and columns counted in
// characters, as editors show them.
type lineIndex struct {
	data   []byte
	starts []int // byte offset of each line's start
}

func newLineIndex(data []byte) *lineIndex {
	li := &lineIndex{data: data, starts: []int{0}}
	for i, c := range data {
		if c == '\n' {
			li.starts = append(li.starts, i+1)
		}
	}
	return li
}

func (li *lineIndex) pos(off int) (line, col int) {
	lo, hi := 0, len(li.starts)
	for lo+1 < hi {
		mid := (lo + hi) / 2
		if li.starts[mid] <= off {
			lo = mid
		} else {
			hi = mid
		}
	}
	off = min(off, len(li.data))
	return lo + 1, utf8.RuneCount(li.data[li.starts[lo]:off]) + 1
}

// syntaxError is a document that is not well-formed XML or breaks a bound.
type syntaxError struct {
	line, col int
	msg       string
}

// parseTree reads data into a tree. It accepts UTF-8 only (a declared
// encoding other than UTF-8 is an error) and no DTD.
func parseTree(data []byte) (*node, *syntaxError) {
	li := newLineIndex(data)
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.CharsetReader = func(label string, r io.Reader) (io.Reader, error) {
		if strings.EqualFold(label, "utf-8") || strings.EqualFold(label, "utf8") {
			return r, nil
		}
		return nil, fmt.Errorf("encoding %q is not supported: write the baseline in UTF-8", label)
	}
	var root *node
	var stack []*node
	nodes := 0
	fail := func(off int, format string, a ...any) *syntaxError {
		line, col := li.pos(off)
		return &syntaxError{line: line, col: col, msg: fmt.Sprintf(format, a...)}
	}
	for {
		off := int(dec.InputOffset())
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, xmlError(err, li, int(dec.InputOffset()))
		}
		switch t := tok.(type) {
		case xml.StartElement:
			nodes++
			if nodes > maxNodes {
				return nil, fail(off, "more than %d elements", maxNodes)
			}
			if len(stack) >= maxDepth {
				return nil, fail(off, "elements nested deeper than %d", maxDepth)
			}
			line, col := li.pos(off)
			n := &node{name: t.Name, attrs: t.Copy().Attr, line: line, col: col}
			for _, a := range n.attrs {
				if len(a.Value) > maxText {
					return nil, fail(off, "attribute %s is longer than %d bytes", a.Name.Local, maxText)
				}
			}
			if len(stack) == 0 {
				if root != nil {
					return nil, fail(off, "more than one root element")
				}
				root = n
			} else {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				n := stack[len(stack)-1]
				if n.text.Len()+len(t) > maxText {
					return nil, fail(off, "<%s> holds more than %d bytes of text", n.tag(), maxText)
				}
				n.text.Write(t)
			} else if len(bytes.TrimSpace(t)) > 0 {
				return nil, fail(off, "text outside the root element")
			}
		case xml.Directive:
			return nil, fail(off, "DOCTYPE and other directives are not allowed in a baseline")
		}
	}
	if root == nil {
		return nil, &syntaxError{line: 1, col: 1, msg: "no root element: the file is empty or not XML"}
	}
	return root, nil
}

// xmlError locates encoding/xml's error: its *xml.SyntaxError carries a
// line only; the offset gives the column.
func xmlError(err error, li *lineIndex, off int) *syntaxError {
	line, col := li.pos(off)
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		if se.Line != line {
			line, col = se.Line, 0
		}
		return &syntaxError{line: line, col: col, msg: "malformed XML: " + se.Msg}
	}
	return &syntaxError{line: line, col: col, msg: "malformed XML: " + err.Error()}
}
