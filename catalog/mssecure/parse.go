package mssecure

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/patchscan/patchscan/catalog"
)

// Limits bound what Parse accepts; zero fields take the defaults.
type Limits struct {
	// MaxBytes bounds the document after gzip decompression (default
	// catalog.DefaultMaxBytes, 64 MiB; the real file of 2001 is 1 MB and
	// the MBSA 1.2 files of 2004-2006 a few MB).
	MaxBytes int64
	// MaxDepth bounds element nesting (default 32; real files nest 7 deep).
	MaxDepth int
	// MaxKept bounds the memory, in estimated bytes, of what Parse keeps
	// (default one and a half times MaxBytes, the native loader's budget):
	// tags and size are bounded by the stream, but two million tiny rows
	// would each cost a struct.
	MaxKept int64
}

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = catalog.DefaultMaxBytes
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = catalog.DefaultMaxDepth
	}
	if l.MaxKept <= 0 {
		l.MaxKept = l.MaxBytes + l.MaxBytes/2
	}
	return l
}

func (l Limits) options() catalog.Options {
	return catalog.Options{MaxBytes: l.MaxBytes, MaxDepth: l.MaxDepth}
}

// Parse reads an mssecure.xml from r (plain or gzip-compressed); name is
// used in messages. Problems with the document (malformed XML, a limit,
// damaged rows) come back as a *catalog.ValidationError listing all of them
// with line and column; tolerated quirks of real files are warnings, kept
// with the Document and reported by Convert.
func Parse(r io.Reader, name string, lim Limits) (*Document, error) {
	lim = lim.withDefaults()
	s, err := catalog.NewStream(r, name, lim.options())
	if err != nil {
		return nil, err
	}
	return parse(s, name, lim)
}

// ParseFile is Parse of the file at path; "-" is standard input.
func ParseFile(path string, lim Limits) (*Document, error) {
	lim = lim.withDefaults()
	s, err := catalog.OpenStream(path, lim.options())
	if err != nil {
		return nil, err
	}
	name := path
	if path == "-" {
		name = "<stdin>"
	}
	return parse(s, name, lim)
}

// parser reads a document into its tables.
type parser struct {
	s         *catalog.Stream
	f         *catalog.Findings
	d         *Document
	kept, max int64
	overAt    Pos // where MaxKept was exceeded
}

func parse(s *catalog.Stream, name string, lim Limits) (*Document, error) {
	defer s.Close()
	p := &parser{s: s, f: catalog.NewFindings(name), d: &Document{Source: name}, max: lim.MaxKept}
	p.document()
	if err := s.Finish(); err != nil {
		return nil, err
	}
	if p.overAt != (Pos{}) {
		return nil, p.overBudget(lim)
	}
	if len(p.d.Bulletins) == 0 && !p.f.Failed() {
		p.f.Errorf(0, 0, "no <Bulletin> found; an mssecure.xml lists its bulletins in <Bulletins>")
	}
	if err := p.f.Err(); err != nil {
		return nil, err
	}
	p.d.findings = p.f
	return p.d, nil
}

// overBudget words the refusal of a document whose rows would take more
// memory than a document of its size limit can need.
func (p *parser) overBudget(lim Limits) error {
	f := catalog.NewFindings(p.d.Source)
	f.Errorf(p.overAt.Line, p.overAt.Col, "the rows read so far would take more than %d MiB of memory, more than an mssecure.xml of up to %d MiB needs; refusing to read it. Look here for rows repeated far more often than a catalog needs",
		lim.MaxKept>>20, lim.MaxBytes>>20)
	return f.Err()
}

// keep counts a row against MaxKept: its attributes and a fixed cost for
// the struct and its place in a slice.
func (p *parser) keep(e *catalog.StreamElement) {
	const rowCost = 96
	n := int64(rowCost)
	for _, a := range e.Attr {
		n += int64(len(a.Value))
	}
	p.kept += n
	if p.kept > p.max && p.overAt == (Pos{}) {
		p.overAt = pos(e)
		p.s.Stop()
	}
}

func pos(e *catalog.StreamElement) Pos { return Pos{e.Line, e.Col} }

// document reads the root element and what follows it.
func (p *parser) document() {
	root, ok := p.s.Child()
	if !ok {
		return
	}
	if root.Name.Space != "" || root.Name.Local != "BulletinDatastore" {
		p.f.Errorf(root.Line, root.Col, "the root element is <%s>; mssecure.xml's root element is <BulletinDatastore>", fullName(root.Name))
		p.s.Skip()
		return
	}
	p.root(root)
}

// fullName is an element's name as written, with its prefix.
func fullName(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}

// children reads e's child elements: f gets each unprefixed one and returns
// false for names it does not know, which are warned about once per name
// and skipped. f reads the child it takes to its end.
func (p *parser) children(parent string, f func(c *catalog.StreamElement) bool) {
	for {
		c, ok := p.s.Child()
		if !ok {
			return
		}
		p.keep(c)
		if c.Name.Space != "" || !f(c) {
			p.f.Warnf("elem "+parent+" "+fullName(c.Name), c.Line, c.Col, "unknown element <%s> in <%s> ignored", fullName(c.Name), parent)
			p.s.Skip()
		}
	}
}

// rows reads <Things><Thing/>...</Things>: f reads each Thing.
func (p *parser) rows(table *catalog.StreamElement, row string, f func(e *catalog.StreamElement)) {
	p.attrs(table)
	p.children(table.Name.Local, func(c *catalog.StreamElement) bool {
		if c.Name.Local != row {
			return false
		}
		f(c)
		return true
	})
}

// leaf reads the rest of an element that has no children in the schema.
func (p *parser) leaf(e *catalog.StreamElement) {
	p.children(e.Name.Local, func(*catalog.StreamElement) bool { return false })
}

// attrs warns, once per element and attribute name, about attributes the
// schema does not have (a newer file's additions are ignored, not fatal).
func (p *parser) attrs(e *catalog.StreamElement, known ...string) {
	for _, a := range e.Attr {
		if a.Name.Space == "xmlns" || a.Name.Space == "" && a.Name.Local == "xmlns" || a.Name.Space == "xsi" {
			continue
		}
		if a.Name.Space == "" && isOneOf(a.Name.Local, known) {
			continue
		}
		name := fullName(a.Name)
		p.f.Warnf("attr "+e.Name.Local+" "+name, e.Line, e.Col, "unknown attribute %s on <%s> ignored", name, e.Name.Local)
	}
}

func isOneOf(s string, set []string) bool {
	for _, k := range set {
		if s == k {
			return true
		}
	}
	return false
}

// str returns an attribute trimmed of surrounding white space ("" when
// absent).
func str(e *catalog.StreamElement, name string) string {
	v, _ := e.Value(name)
	return strings.TrimSpace(v)
}

// errNotID says an ID attribute holds something other than a number.
var errNotID = errors.New("not an ID")

// parseID reads an ID: a decimal number from 0 to 2147483647, or NoID when
// the value is empty.
func parseID(s string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return NoID, nil
	}
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil || n < 0 {
		return NoID, errNotID
	}
	return int(n), nil
}

// id reads an ID attribute; one that is not a number is a problem of the
// document (real files have numbers, or nothing).
func (p *parser) id(e *catalog.StreamElement, name string) int {
	v, _ := e.Value(name)
	n, err := parseID(v)
	if err != nil {
		p.f.Errorf(e.Line, e.Col, "<%s>: %s=%s is not an ID (a number from 0 to 2147483647)", e.Name.Local, name, quote(v))
	}
	return n
}

// quote renders a value of the document for a message, shortened, quoted
// and escaped so that it cannot garble a terminal.
func quote(s string) string {
	if len(s) > 60 {
		s = s[:60] + "..."
	}
	return strconv.Quote(s)
}

// errorf records a problem at e.
func (p *parser) errorf(e *catalog.StreamElement, format string, a ...any) {
	p.f.Errorf(e.Line, e.Col, "<%s>: %s", e.Name.Local, fmt.Sprintf(format, a...))
}
