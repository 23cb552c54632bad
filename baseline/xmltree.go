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

// treeBuilder builds the tree token by token.
type treeBuilder struct {
	li    *lineIndex
	root  *node
	stack []*node
	nodes int
}

func (b *treeBuilder) fail(off int, format string, a ...any) *syntaxError {
	line, col := b.li.pos(off)
	return &syntaxError{line: line, col: col, msg: fmt.Sprintf(format, a...)}
}

// start opens an element found at byte offset off.
func (b *treeBuilder) start(t xml.StartElement, off int) *syntaxError {
	b.nodes++
	if b.nodes > maxNodes {
		return b.fail(off, "more than %d elements", maxNodes)
	}
	if len(b.stack) >= maxDepth {
		return b.fail(off, "elements nested deeper than %d", maxDepth)
	}
	line, col := b.li.pos(off)
	n := &node{name: t.Name, attrs: t.Copy().Attr, line: line, col: col}
	for _, a := range n.attrs {
		if len(a.Value) > maxText {
			return b.fail(off, "attribute %s is longer than %d bytes", a.Name.Local, maxText)
		}
	}
	if len(b.stack) == 0 {
		if b.root != nil {
			return b.fail(off, "more than one root element")
		}
		b.root = n
	} else {
		p := b.stack[len(b.stack)-1]
		p.children = append(p.children, n)
	}
	b.stack = append(b.stack, n)
	return nil
}

// text adds character data to the open element.
func (b *treeBuilder) text(t xml.CharData, off int) *syntaxError {
	if len(b.stack) == 0 {
		if len(bytes.TrimSpace(t)) > 0 {
			return b.fail(off, "text outside the root element")
		}
		return nil
	}
	n := b.stack[len(b.stack)-1]
	if n.text.Len()+len(t) > maxText {
		return b.fail(off, "<%s> holds more than %d bytes of text", n.tag(), maxText)
	}
	n.text.Write(t)
	return nil
}

// parseTree reads data into a tree. It accepts UTF-8 only (a declared
// encoding other than UTF-8 is an error) and no DTD.
func parseTree(data []byte) (*node, *syntaxError) {
	b := &treeBuilder{li: newLineIndex(data)}
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.CharsetReader = func(label string, r io.Reader) (io.Reader, error) {
		if strings.EqualFold(label, "utf-8") || strings.EqualFold(label, "utf8") {
			return r, nil
		}
		return nil, fmt.Errorf("encoding %q is not supported: write the baseline in UTF-8", label)
	}
	for {
		off := int(dec.InputOffset())
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, xmlError(err, b.li, int(dec.InputOffset()))
		}
		var serr *syntaxError
		switch t := tok.(type) {
		case xml.StartElement:
			serr = b.start(t, off)
		case xml.EndElement:
			b.stack = b.stack[:len(b.stack)-1]
		case xml.CharData:
			serr = b.text(t, off)
		case xml.Directive:
			serr = b.fail(off, "DOCTYPE and other directives are not allowed in a baseline")
		}
		if serr != nil {
			return nil, serr
		}
	}
	if b.root == nil {
		return nil, &syntaxError{line: 1, col: 1, msg: "no root element: the file is empty or not XML"}
	}
	return b.root, nil
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
