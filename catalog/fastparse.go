package catalog

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"github.com/beevik/etree"
)

// fastParse builds etree elements for a run of <Bulletin> elements (a chunk,
// see structure.go) several times faster than etree's own reader, which
// goes through encoding/xml token by token. It understands only the plain
// XML catalogs are made of: elements, attributes with the five predefined
// entities, white space and simple comments. Anything else - CDATA,
// character references, processing instructions, prefixed names, text,
// carriage returns, duplicate attributes, anything malformed - makes it
// give up (ok=false), and the caller parses the chunk with etree instead.
// So it never has to report errors, and FuzzFastParse checks that whatever
// it accepts, etree accepts too and reads into the same tree.
func fastParse(data []byte, maxDepth int) (roots []*etree.Element, ok bool) {
	p := fastParser{data: data, intern: make(map[string]string, 64)}
	var stack []*etree.Element
	for p.i < len(p.data) {
		// Between tags only white space is allowed.
		j := bytes.IndexByte(p.data[p.i:], '<')
		if j < 0 {
			j = len(p.data) - p.i
		}
		for _, c := range p.data[p.i : p.i+j] {
			if !isSpace(c) {
				return nil, false
			}
		}
		p.i += j
		if p.i == len(p.data) {
			break
		}
		rest := p.data[p.i+1:]
		switch {
		case bytes.HasPrefix(rest, []byte("!--")):
			if !p.comment() {
				return nil, false
			}
		case len(rest) > 0 && rest[0] == '/':
			if len(stack) == 0 || !p.endTag(stack[len(stack)-1].Tag) {
				return nil, false
			}
			stack = stack[:len(stack)-1]
		default:
			var parent *etree.Element
			if len(stack) > 0 {
				parent = stack[len(stack)-1]
			}
			e, selfClosing, good := p.startTag(parent)
			if !good {
				return nil, false
			}
			if parent == nil {
				roots = append(roots, e)
			}
			if !selfClosing {
				if len(stack)+1 > maxDepth {
					return nil, false
				}
				stack = append(stack, e)
			}
		}
	}
	return roots, len(stack) == 0
}

type fastParser struct {
	data   []byte
	i      int
	intern map[string]string // element and attribute names, allocated once
	buf    []byte
	attrs  []etree.Attr // one element's attributes while it is read
	arena  []etree.Attr // attribute slices are cut from blocks of this
}

// keepAttrs copies the scratch attributes into an arena block: one
// allocation per few hundred elements instead of several per element.
func (p *fastParser) keepAttrs() []etree.Attr {
	n := len(p.attrs)
	if n == 0 {
		return nil
	}
	if cap(p.arena)-len(p.arena) < n {
		p.arena = make([]etree.Attr, 0, max(1024, n))
	}
	start := len(p.arena)
	p.arena = append(p.arena, p.attrs...)
	return p.arena[start : start+n : start+n]
}

// isSpace is XML white space. A carriage return is fine between tags
// (Windows-made catalogs have CRLF lines) but not inside values, where XML
// would turn it into a line feed: value() gives up on it.
func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func (p *fastParser) skipSpace() {
	for p.i < len(p.data) && isSpace(p.data[p.i]) {
		p.i++
	}
}

// name reads an ASCII XML name without a namespace prefix.
func (p *fastParser) name() (string, bool) {
	start := p.i
	for p.i < len(p.data) {
		c := p.data[p.i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' ||
			p.i > start && (c >= '0' && c <= '9' || c == '-' || c == '.') {
			p.i++
			continue
		}
		break
	}
	if p.i == start {
		return "", false
	}
	b := p.data[start:p.i]
	if s, ok := p.intern[string(b)]; ok {
		return s, true
	}
	s := string(b)
	p.intern[s] = s
	return s, true
}

// comment skips <!-- ... --> holding printable ASCII and no "--".
func (p *fastParser) comment() bool {
	start := p.i + 4
	k := bytes.Index(p.data[start:], []byte("--"))
	if k < 0 || start+k+2 >= len(p.data) || p.data[start+k+2] != '>' {
		return false
	}
	for _, c := range p.data[start : start+k] {
		if c >= 0x80 || c < 0x20 && !isSpace(c) {
			return false
		}
	}
	p.i = start + k + 3
	return true
}

func (p *fastParser) endTag(want string) bool {
	p.i += 2
	n, ok := p.name()
	if !ok || n != want {
		return false
	}
	p.skipSpace()
	if p.i >= len(p.data) || p.data[p.i] != '>' {
		return false
	}
	p.i++
	return true
}

func (p *fastParser) startTag(parent *etree.Element) (e *etree.Element, selfClosing, ok bool) {
	p.i++
	tag, ok := p.name()
	if !ok {
		return nil, false, false
	}
	if parent == nil {
		e = etree.NewElement(tag)
	} else {
		e = parent.CreateElement(tag)
	}
	p.attrs = p.attrs[:0]
	for {
		hadSpace := p.i < len(p.data) && isSpace(p.data[p.i])
		p.skipSpace()
		if p.i >= len(p.data) {
			return nil, false, false
		}
		switch p.data[p.i] {
		case '>':
			p.i++
			e.Attr = p.keepAttrs()
			return e, false, true
		case '/':
			if p.i+1 < len(p.data) && p.data[p.i+1] == '>' {
				p.i += 2
				e.Attr = p.keepAttrs()
				return e, true, true
			}
			return nil, false, false
		}
		if !hadSpace {
			return nil, false, false
		}
		key, ok := p.name()
		if !ok || p.i+1 >= len(p.data) || p.data[p.i] != '=' {
			return nil, false, false
		}
		p.i++
		q := p.data[p.i]
		if q != '"' && q != '\'' {
			return nil, false, false
		}
		end := bytes.IndexByte(p.data[p.i+1:], q)
		if end < 0 {
			return nil, false, false
		}
		raw := p.data[p.i+1 : p.i+1+end]
		p.i += end + 2
		val, ok := p.value(raw)
		if !ok {
			return nil, false, false
		}
		if len(p.attrs) >= 16 {
			return nil, false, false // unusual: let etree (and checkAttrs) deal with it
		}
		for _, a := range p.attrs {
			if a.Key == key {
				return nil, false, false // duplicates: let etree keep both
			}
		}
		p.attrs = append(p.attrs, etree.Attr{Key: key, Value: val})
	}
}

// value decodes an attribute value: the five predefined entities, UTF-8
// text in XML's character range, no '<' and no carriage return (which XML
// would normalise).
func (p *fastParser) value(raw []byte) (string, bool) {
	plain := true
	for _, c := range raw {
		if c < 0x20 && c != '\t' && c != '\n' || c == '<' || c == '&' || c >= 0x80 {
			plain = false
			break
		}
	}
	if plain {
		return string(raw), true
	}
	b := p.buf[:0]
	for i := 0; i < len(raw); {
		c := raw[i]
		switch {
		case c == '<' || c < 0x20 && c != '\t' && c != '\n':
			return "", false
		case c == '&':
			end := bytes.IndexByte(raw[i:], ';')
			if end < 0 {
				return "", false
			}
			switch string(raw[i+1 : i+end]) {
			case "lt":
				b = append(b, '<')
			case "gt":
				b = append(b, '>')
			case "amp":
				b = append(b, '&')
			case "quot":
				b = append(b, '"')
			case "apos":
				b = append(b, '\'')
			default:
				return "", false
			}
			i += end + 1
		case c >= 0x80:
			r, size := utf8.DecodeRune(raw[i:])
			if r == utf8.RuneError || !inXMLRange(r) {
				return "", false
			}
			b = append(b, raw[i:i+size]...)
			i += size
		default:
			b = append(b, c)
			i++
		}
	}
	p.buf = b
	return strings.Clone(string(b)), true
}

// inXMLRange is XML 1.0's Char production above ASCII.
func inXMLRange(r rune) bool {
	return r >= 0x80 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}
