package msrc

import (
	"bufio"
	"compress/gzip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// Limits bound what Parse accepts. A zero field takes its default.
type Limits struct {
	// MaxBytes bounds the document (after gzip decompression). Default
	// 64 MiB; real monthly documents are 1-4 MB.
	MaxBytes int64
	// MaxDepth bounds element nesting. Default 32; real documents nest 7
	// deep (cvrfdoc/ProductTree/Branch/Branch/FullProductName).
	MaxDepth int
	// MaxText bounds one kept text value (a title, a product name). Default
	// 64 KiB. Texts that are not kept (notes, descriptions) are not bounded
	// separately: MaxBytes bounds them.
	MaxText int
	// MaxItems bounds the products, vulnerabilities, fixes, product
	// references and severity ratings kept, together. Default 1,000,000;
	// a real document keeps about 10,000.
	MaxItems int
}

// DefaultLimits are the limits Parse uses for zero fields.
var DefaultLimits = Limits{MaxBytes: 64 << 20, MaxDepth: 32, MaxText: 64 << 10, MaxItems: 1_000_000}

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultLimits.MaxBytes
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultLimits.MaxDepth
	}
	if l.MaxText <= 0 {
		l.MaxText = DefaultLimits.MaxText
	}
	if l.MaxItems <= 0 {
		l.MaxItems = DefaultLimits.MaxItems
	}
	return l
}

// ParseError is a problem with a document, at a line and column when known.
type ParseError struct {
	Source    string // file name or URL
	Line, Col int    // 0 when the position is unknown
	Msg       string
}

func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d:%d: %s", e.Source, e.Line, e.Col, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.Source, e.Msg)
}

// ParseFile parses the CVRF document in path; a name ending in ".gz" is
// decompressed first.
func ParseFile(path string, lim Limits) (*Document, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(strings.ToLower(path), ".gz") {
		z, err := gzip.NewReader(f)
		if err != nil {
			return nil, &ParseError{Source: path, Msg: fmt.Sprintf("not a gzip file: %v", err)}
		}
		defer z.Close()
		r = z
	}
	return Parse(r, path, lim)
}

// errTooLarge is returned by the capped reader past Limits.MaxBytes.
var errTooLarge = errors.New("document too large")

type cappedReader struct {
	r    io.Reader
	left int64
}

func (c *cappedReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		return 0, errTooLarge
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}

// Parse reads one CVRF 1.1 document from r. source names it in errors.
func Parse(r io.Reader, source string, lim Limits) (*Document, error) {
	lim = lim.withDefaults()
	br := bufio.NewReaderSize(&cappedReader{r: r, left: lim.MaxBytes}, 64<<10)
	if bom, err := br.Peek(3); err == nil && string(bom) == "\xef\xbb\xbf" {
		br.Discard(3) // a UTF-8 byte order mark, which encoding/xml rejects
	}
	p := &parser{d: xml.NewDecoder(br), lim: lim, src: source}
	doc, err := p.document()
	if err != nil {
		return nil, err
	}
	doc.Source = source
	return doc, nil
}

type parser struct {
	d     *xml.Decoder
	lim   Limits
	src   string
	depth int
	items int
	seen  map[string]int // ProductID -> index in Document.Products
}

func (p *parser) errorf(format string, a ...any) error {
	line, col := p.d.InputPos()
	return &ParseError{Source: p.src, Line: line, Col: col, Msg: fmt.Sprintf(format, a...)}
}

// next returns the next token, bounding nesting depth.
func (p *parser) next() (xml.Token, error) {
	t, err := p.d.Token()
	if err != nil {
		return nil, p.readError(err)
	}
	switch t.(type) {
	case xml.StartElement:
		p.depth++
		if p.depth > p.lim.MaxDepth {
			return nil, p.errorf("elements nest deeper than %d levels; this is not an MSRC CVRF document", p.lim.MaxDepth)
		}
	case xml.EndElement:
		p.depth--
	}
	return t, nil
}

func (p *parser) readError(err error) error {
	var se *xml.SyntaxError
	switch {
	case errors.Is(err, errTooLarge):
		return p.errorf("document is larger than %d bytes (the limit); MSRC documents are a few MB", p.lim.MaxBytes)
	case errors.Is(err, io.EOF):
		return p.errorf("unexpected end of document (truncated?)")
	case errors.As(err, &se) && se.Msg == "unexpected EOF":
		return &ParseError{Source: p.src, Line: se.Line, Msg: "unexpected end of document (truncated?)"}
	case errors.As(err, &se):
		return &ParseError{Source: p.src, Line: se.Line, Msg: "not well-formed XML: " + se.Msg}
	}
	return p.errorf("reading: %v", err)
}

// item counts one kept item against Limits.MaxItems.
func (p *parser) item() error {
	p.items++
	if p.items > p.lim.MaxItems {
		return p.errorf("more than %d products, vulnerabilities, fixes and references; this is not an MSRC monthly document", p.lim.MaxItems)
	}
	return nil
}

// children calls fn for each child element of the element just started,
// up to its end tag. fn must consume the child (skip, text or children).
func (p *parser) children(fn func(xml.StartElement) error) error {
	for {
		t, err := p.next()
		if err != nil {
			return err
		}
		switch t := t.(type) {
		case xml.StartElement:
			if err := fn(t); err != nil {
				return err
			}
		case xml.EndElement:
			return nil
		}
	}
}

// skip consumes the element just started.
func (p *parser) skip() error {
	for n := 1; n > 0; {
		t, err := p.next()
		if err != nil {
			return err
		}
		switch t.(type) {
		case xml.StartElement:
			n++
		case xml.EndElement:
			n--
		}
	}
	return nil
}

// text reads the character data of the element just started, trimmed.
// Markup inside it is skipped.
func (p *parser) text() (string, error) {
	var b strings.Builder
	for {
		t, err := p.next()
		if err != nil {
			return "", err
		}
		switch t := t.(type) {
		case xml.CharData:
			if b.Len()+len(t) > p.lim.MaxText {
				return "", p.errorf("text longer than %d bytes", p.lim.MaxText)
			}
			b.Write(t)
		case xml.StartElement:
			if err := p.skip(); err != nil {
				return "", err
			}
		case xml.EndElement:
			return strings.TrimSpace(b.String()), nil
		}
	}
}

// document reads the root element and what follows it.
func (p *parser) document() (*Document, error) {
	doc := &Document{}
	for {
		t, err := p.d.Token()
		if errors.Is(err, io.EOF) {
			return nil, &ParseError{Source: p.src, Msg: "no XML element in the input (empty, or not XML); an MSRC CVRF document is XML"}
		}
		if err != nil {
			return nil, p.readError(err)
		}
		se, ok := t.(xml.StartElement)
		if !ok {
			continue // prolog: declaration, comments, white space
		}
		if se.Name.Local != "cvrfdoc" || !strings.Contains(se.Name.Space, "/CVRF/schema/cvrf/") {
			return nil, p.errorf("root element is <%s> (namespace %q), not a CVRF <cvrfdoc>; is this an MSRC CVRF XML document?", se.Name.Local, se.Name.Space)
		}
		p.depth = 1
		if err := p.children(func(c xml.StartElement) error { return p.top(doc, c) }); err != nil {
			return nil, err
		}
		break
	}
	return doc, p.finish(doc)
}

// finish checks what follows the root and what the document must carry.
func (p *parser) finish(doc *Document) error {
	for {
		t, err := p.d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return p.readError(err)
		}
		if _, ok := t.(xml.StartElement); ok {
			return p.errorf("a second root element <%s> follows </cvrfdoc>", t.(xml.StartElement).Name.Local)
		}
	}
	if doc.ID == "" {
		return &ParseError{Source: p.src, Msg: "no DocumentTracking/Identification/ID: cannot name the release"}
	}
	if doc.CurrentRelease == "" {
		doc.CurrentRelease = doc.InitialRelease
	}
	if doc.CurrentRelease == "" {
		return &ParseError{Source: p.src, Msg: "no InitialReleaseDate or CurrentReleaseDate: cannot date the release"}
	}
	return nil
}

// top handles one child of cvrfdoc.
func (p *parser) top(doc *Document, se xml.StartElement) error {
	var err error
	switch se.Name.Local {
	case "DocumentTitle":
		doc.Title, err = p.text()
	case "DocumentTracking":
		err = p.tracking(doc)
	case "ProductTree":
		err = p.branch(doc, "")
	case "Vulnerability":
		var v *Vulnerability
		if v, err = p.vulnerability(); err == nil {
			doc.Vulnerabilities = append(doc.Vulnerabilities, *v)
		}
	default:
		err = p.skip()
	}
	return err
}

func (p *parser) tracking(doc *Document) error {
	return p.children(func(se xml.StartElement) error {
		switch se.Name.Local {
		case "Identification":
			return p.children(func(c xml.StartElement) error {
				if c.Name.Local != "ID" {
					return p.skip()
				}
				id, err := p.text()
				doc.ID = id
				return err
			})
		case "InitialReleaseDate", "CurrentReleaseDate":
			s, err := p.text()
			if err != nil {
				return err
			}
			d, ok := day(s)
			if !ok {
				return p.errorf("%s %q is not a date", se.Name.Local, clip(s))
			}
			if se.Name.Local == "InitialReleaseDate" {
				doc.InitialRelease = d
			} else {
				doc.CurrentRelease = d
			}
			return nil
		}
		return p.skip()
	})
}

// branch reads a ProductTree or Branch; family is the enclosing
// "Product Family" branch name.
func (p *parser) branch(doc *Document, family string) error {
	return p.children(func(se xml.StartElement) error {
		switch se.Name.Local {
		case "Branch":
			f := family
			if attr(se, "Type") == "Product Family" {
				f = attr(se, "Name")
			}
			return p.branch(doc, f)
		case "FullProductName":
			if err := p.item(); err != nil {
				return err
			}
			id := attr(se, "ProductID")
			name, err := p.text()
			if err != nil {
				return err
			}
			if id == "" {
				return p.errorf("FullProductName %q has no ProductID", clip(name))
			}
			p.addProduct(doc, Product{ID: id, Name: name, Family: family})
			return nil
		}
		return p.skip()
	})
}

// addProduct keeps each ProductID once. MSRC lists every product twice:
// inside its family's Branch and again flat at the end of the ProductTree;
// the first, with its family, is kept.
func (p *parser) addProduct(doc *Document, pr Product) {
	if p.seen == nil {
		p.seen = map[string]int{}
	}
	if i, ok := p.seen[pr.ID]; ok {
		if doc.Products[i].Family == "" {
			doc.Products[i].Family = pr.Family
		}
		return
	}
	p.seen[pr.ID] = len(doc.Products)
	doc.Products = append(doc.Products, pr)
}

func attr(se xml.StartElement, name string) string {
	for _, a := range se.Attr {
		if a.Name.Local == name {
			return strings.TrimSpace(a.Value)
		}
	}
	return ""
}

// day turns "2026-02-10T08:00:00" (or "...Z", or a bare date) into
// "2026-02-10".
func day(s string) (string, bool) {
	if len(s) < 10 {
		return "", false
	}
	if _, err := time.Parse("2006-01-02", s[:10]); err != nil {
		return "", false
	}
	if len(s) > 10 && s[10] != 'T' && s[10] != ' ' {
		return "", false
	}
	return s[:10], true
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}
