package mssecure

import (
	"errors"
	"fmt"
	"strings"

	"github.com/patchscan/patchscan/catalog"
)

// Report says what a conversion read and wrote, for the import command's
// summary: the source's own counts first (what HFNetChk would have judged),
// then what the native catalog holds.
type Report struct {
	DataVersion, DataDate string // the root's DataVersion, LastDataUpdate as YYYY-MM-DD

	SourceBulletins int // Bulletin rows
	SourcePatches   int // Patch rows
	SourceChecked   int // Patch rows that name a RegChg or a FileChg
	SourceProducts  int // Product rows

	Bulletins int // native bulletins (bulletins without patches are left out)
	Patches   int // native patches (a source patch can give a judged one and a note)
	Judged    int // native patches with registry or file checks
	Notes     int // native patches that are notes

	Detected     int // source products with detection rules
	Undetectable int // source products that cannot be recognised remotely

	Unsupported  int // RegChanges and FileChanges of command u, left out as HFNetChk did
	ChecksumOnly int // FileChanges without a version: HFNetChk's checksum only, not verified

	Warnings []string // file:line:col: message, in document order
}

// String is the import command's summary.
func (r *Report) String() string {
	return fmt.Sprintf("mssecure.xml %s (data of %s): %d bulletins, %d patches, %d of them with registry or file checks, %d products (%d detected by rules, %d cannot be recognised remotely) -> %d bulletins, %d patches (%d judged by checks, %d notes)",
		orDash(r.DataVersion), orDash(r.DataDate), r.SourceBulletins, r.SourcePatches, r.SourceChecked, r.SourceProducts,
		r.Detected, r.Undetectable, r.Bulletins, r.Patches, r.Judged, r.Notes)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// ErrNoBulletins says nothing of the document could be converted.
var ErrNoBulletins = errors.New("no bulletin of the file has a patch to convert")

// maxElements bounds the elements a conversion writes (products, rules,
// patches, AffectedProducts, checks). A real file makes a few thousand; a
// hostile one could multiply its rows (a note on every Windows product for
// every patch), so past this the conversion stops with an error rather than
// build a catalog the loader would refuse anyway (it reads two million tags
// at most).
var maxElements = 1_000_000

// Convert turns a parsed mssecure.xml into a native catalog (format 2).
// What the source cannot express as a check becomes a Patch Note naming
// the reason, and is listed in the report's warnings with its position.
func Convert(d *Document) (*catalog.Catalog, *Report, error) {
	c := newConverter(d)
	c.index()
	c.defineProducts()
	c.defineSeverities()
	for i := range d.Bulletins {
		if c.elements > maxElements {
			return nil, c.rep, fmt.Errorf("%s: the converted catalog would hold more than %d elements (products, patches, checks), more than a native catalog may; stopped at bulletin %s (line %d)",
				d.Source, maxElements, d.Bulletins[i].ID, d.Bulletins[i].Line)
		}
		c.bulletin(&d.Bulletins[i])
	}
	c.resolveOverlaps()
	c.supersedence()
	c.finish()
	if len(c.out.Bulletins) == 0 {
		return nil, c.rep, ErrNoBulletins
	}
	return c.out, c.rep, nil
}

// converter holds the document's tables by ID and the catalog being built.
type converter struct {
	d   *Document
	f   *catalog.Findings
	out *catalog.Catalog
	rep *Report

	locations   map[int]*Location
	regChanges  rowIndex[RegChange]
	fileChanges rowIndex[FileChange]
	sps         map[int]*ServicePack
	spInfo      map[int]spInfo
	products    map[int]*product
	families    map[int]string
	comments    map[int]string
	sbs         map[int]*SupercededBy

	severities map[int]bool // native MSSeverityIDs
	unrated    int          // the severity of patches the source does not rate

	nativeSP   map[int]bool          // ServicePackIDs written as native service packs
	osProducts map[osFamily][]int    // native OS products by family
	derived    map[derivedKey]int    // products made for service pack or OS restrictions
	usedIDs    map[int]bool          // native ProductIDs taken
	nextID     int                   // where to look for a free ProductID
	bulletinAt map[string]int        // native bulletin index by upper-case ID
	origins    [][]origin            // per native bulletin, per native patch: its source
	byName     map[nameKey][]string  // (bulletin, PatchName) -> SQNumbers, for SupercededBy
	platform   map[osFamily]int      // "any edition" products made for notes
	noteOnly   map[*Product]struct{} // undetectable products already warned about
	elements   int                   // elements written so far (maxElements)
}

// origin is the source patch a native patch comes from.
type origin struct {
	src  *Patch
	note bool
}

type nameKey struct{ bulletin, patch string }

func newConverter(d *Document) *converter {
	f := d.findings
	if f == nil {
		f = catalog.NewFindings(d.Source)
	}
	return &converter{
		d: d, f: f,
		out:        &catalog.Catalog{Source: d.Source, DataVersion: d.DataVersion, FormatVersion: 2},
		rep:        &Report{DataVersion: d.DataVersion},
		locations:  map[int]*Location{},
		sps:        map[int]*ServicePack{},
		spInfo:     map[int]spInfo{},
		products:   map[int]*product{},
		families:   map[int]string{},
		comments:   map[int]string{},
		sbs:        map[int]*SupercededBy{},
		severities: map[int]bool{},
		nativeSP:   map[int]bool{},
		osProducts: map[osFamily][]int{},
		derived:    map[derivedKey]int{},
		usedIDs:    map[int]bool{},
		bulletinAt: map[string]int{},
		byName:     map[nameKey][]string{},
		platform:   map[osFamily]int{},
		noteOnly:   map[*Product]struct{}{},
	}
}

// warn records a tolerated problem of the source at a position; warnings
// with the same key are counted, not repeated.
func (c *converter) warn(key string, at Pos, format string, a ...any) {
	c.f.Warnf(key, at.Line, at.Col, format, a...)
}

// index builds the lookup tables. The first row of an ID counts; a later
// row with the same ID is a warning (real files repeat some).
func (c *converter) index() {
	for i := range c.d.Locations {
		l := &c.d.Locations[i]
		if old, dup := c.locations[l.ID]; dup {
			if old.Path != l.Path {
				c.warn("dup location", l.Pos, "LocationID %d is defined again (first at line %d) with another path; the first is used", l.ID, old.Line)
			}
			continue
		}
		c.locations[l.ID] = l
	}
	c.regChanges = newRowIndex(c.d.RegChanges, func(r *RegChange) int { return r.ID },
		func(a, b *RegChange) bool { x, y := *a, *b; x.Pos, y.Pos = Pos{}, Pos{}; return x == y })
	c.fileChanges = newRowIndex(c.d.FileChanges, func(f *FileChange) int { return f.ID },
		func(a, b *FileChange) bool { x, y := *a, *b; x.Pos, y.Pos = Pos{}, Pos{}; return x == y })
	for i := range c.d.ServicePacks {
		sp := &c.d.ServicePacks[i]
		if _, dup := c.sps[sp.ID]; dup || sp.ID == NoID {
			c.warn("dup sp", sp.Pos, "ServicePackID %d is defined again or empty; the row is ignored", sp.ID)
			continue
		}
		c.sps[sp.ID] = sp
		c.spInfo[sp.ID] = classifySP(sp.Name)
	}
	for _, fam := range c.d.Families {
		name := strings.Join(strings.Fields(fam.Name), " ")
		old, dup := c.families[fam.ID]
		switch {
		case !dup && name == "":
			c.families[fam.ID] = "Family " + itoa(fam.ID)
		case !dup:
			c.families[fam.ID] = name
		case name != "" && !strings.Contains(old, name) && len(old) < 200:
			c.families[fam.ID] = old + " / " + name // real files name 99 "IE" and "Internet Explorer"
		}
	}
	for _, cm := range c.d.Comments {
		c.comments[cm.ID] = cm.Text
	}
	for i := range c.d.SupercededBys {
		sb := &c.d.SupercededBys[i]
		if _, dup := c.sbs[sb.ID]; !dup {
			c.sbs[sb.ID] = sb
		}
	}
}

// finish completes the catalog and the report.
func (c *converter) finish() {
	c.out.LastDataUpdate, _ = normDate(c.d.LastDataUpdate)
	r := c.rep
	r.DataDate = c.out.LastDataUpdate
	r.SourceBulletins = len(c.d.Bulletins)
	r.SourceProducts = len(c.d.Products)
	for _, b := range c.d.Bulletins {
		r.SourcePatches += len(b.Patches)
		for _, p := range b.Patches {
			if len(p.RegChgs)+len(p.FileChgs) > 0 {
				r.SourceChecked++
			}
		}
	}
	r.Bulletins = len(c.out.Bulletins)
	for _, b := range c.out.Bulletins {
		for _, p := range b.Patches {
			r.Patches++
			switch {
			case p.Note != "":
				r.Notes++
			case len(p.RegChecks)+len(p.FileChecks) > 0:
				r.Judged++
			}
		}
	}
	r.Warnings = c.f.Warnings()
}

// comment joins the comments a row refers to.
func (c *converter) comment(ids []int) string {
	var out []string
	for _, id := range ids {
		if t := strings.TrimSpace(c.comments[id]); t != "" && !isOneOf(t, out) {
			out = append(out, t)
		}
	}
	return strings.Join(out, " ")
}
