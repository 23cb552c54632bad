package catalog

import (
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/beevik/etree"
	"github.com/patchscan/patchscan/internal/version"
)

// loader turns an etree document into a Catalog, collecting every problem
// instead of stopping at the first.
type loader struct {
	name  string
	data  []byte
	offs  []int                    // start tag offsets, document order
	lines []int32                  // line of each start tag
	pos   map[*etree.Element]int32 // element -> index into offs/lines
	c     *Catalog

	problems []Problem
	dropped  int // problems beyond maxProblems

	warns        []warning
	warnIdx      map[string]int
	droppedWarns int

	// First definition of each ID (as a start tag index), for duplicate
	// and reference checks. Indices, not elements: chunk trees are dropped
	// as soon as they are decoded.
	families, sps, sevs, products map[int]int32
	bulletins                     map[string]int32 // upper-cased BulletinID
	refs                          []reference
	supers                        []superRef
	bulletinAt                    []int32   // start tag of each of c.Bulletins
	patchAt                       [][]int32 // and of each of their patches
}

// fork returns a loader for one chunk of bulletins, decoded on another
// goroutine: it shares the read-only document and tag tables, and has its
// own results, merged back in document order by merge.
func (l *loader) fork() *loader {
	return &loader{
		name: l.name, data: l.data, offs: l.offs, lines: l.lines,
		c:       &Catalog{},
		warnIdx: map[string]int{},
	}
}

// merge appends a forked loader's results.
func (l *loader) merge(sub *loader) {
	base := len(l.c.Bulletins)
	l.c.Bulletins = append(l.c.Bulletins, sub.c.Bulletins...)
	l.bulletinAt = append(l.bulletinAt, sub.bulletinAt...)
	l.patchAt = append(l.patchAt, sub.patchAt...)
	for _, p := range sub.problems {
		if len(l.problems) >= maxProblems {
			l.dropped++
			continue
		}
		l.problems = append(l.problems, p)
	}
	l.dropped += sub.dropped
	for _, w := range sub.warns { // in document order, as a whole parse would
		key := w.key
		if j, ok := l.warnIdx[key]; ok {
			l.warns[j].count += w.count
			if w.line < l.warns[j].line { // keep the first in the document
				l.warns[j].line, l.warns[j].col = w.line, w.col
			}
			continue
		}
		if len(l.warns) >= maxWarnings {
			l.droppedWarns++
			continue
		}
		l.warnIdx[key] = len(l.warns)
		l.warns = append(l.warns, w)
	}
	l.droppedWarns += sub.droppedWarns
	l.refs = append(l.refs, sub.refs...)
	for _, s := range sub.supers {
		s.bulletin += base
		l.supers = append(l.supers, s)
	}
}

type warning struct {
	key       string
	line, col int
	msg       string
	count     int
}

// reference is an ID used somewhere that must be defined somewhere else.
type reference struct {
	at   int32  // start tag index of the referring element
	tag  string // its name
	attr string // ProductID, ServicePackID, ...
	id   int
}

// superRef is a SupersededBy element, checked once all bulletins are known.
type superRef struct {
	at       int32
	bulletin int // index of the superseded patch's bulletin
	patch    int // and of the patch in it
	target   Supersedence
}

func newLoader(name string, data []byte) *loader {
	return &loader{
		name: name, data: data,
		warnIdx:   map[string]int{},
		families:  map[int]int32{},
		sps:       map[int]int32{},
		sevs:      map[int]int32{},
		products:  map[int]int32{},
		bulletins: map[string]int32{},
	}
}

// idx returns the start tag index of e, -1 when unknown.
func (l *loader) idx(e *etree.Element) int32 {
	if e == nil || l.pos == nil {
		return -1
	}
	if i, ok := l.pos[e]; ok {
		return i
	}
	return -1
}

// at returns the line and column of start tag i, 0 when unknown.
func (l *loader) at(i int32) (int, int) {
	if i < 0 || int(i) >= len(l.offs) {
		return 0, 0
	}
	return int(l.lines[i]), columnOf(l.data, l.offs[i])
}

func (l *loader) lineAt(i int32) int {
	if i < 0 || int(i) >= len(l.lines) {
		return 0
	}
	return int(l.lines[i])
}

func (l *loader) line(e *etree.Element) int { return l.lineAt(l.idx(e)) }

func (l *loader) errorf(e *etree.Element, format string, a ...any) {
	l.errorAt(l.idx(e), format, a...)
}

func (l *loader) errorAt(i int32, format string, a ...any) {
	if len(l.problems) >= maxProblems {
		l.dropped++
		return
	}
	line, col := l.at(i)
	l.problems = append(l.problems, Problem{File: l.name, Line: line, Column: col, Message: fmt.Sprintf(format, a...)})
}

// warnOnce records a warning under key; later ones with the same key only
// count, so a catalog full of one unknown element yields one line.
func (l *loader) warnOnce(key string, e *etree.Element, format string, a ...any) {
	l.warnAt(key, l.idx(e), format, a...)
}

func (l *loader) warnAt(key string, at int32, format string, a ...any) {
	if i, ok := l.warnIdx[key]; ok {
		l.warns[i].count++
		return
	}
	if len(l.warns) >= maxWarnings {
		l.droppedWarns++
		return
	}
	line, col := l.at(at)
	l.warnIdx[key] = len(l.warns)
	l.warns = append(l.warns, warning{key: key, line: line, col: col, msg: fmt.Sprintf(format, a...), count: 1})
}

func (l *loader) warningStrings() []string {
	// Document order, however the document was split up for parsing.
	sort.SliceStable(l.warns, func(i, j int) bool {
		a, b := l.warns[i], l.warns[j]
		if a.line != b.line {
			return a.line < b.line
		}
		return a.col < b.col
	})
	var out []string
	for _, w := range l.warns {
		p := Problem{File: l.name, Line: w.line, Column: w.col, Message: w.msg}
		s := p.String()
		if w.count > 1 {
			s += fmt.Sprintf(" (%d times; first shown)", w.count)
		}
		out = append(out, s)
	}
	if l.droppedWarns > 0 {
		out = append(out, fmt.Sprintf("%s: %d more distinct warnings not shown", l.name, l.droppedWarns))
	}
	return out
}

func (l *loader) validationError() *ValidationError {
	sort.SliceStable(l.problems, func(i, j int) bool {
		a, b := l.problems[i], l.problems[j]
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	ps := l.problems
	if l.dropped > 0 {
		ps = append(ps, Problem{File: l.name, Message: fmt.Sprintf("%d more problems not shown; fix the ones above first", l.dropped)})
	}
	return &ValidationError{File: l.name, Problems: ps, Warnings: l.warningStrings()}
}

// ---- attributes ----

// ignorableAttr is namespace plumbing, not catalog data.
func ignorableAttr(a etree.Attr) bool {
	return a.Space == "xmlns" || (a.Space == "" && a.Key == "xmlns") || a.Space == "xsi"
}

// checkAttrs reports duplicate attributes and warns (once per element and
// attribute name) about unknown ones.
func (l *loader) checkAttrs(e *etree.Element, known ...string) {
	// Duplicates by pairwise comparison, or with a map when an element has
	// many attributes: hostile input must not make this quadratic.
	var seen map[etree.Attr]bool
	if len(e.Attr) > 16 {
		seen = make(map[etree.Attr]bool, len(e.Attr))
	}
	for i, a := range e.Attr {
		if ignorableAttr(a) {
			continue
		}
		dup := false
		if seen != nil {
			k := etree.Attr{Space: a.Space, Key: a.Key}
			dup = seen[k]
			seen[k] = true
		} else {
			for _, b := range e.Attr[:i] {
				if a.Space == b.Space && a.Key == b.Key {
					dup = true
					break
				}
			}
		}
		if dup {
			l.errorf(e, "<%s>: attribute %s appears more than once", e.Tag, a.FullKey())
		}
		isKnown := false
		if a.Space == "" {
			for _, k := range known {
				if a.Key == k {
					isKnown = true
					break
				}
			}
		}
		if !isKnown {
			l.warnOnce("attr\x00"+e.Tag+"\x00"+a.FullKey(), e, "unknown attribute %s on <%s> ignored", a.FullKey(), e.Tag)
		}
	}
}

// attr returns an attribute's value (trimmed) and whether it is present.
func attr(e *etree.Element, key string) (string, bool) {
	for _, a := range e.Attr {
		if a.Space == "" && a.Key == key {
			return strings.TrimSpace(a.Value), true
		}
	}
	return "", false
}

// required returns a non-empty attribute or reports it missing.
func (l *loader) required(e *etree.Element, key string) (string, bool) {
	v, ok := attr(e, key)
	if !ok {
		l.errorf(e, "<%s>: required attribute %s is missing", e.Tag, key)
		return "", false
	}
	if v == "" {
		l.errorf(e, "<%s>: attribute %s is empty", e.Tag, key)
		return "", false
	}
	return v, true
}

// parseID parses a positive decimal ID that fits in 31 bits.
func parseID(s string) (int, error) {
	if s == "" {
		return 0, fmt.Errorf("empty")
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("%s is not a positive decimal number", quote(s))
		}
	}
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("%s is not between 1 and 2147483647", quote(s))
	}
	return int(n), nil
}

// requiredID reads a required positive integer ID attribute.
func (l *loader) requiredID(e *etree.Element, key string) (int, bool) {
	s, ok := l.required(e, key)
	if !ok {
		return 0, false
	}
	n, err := parseID(s)
	if err != nil {
		l.errorf(e, "<%s>: %s %v", e.Tag, key, err)
		return 0, false
	}
	return n, true
}

// optionalRef reads an optional ID that must name a defined entity; 0 when
// absent. The reference is checked once every definition has been read.
func (l *loader) optionalRef(e *etree.Element, key string) int {
	s, ok := attr(e, key)
	if !ok || s == "" {
		return 0
	}
	n, err := parseID(s)
	if err != nil {
		l.errorf(e, "<%s>: %s %v", e.Tag, key, err)
		return 0
	}
	l.refs = append(l.refs, reference{at: l.idx(e), tag: e.Tag, attr: key, id: n})
	return n
}

// requiredRef is optionalRef for a required attribute.
func (l *loader) requiredRef(e *etree.Element, key string) int {
	n, ok := l.requiredID(e, key)
	if !ok {
		return 0
	}
	l.refs = append(l.refs, reference{at: l.idx(e), tag: e.Tag, attr: key, id: n})
	return n
}

func (l *loader) optionalBool(e *etree.Element, key string) bool {
	s, ok := attr(e, key)
	if !ok || s == "" {
		return false
	}
	switch strings.ToLower(s) {
	case "1", "true":
		return true
	case "0", "false":
		return false
	}
	l.errorf(e, "<%s>: %s=%s is not a boolean; use true/false or 1/0", e.Tag, key, quote(s))
	return false
}

// date accepts YYYY-MM-DD, optionally with a time as mssecure.xml had.
func (l *loader) date(e *etree.Element, key string, s string) {
	if s == "" {
		return
	}
	for _, layout := range []string{"2006-01-02", "2006-01-02T15:04:05", time.RFC3339} {
		if _, err := time.Parse(layout, s); err == nil {
			return
		}
	}
	l.errorf(e, "<%s>: %s=%s is not a date; use YYYY-MM-DD", e.Tag, key, quote(s))
}

// quote renders a catalog value for a message: in double quotes, shortened,
// and escaped only when it holds characters that could garble a terminal.
func quote(s string) string {
	if len(s) > 60 {
		s = s[:60] + "..."
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError || r == '"' {
			return strconv.Quote(s)
		}
	}
	return `"` + s + `"`
}

// orUnnamed names something whose ID attribute is missing (already reported).
func orUnnamed(s string) string {
	if s == "" {
		return "(unnamed)"
	}
	return s
}

// ---- elements ----

// children calls f for each child element; f returns false for names it does
// not know, which are then warned about once per name.
func (l *loader) children(e *etree.Element, f func(c *etree.Element) bool) {
	for _, t := range e.Child {
		c, ok := t.(*etree.Element)
		if !ok {
			continue
		}
		if c.Space != "" || !f(c) {
			l.unknownElement(c, e.Tag)
		}
	}
}

func (l *loader) unknownElement(c *etree.Element, parent string) {
	l.warnOnce("elem\x00"+c.FullTag(), c, "unknown element <%s> in <%s> ignored", c.FullTag(), parent)
}

// bulletinOrUnknown decodes one child element of <Bulletins>.
func (l *loader) bulletinOrUnknown(e *etree.Element) {
	if e.Space == "" && e.Tag == "Bulletin" {
		l.bulletin(e)
		return
	}
	l.unknownElement(e, "Bulletins")
}

// result finishes loading: cross-references, then the verdict.
func (l *loader) result() (*Catalog, error) {
	// Bulletin IDs are compared case-insensitively: users type them in
	// --bulletin and SupersededBy in any case.
	for i, b := range l.c.Bulletins {
		if b.ID == "" {
			continue
		}
		key := strings.ToUpper(b.ID)
		if first, dup := l.bulletins[key]; dup {
			l.errorAt(l.bulletinAt[i], "duplicate BulletinID %s (first defined at line %d)", b.ID, l.lineAt(first))
		} else {
			l.bulletins[key] = l.bulletinAt[i]
		}
	}
	l.checkRefs()
	l.checkPatchOverlap()
	l.checkSupersedence()
	if len(l.problems) > 0 {
		return nil, l.validationError()
	}
	l.c.Warnings = l.warningStrings()
	return l.c, nil
}

// container decodes <Things><Thing/>...</Things>.
func (l *loader) container(e *etree.Element, child string, f func(c *etree.Element)) {
	l.checkAttrs(e)
	l.children(e, func(c *etree.Element) bool {
		if c.Tag != child {
			return false
		}
		f(c)
		return true
	})
}

// decode reads the root element. chunked, when not nil, feeds the bulletins
// parsed separately (see structure.go); it is called once, after the
// sections of the root have been read.
func (l *loader) decode(root *etree.Element, chunked func()) {
	c := &Catalog{Source: l.name}
	l.c = c
	if root.Space != "" || root.Tag != "BulletinDatastore" {
		l.errorf(root, "the root element is <%s>; a catalog's root element is <BulletinDatastore>", root.FullTag())
		return
	}
	l.checkAttrs(root, "DataVersion", "LastDataUpdate")
	c.DataVersion, _ = attr(root, "DataVersion")
	c.LastDataUpdate, _ = attr(root, "LastDataUpdate")
	l.date(root, "LastDataUpdate", c.LastDataUpdate)

	l.children(root, func(e *etree.Element) bool {
		switch e.Tag {
		case "ProductFamilies":
			l.container(e, "ProductFamily", l.family)
		case "ServicePacks":
			l.container(e, "ServicePack", l.servicePack)
		case "MSSeverities":
			l.container(e, "MSSeverity", l.severity)
		case "Products":
			l.container(e, "Product", l.product)
		case "Bulletins":
			l.checkAttrs(e)
			for _, t := range e.Child {
				if b, ok := t.(*etree.Element); ok {
					l.bulletinOrUnknown(b)
				}
			}
		default:
			return false
		}
		return true
	})
	if chunked != nil {
		chunked()
	}
}

func (l *loader) defineInt(seen map[int]int32, e *etree.Element, key string, id int) {
	if first, dup := seen[id]; dup {
		l.errorf(e, "duplicate %s %d (first defined at line %d)", key, id, l.lineAt(first))
		return
	}
	seen[id] = l.idx(e)
}

// idName reads the elements that are just an ID and a Name (ProductFamily,
// MSSeverity), recording the ID in seen.
func (l *loader) idName(e *etree.Element, idAttr string, seen map[int]int32) (int, string) {
	l.checkAttrs(e, idAttr, "Name")
	l.children(e, func(*etree.Element) bool { return false })
	id, ok := l.requiredID(e, idAttr)
	name, _ := l.required(e, "Name")
	if ok {
		l.defineInt(seen, e, idAttr, id)
	}
	return id, name
}

func (l *loader) family(e *etree.Element) {
	id, name := l.idName(e, "ProductFamilyID", l.families)
	l.c.ProductFamilies = append(l.c.ProductFamilies, ProductFamily{ID: id, Name: name})
}

func (l *loader) servicePack(e *etree.Element) {
	l.checkAttrs(e, "ServicePackID", "Name", "Level", "ReleaseDate")
	l.children(e, func(*etree.Element) bool { return false })
	id, ok := l.requiredID(e, "ServicePackID")
	name, _ := l.required(e, "Name")
	level := 0
	if s, ok := l.required(e, "Level"); ok {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > 99 {
			l.errorf(e, "<ServicePack>: Level=%s is not a service pack level (0 for none/Gold, 1 for Service Pack 1, ...)", quote(s))
		}
		level = n
	}
	rd, _ := attr(e, "ReleaseDate")
	l.date(e, "ReleaseDate", rd)
	if ok {
		l.defineInt(l.sps, e, "ServicePackID", id)
	}
	l.c.ServicePacks = append(l.c.ServicePacks, ServicePack{ID: id, Name: name, Level: level, ReleaseDate: rd})
}

func (l *loader) severity(e *etree.Element) {
	id, name := l.idName(e, "MSSeverityID", l.sevs)
	l.c.Severities = append(l.c.Severities, Severity{ID: id, Name: name})
}

func (l *loader) product(e *etree.Element) {
	l.checkAttrs(e, "ProductID", "Name", "ProductFamilyID", "CurrentServicePackID")
	p := Product{}
	id, ok := l.requiredID(e, "ProductID")
	p.ID = id
	p.Name, _ = l.required(e, "Name")
	p.FamilyID = l.optionalRef(e, "ProductFamilyID")
	p.CurrentServicePackID = l.optionalRef(e, "CurrentServicePackID")
	if ok {
		l.defineInt(l.products, e, "ProductID", id)
	}
	detections, rules := 0, 0
	l.children(e, func(d *etree.Element) bool {
		if d.Tag != "Detection" {
			return false
		}
		detections++
		l.checkAttrs(d)
		l.children(d, func(r *etree.Element) bool {
			var kind RuleKind
			switch r.Tag {
			case "RegValue":
				kind = RuleRegValue
			case "RegKey":
				kind = RuleRegKey
			case "File":
				kind = RuleFile
			default:
				return false
			}
			rules++
			if rule, ok := l.rule(r, kind); ok {
				p.Detection = append(p.Detection, rule)
			}
			return true
		})
		return true
	})
	if rules == 0 {
		// Every rule of an empty set holds: the product would be "present"
		// on every host and its patches reported everywhere.
		l.errorf(e, "<Product> %d (%s) has no detection rules; without them it would match every host. Add a <Detection> with RegValue, RegKey or File rules", id, p.Name)
	}
	if detections > 1 {
		l.errorf(e, "<Product> %d has %d <Detection> elements; put all its rules in one", id, detections)
	}
	l.c.Products = append(l.c.Products, p)
}

// isCVE matches CVE-YYYY-NNNN (4 to 8 digits), upper case.
func isCVE(s string) bool {
	rest, ok := strings.CutPrefix(s, "CVE-")
	if !ok || len(rest) < 9 || len(rest) > 13 || rest[4] != '-' {
		return false
	}
	return allDigits(rest[:4]) && allDigits(rest[5:])
}

func isSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func (l *loader) bulletin(e *etree.Element) {
	l.checkAttrs(e, "BulletinID", "Title", "DatePosted", "Baseline", "Summary")
	b := Bulletin{Line: l.line(e)}
	var ok bool
	if b.ID, ok = l.required(e, "BulletinID"); ok {
		if strings.IndexFunc(b.ID, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
			l.errorf(e, "<Bulletin>: BulletinID %s contains white space or control characters", quote(b.ID))
		}
	}
	b.Title, _ = l.required(e, "Title")
	b.DatePosted, _ = l.required(e, "DatePosted")
	l.date(e, "DatePosted", b.DatePosted)
	b.Baseline = l.optionalBool(e, "Baseline")
	b.Summary, _ = attr(e, "Summary")

	bi := len(l.c.Bulletins)
	var patchEls []*etree.Element
	l.children(e, func(c *etree.Element) bool {
		switch c.Tag {
		case "QNumbers":
			l.container(c, "QNumber", func(q *etree.Element) {
				l.checkAttrs(q, "QNumber")
				if s, ok := l.required(q, "QNumber"); ok {
					b.QNumbers = append(b.QNumbers, s)
				}
			})
		case "References":
			l.container(c, "Reference", func(r *etree.Element) {
				l.checkAttrs(r, "URL")
				s, ok := l.required(r, "URL")
				if !ok {
					return
				}
				u, err := url.Parse(s)
				if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
					l.errorf(r, "<Reference>: URL %s is not an http(s) URL", quote(s))
					return
				}
				b.References = append(b.References, s)
			})
		case "Patches":
			l.container(c, "Patch", func(p *etree.Element) { patchEls = append(patchEls, p) })
		default:
			return false
		}
		return true
	})
	// Patches sharing SQNumber and PatchName are checked once service
	// pack levels are known (checkPatchOverlap): they are fine as long as
	// they cover different service packs.
	at := make([]int32, 0, len(patchEls))
	for _, pe := range patchEls {
		at = append(at, l.idx(pe))
		b.Patches = append(b.Patches, l.patch(pe, bi, len(b.Patches)))
	}
	if len(patchEls) == 0 {
		l.errorf(e, "bulletin %s has no <Patch>; a bulletin without patches can never apply", orUnnamed(b.ID))
	}
	l.c.Bulletins = append(l.c.Bulletins, b)
	l.bulletinAt = append(l.bulletinAt, l.idx(e))
	l.patchAt = append(l.patchAt, at)
}

func (l *loader) patch(e *etree.Element, bi, pi int) Patch {
	l.checkAttrs(e, "PatchName", "SQNumber", "MSSeverityID", "CVEID", "NoReboot")
	p := Patch{Line: l.line(e)}
	p.Name, _ = attr(e, "PatchName")
	p.SQNumber, _ = l.required(e, "SQNumber")
	p.SeverityID = l.requiredRef(e, "MSSeverityID")
	if s, _ := attr(e, "CVEID"); s != "" {
		for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' || r == ';' || r == '\t' || r == '\n' || r == '\r' }) {
			f = strings.ToUpper(f)
			if !isCVE(f) {
				l.errorf(e, "<Patch>: CVEID %s is not a CVE identifier (CVE-YYYY-NNNN)", quote(f))
				continue
			}
			p.CVEs = append(p.CVEs, f)
		}
	}
	p.NoReboot = l.optionalBool(e, "NoReboot")
	l.children(e, func(c *etree.Element) bool {
		switch c.Tag {
		case "AffectedProduct":
			p.Affected = append(p.Affected, l.affected(c))
		case "RegChecks":
			l.container(c, "RegCheck", func(r *etree.Element) {
				kind := RuleRegValue
				if _, hasName := attr(r, "Name"); !hasName {
					kind = RuleRegKey
				}
				if rule, ok := l.rule(r, kind); ok {
					p.RegChecks = append(p.RegChecks, rule)
				}
			})
		case "FileChecks":
			l.container(c, "FileCheck", func(f *etree.Element) {
				if fc, ok := l.fileCheck(f); ok {
					p.FileChecks = append(p.FileChecks, fc)
				}
			})
		case "SupersededBy", "SupercededBy": // the historical mssecure spelling
			l.checkAttrs(c, "BulletinID", "SQNumber")
			l.children(c, func(*etree.Element) bool { return false })
			id, ok := l.required(c, "BulletinID")
			sq, _ := attr(c, "SQNumber")
			if ok {
				s := Supersedence{BulletinID: id, SQNumber: sq}
				p.SupersededBy = append(p.SupersededBy, s)
				l.supers = append(l.supers, superRef{at: l.idx(c), bulletin: bi, patch: pi, target: s})
			}
		default:
			return false
		}
		return true
	})
	if len(p.Affected) == 0 {
		l.errorf(e, "<Patch> %s has no <AffectedProduct>; it could never apply to a host", orUnnamed(p.SQNumber))
	}
	return p
}

func (l *loader) affected(e *etree.Element) AffectedProduct {
	l.checkAttrs(e, "ProductID", "FixedInSP")
	a := AffectedProduct{ProductID: l.requiredRef(e, "ProductID")}
	if s, ok := attr(e, "FixedInSP"); ok {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > 99 {
			l.errorf(e, "<AffectedProduct>: FixedInSP=%s is not a service pack level (0 = no service pack includes the fix)", quote(s))
		} else {
			a.FixedInSP = n
		}
	}
	l.children(e, func(c *etree.Element) bool {
		if c.Tag != "AffectedServicePack" {
			return false
		}
		l.checkAttrs(c, "ServicePackID")
		l.children(c, func(*etree.Element) bool { return false })
		if id := l.requiredRef(c, "ServicePackID"); id != 0 {
			a.ServicePackIDs = append(a.ServicePackIDs, id)
		}
		return true
	})
	return a
}

func (l *loader) fileCheck(e *etree.Element) (FileCheck, bool) {
	l.checkAttrs(e, "Path", "Version", "SHA256", "Language")
	l.children(e, func(*etree.Element) bool { return false })
	fc := FileCheck{Line: l.line(e)}
	ok := true
	if s, present := l.required(e, "Path"); present {
		p, err := normPath(s)
		if err != nil {
			l.errorf(e, "<FileCheck>: Path %s: %v", quote(s), err)
			ok = false
		}
		fc.Path = p
	} else {
		ok = false
	}
	if s, present := l.required(e, "Version"); present {
		v, err := version.Parse(s)
		if err != nil {
			l.errorf(e, "<FileCheck>: bad Version: %v", err)
			ok = false
		}
		fc.Version = v
	} else {
		ok = false
	}
	if s, _ := attr(e, "SHA256"); s != "" {
		if !isSHA256(s) {
			l.errorf(e, "<FileCheck>: SHA256 %s is not 64 hexadecimal digits", quote(s))
			ok = false
		}
		fc.SHA256 = strings.ToLower(s)
	}
	if s, _ := attr(e, "Language"); s != "" {
		if n, err := strconv.Atoi(s); err != nil || n < 1 || n > 0xFFFF {
			l.errorf(e, "<FileCheck>: Language %s is not a decimal Windows LCID (e.g. 1033 for en-US)", quote(s))
			ok = false
		}
		fc.Language = s
	}
	return fc, ok
}

// rule decodes a RegValue, RegKey, File or RegCheck element.
func (l *loader) rule(e *etree.Element, kind RuleKind) (Rule, bool) {
	r := Rule{Kind: kind, Line: l.line(e)}
	switch {
	case e.Tag == "RegCheck":
		l.checkAttrs(e, "Key", "Name", "Op", "Value")
	case kind == RuleRegValue:
		l.checkAttrs(e, "Key", "Name", "Op", "Value")
	case kind == RuleRegKey:
		l.checkAttrs(e, "Key", "Op")
	case kind == RuleFile:
		l.checkAttrs(e, "Path", "Op", "Version", "Value")
	}
	l.children(e, func(*etree.Element) bool { return false })
	ok := true
	fail := func(format string, a ...any) {
		l.errorf(e, "<%s>: "+format, append([]any{e.Tag}, a...)...)
		ok = false
	}

	if kind == RuleFile {
		if s, present := l.required(e, "Path"); present {
			p, err := normPath(s)
			if err != nil {
				fail("Path %s: %v", quote(s), err)
			}
			r.Path = p
		} else {
			ok = false
		}
	} else {
		if s, present := l.required(e, "Key"); present {
			k, err := normKey(s)
			if err != nil {
				fail("Key %s: %v", quote(s), err)
			}
			r.Key = k
		} else {
			ok = false
		}
		if kind == RuleRegValue {
			if _, present := attr(e, "Name"); !present {
				fail("required attribute Name is missing (use Name=\"\" for the key's default value)")
			}
			// Value names are not trimmed: " x" and "x" are different values.
			for _, a := range e.Attr {
				if a.Space == "" && a.Key == "Name" {
					r.Name = a.Value
				}
			}
		}
	}

	value, hasValue := attr(e, "Value")
	if kind == RuleFile {
		ver, hasVer := attr(e, "Version")
		switch {
		case hasVer && hasValue:
			fail("give Version or Value, not both")
		case hasVer:
			value, hasValue = ver, true
		}
	} else if hasValue {
		// Registry string values are compared as written, spaces included.
		for _, a := range e.Attr {
			if a.Space == "" && a.Key == "Value" {
				value = a.Value
			}
		}
	}

	opStr, hasOp := attr(e, "Op")
	switch {
	case hasOp:
		r.Op = Op(strings.ToLower(opStr))
		if !validOp(r.Op) {
			fail("Op %s is not an operator; use one of %s", quote(opStr), opList(Ops))
			return r, false
		}
	case hasValue && kind == RuleFile:
		fail("Version without Op; say version-ge or version-lt")
		return r, false
	case hasValue:
		r.Op = OpEquals // documented default: a Value alone means equals
	default:
		r.Op = OpExists // documented default: nothing to compare means exists
	}

	allowed := Ops
	switch kind {
	case RuleRegKey:
		allowed = []Op{OpExists, OpAbsent}
	case RuleFile:
		allowed = []Op{OpExists, OpAbsent, OpVersionGE, OpVersionLT}
	}
	if !hasOpIn(allowed, r.Op) {
		what := e.Tag
		if e.Tag == "RegCheck" && kind == RuleRegKey {
			what = "RegCheck without Name (a key test)"
		}
		fail("Op %s cannot be used on %s; use one of %s", r.Op, what, opList(allowed))
		return r, false
	}

	switch r.Op {
	case OpExists, OpAbsent:
		if hasValue {
			fail("Op %s takes no Value/Version; remove it or use a comparing operator", r.Op)
		}
		return r, ok
	}
	if !hasValue {
		fail("Op %s needs a Value to compare with", r.Op)
		return r, false
	}
	r.Value = value
	switch r.Op {
	case OpVersionGE, OpVersionLT:
		v, err := version.Parse(value)
		if err != nil {
			fail("bad version for %s: %v", r.Op, err)
		}
		r.Version = v
	case OpNumberGE, OpNumberLE:
		if !isNumber(strings.TrimSpace(value)) {
			fail("Value %s for %s is not an unsigned 64-bit number (decimal, or hexadecimal with 0x)", quote(value), r.Op)
		}
	case OpMatches:
		if len(value) > maxRegexp {
			fail("regular expression is longer than %d characters", maxRegexp)
			break
		}
		re, err := regexp.Compile(value)
		if err != nil {
			fail("bad regular expression: %v", err)
		}
		r.Regexp = re
	}
	return r, ok
}

// maxRegexp bounds a pattern's length; Go regexps run in linear time, but a
// huge pattern still costs memory on every host scanned.
const maxRegexp = 4096

func validOp(op Op) bool { return hasOpIn(Ops, op) }

func hasOpIn(ops []Op, op Op) bool {
	for _, o := range ops {
		if o == op {
			return true
		}
	}
	return false
}

func opList(ops []Op) string {
	s := make([]string, len(ops))
	for i, o := range ops {
		s[i] = string(o)
	}
	return strings.Join(s, ", ")
}

// isNumber accepts what number-* operators compare with, as the engine
// reads it: an unsigned 64-bit integer, decimal or 0x-prefixed hexadecimal
// (REG_DWORD and REG_QWORD values are unsigned).
func isNumber(s string) bool {
	if len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X") {
		_, err := strconv.ParseUint(s[2:], 16, 64)
		return err == nil
	}
	_, err := strconv.ParseUint(s, 10, 64)
	return err == nil
}

// ---- cross references ----

func (l *loader) checkRefs() {
	for _, r := range l.refs {
		var defs map[int]int32
		switch r.attr {
		case "ProductFamilyID":
			defs = l.families
		case "ServicePackID", "CurrentServicePackID":
			defs = l.sps
		case "MSSeverityID":
			defs = l.sevs
		case "ProductID":
			defs = l.products
		}
		if _, ok := defs[r.id]; !ok {
			l.errorAt(r.at, "<%s>: %s %d is not defined in this catalog", r.tag, r.attr, r.id)
		}
	}
}

// checkSupersedence resolves SupersededBy targets and rejects cycles (a patch
// that supersedes itself, directly or not, would make the engine call a
// missing patch compliant).
//
// A target bulletin that is not in the catalog is a warning: partial
// catalogs legitimately name later bulletins they do not carry, and such a
// supersedence can never be satisfied, so the patch is judged on its own. A
// target bulletin that is present but has no patch with the named SQNumber
// is an error: that is a typo.
func (l *loader) checkSupersedence() {
	bs := l.c.Bulletins
	base := make([]int, len(bs)+1) // node number of each bulletin's first patch
	for i, b := range bs {
		base[i+1] = base[i] + len(b.Patches)
	}
	patches := base[len(bs)]
	byID := make(map[string]int, len(bs))
	for i, b := range bs {
		if _, dup := byID[strings.ToUpper(b.ID)]; !dup {
			byID[strings.ToUpper(b.ID)] = i
		}
	}
	// Each distinct target (a bulletin, or a KB in it) becomes one extra
	// node with edges to the patches it names, built once: many patches
	// superseded by one big bulletin then cost one edge each, not one per
	// patch of that bulletin.
	type target struct {
		bulletin int
		sq       string
	}
	targets := map[target]int{}
	edges := make([][]int, patches)
	for _, s := range l.supers {
		ti, ok := byID[strings.ToUpper(s.target.BulletinID)]
		if !ok {
			l.warnAt("super\x00"+strings.ToUpper(s.target.BulletinID), s.at,
				"SupersededBy names bulletin %s, which is not in this catalog; that supersedence is ignored", s.target.BulletinID)
			continue
		}
		key := target{ti, strings.ToUpper(s.target.SQNumber)}
		n, seen := targets[key]
		if !seen {
			var to []int
			for pi, tp := range bs[ti].Patches {
				if key.sq == "" || strings.EqualFold(tp.SQNumber, key.sq) {
					to = append(to, base[ti]+pi)
				}
			}
			n = -1
			if len(to) > 0 {
				n = len(edges)
				edges = append(edges, to)
			}
			targets[key] = n
		}
		if n < 0 {
			l.errorAt(s.at, "SupersededBy: bulletin %s has no patch %s", s.target.BulletinID, s.target.SQNumber)
			continue
		}
		from := base[s.bulletin] + s.patch
		edges[from] = append(edges[from], n)
	}
	l.findCycles(edges, func(n int) (int, int, bool) {
		if n >= patches {
			return 0, 0, false // a target node, not a patch
		}
		bi := sort.Search(len(bs), func(i int) bool { return base[i+1] > n })
		return bi, n - base[bi], true
	})
}

// findCycles runs an iterative depth-first search (catalogs may chain
// thousands of patches; recursion depth must not depend on input) and
// reports each cycle once.
func (l *loader) findCycles(edges [][]int, node func(int) (bulletin, patch int, isPatch bool)) {
	const (
		white = iota
		grey
		black
	)
	color := make([]uint8, len(edges))
	type frame struct{ n, next int }
	var stack []frame
	name := func(n int) string {
		bi, pi, _ := node(n)
		b := l.c.Bulletins[bi]
		return b.ID + " " + b.Patches[pi].SQNumber
	}
	for start := range edges {
		if color[start] != white || len(edges[start]) == 0 {
			continue
		}
		stack = append(stack[:0], frame{n: start})
		color[start] = grey
		for len(stack) > 0 {
			top := &stack[len(stack)-1]
			if top.next == len(edges[top.n]) {
				color[top.n] = black
				stack = stack[:len(stack)-1]
				continue
			}
			m := edges[top.n][top.next]
			top.next++
			switch color[m] {
			case white:
				color[m] = grey
				stack = append(stack, frame{n: m})
			case grey: // back edge: the cycle is the stack from m to the top
				var path []int
				i := len(stack) - 1
				for stack[i].n != m {
					i--
				}
				for _, f := range stack[i:] {
					if _, _, ok := node(f.n); ok {
						path = append(path, f.n)
					}
				}
				if len(path) == 0 {
					break
				}
				names := make([]string, 0, len(path)+1)
				for _, n := range path {
					names = append(names, name(n))
				}
				names = append(names, name(path[0]))
				bi, pi, _ := node(path[0])
				l.errorAt(l.patchAt[bi][pi], "supersedence cycle: %s; a patch cannot be superseded by itself", strings.Join(names, " -> "))
			}
		}
	}
}
