package catalog

import (
	"regexp"
	"strings"
)

// loader reads a document into a Catalog, collecting every problem instead
// of stopping at the first. Elements are decoded as they stream past (see
// xmlreader.go); what can only be checked once everything is read (IDs
// referred to, duplicate bulletins, supersedence, overlapping patches) is
// kept as positions and IDs, and checked by result.
type loader struct {
	findings
	doc *docReader
	c   *Catalog

	// Line of the first definition of each ID, for duplicates and
	// references.
	families, servicePacks, severities, products map[int]int32
	refs                                         []reference
	supers                                       []superRef
	bulletinAt                                   []pos   // start tag of each of c.Bulletins
	patchAt                                      [][]pos // and of each of their patches

	// Format 2: the first format-2 item (for the FormatVersion warning)
	// and the line of each Vulnerability's CVE.
	v2At      pos
	v2What    string
	formatBad bool // FormatVersion is set to a format this loader does not read
	cveAt     map[string]int32

	// regexps are the patterns compiled so far: rules with the same
	// pattern share one *regexp.Regexp.
	regexps map[string]*regexp.Regexp

	// The content budget (budget.go): estimated bytes the catalog takes so
	// far, the most it may take, and where it was exceeded.
	spent, budget int64
	overBudgetAt  pos
}

func newLoader(name string, doc *docReader, budget int64) *loader {
	return &loader{
		findings:     newFindings(name),
		doc:          doc,
		budget:       budget,
		regexps:      map[string]*regexp.Regexp{},
		c:            &Catalog{Source: name},
		families:     map[int]int32{},
		servicePacks: map[int]int32{},
		severities:   map[int]int32{},
		products:     map[int]int32{},
		cveAt:        map[string]int32{},
	}
}

// children reads e's child elements. f gets each unprefixed one and returns
// false for names it does not know, which are warned about once per name and
// skipped. f reads the child it takes to its end (with children, leaf or
// container).
func (l *loader) children(e *element, f func(c *element) bool) {
	for {
		c, ok := l.doc.child()
		if !ok {
			return
		}
		if c.name.Space != "" || !f(c) {
			l.warnAt(warningKey{"elem", c.tag(), ""}, c.at, "unknown element <%s> in <%s> ignored", c.tag(), e.name.Local)
			l.doc.skip()
			continue
		}
		l.spend(c)
	}
}

// leaf reads an element that has no children in the format.
func (l *loader) leaf(e *element) {
	l.children(e, func(*element) bool { return false })
}

// container reads <Things><Thing/>...</Things>.
func (l *loader) container(e *element, child string, f func(c *element)) {
	l.checkAttrs(e)
	l.children(e, func(c *element) bool {
		if c.name.Local != child {
			return false
		}
		f(c)
		return true
	})
}

// document reads the whole document: the root element and whatever follows
// it.
func (l *loader) document() {
	root, ok := l.doc.child()
	if !ok {
		return
	}
	if root.name.Space != "" || root.name.Local != "BulletinDatastore" {
		l.errorAt(root.at, "the root element is <%s>; a catalog's root element is <BulletinDatastore>", root.tag())
		l.doc.skip()
	} else {
		l.root(root)
	}
	l.doc.finish()
}

// root reads <BulletinDatastore>. The sections may come in any order and
// repeat.
func (l *loader) root(e *element) {
	c := l.c
	l.checkAttrs(e, "DataVersion", "LastDataUpdate", "FormatVersion")
	l.formatVersion(e)
	c.DataVersion, _ = attr(e, "DataVersion")
	c.LastDataUpdate, _ = attr(e, "LastDataUpdate")
	l.date(e, "LastDataUpdate", c.LastDataUpdate)
	l.children(e, func(s *element) bool {
		switch s.name.Local {
		case "ProductFamilies":
			l.container(s, "ProductFamily", l.family)
		case "ServicePacks":
			l.container(s, "ServicePack", l.servicePack)
		case "MSSeverities":
			l.container(s, "MSSeverity", l.severity)
		case "Products":
			l.container(s, "Product", l.product)
		case "Bulletins":
			l.container(s, "Bulletin", l.bulletin)
		case "Vulnerabilities":
			l.container(s, "Vulnerability", l.vulnerability)
		default:
			return false
		}
		return true
	})
}

// result finishes loading once the document is read: the checks across
// elements, then the verdict.
func (l *loader) result() (*Catalog, error) {
	l.checkDuplicateBulletins()
	l.checkRefs()
	l.checkPatchOverlap()
	l.checkSupersedence()
	l.checkFormatVersion()
	if len(l.problems) > 0 {
		return nil, l.validationError()
	}
	l.c.Warnings = l.warningStrings()
	return l.c, nil
}

// checkDuplicateBulletins: BulletinIDs are unique, compared
// case-insensitively (users type them in --bulletin and SupersededBy in any
// case).
func (l *loader) checkDuplicateBulletins() {
	first := make(map[string]int32, len(l.c.Bulletins))
	for i, b := range l.c.Bulletins {
		if b.ID == "" {
			continue
		}
		key := strings.ToUpper(b.ID)
		if line, dup := first[key]; dup {
			l.errorAt(l.bulletinAt[i], "duplicate BulletinID %s (first defined at line %d)", b.ID, line)
		} else {
			first[key] = l.bulletinAt[i].line
		}
	}
}
