package msrc

import (
	"errors"
	"fmt"
	"sort"
	"strconv"

	"github.com/patchscan/patchscan/catalog"
)

// Severity IDs of the converted catalog (MSRC's ratings, MBSA's IDs).
var severityIDs = map[string]int{"Critical": 1, "Important": 2, "Moderate": 3, "Low": 4}

// unrated is the severity of a patch none of whose CVEs MSRC rated.
const unrated = 5

// ErrNoWindowsUpdates says the documents hold no Windows OS update.
var ErrNoWindowsUpdates = errors.New("no Windows operating system updates in these documents")

type converter struct {
	docs     []*Document
	products map[string]*product // by MSRC ProductID
	entries  []*entry
	vulns    []map[string]*Vulnerability // per document: CVE -> vulnerability
	warnings []Warning
	warnIdx  map[warnKey]int
	usedSev  map[int]bool
	known    map[prodKB][]string // checkable builds of a KB and product, from any document
}

// Convert turns parsed documents into a catalog (format v2): one Bulletin
// per document (BulletinID = the document's ID, e.g. "2026-Feb"), its
// Windows OS products with detection rules, and a Vulnerabilities table.
// Documents may come in any order; a document ID given twice keeps the
// copy with the later CurrentRelease. The warnings list what the source
// data got wrong and how it was handled; see docs/msrc-import.md.
func Convert(docs []*Document) (*catalog.Catalog, []Warning, error) {
	c := &converter{products: map[string]*product{}, usedSev: map[int]bool{}}
	c.docs = c.dedupe(docs)
	c.identifyProducts()
	c.indexVulns()
	c.collect()
	c.inferBuilds()
	c.resolve()
	c.checkSupersedence()
	cat := c.catalog()
	if len(cat.Bulletins) == 0 {
		return nil, c.sortedWarnings(), ErrNoWindowsUpdates
	}
	return cat, c.sortedWarnings(), nil
}

// dedupe keeps one document per ID and orders them by release date.
func (c *converter) dedupe(docs []*Document) []*Document {
	byID := map[string]*Document{}
	for _, d := range docs {
		if d == nil {
			continue
		}
		if old, ok := byID[d.ID]; ok {
			keep := old
			if d.CurrentRelease > old.CurrentRelease {
				keep = d
			}
			c.warn(Warning{Doc: d.ID, Text: fmt.Sprintf("given twice (%s, %s); the copy of %s is used", old.Source, d.Source, keep.CurrentRelease)})
			byID[d.ID] = keep
			continue
		}
		byID[d.ID] = d
	}
	out := make([]*Document, 0, len(byID))
	for _, d := range byID {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if da, db := releaseDate(a), releaseDate(b); da != db {
			return da < db
		}
		return a.ID < b.ID
	})
	return out
}

func releaseDate(d *Document) string {
	if d.InitialRelease != "" {
		return d.InitialRelease
	}
	return d.CurrentRelease
}

// identifyProducts keeps every Windows OS product of the documents, named
// as in the newest document that lists it.
func (c *converter) identifyProducts() {
	reported := map[string]bool{}
	for _, d := range c.docs {
		for _, pr := range d.Products {
			o, ok, unfamiliar := Identify(pr.Name)
			id, err := strconv.Atoi(pr.ID)
			switch {
			case ok && (err != nil || id <= 0):
				c.warn(Warning{Doc: d.ID, Products: []string{pr.Name}, Text: fmt.Sprintf("ProductID %q is not a positive number; the product is left out", clip(pr.ID))})
			case ok:
				c.products[pr.ID] = &product{OS: o, mid: pr.ID, id: id}
			case unfamiliar && !reported[pr.Name]:
				reported[pr.Name] = true
				c.warn(Warning{Doc: d.ID, Products: []string{pr.Name}, Text: "looks like a Windows release but its name has a shape patchscan does not know; its updates are left out (please report it)"})
			}
		}
	}
}

func (c *converter) indexVulns() {
	c.vulns = make([]map[string]*Vulnerability, len(c.docs))
	for i, d := range c.docs {
		m := make(map[string]*Vulnerability, len(d.Vulnerabilities))
		for j := range d.Vulnerabilities {
			v := &d.Vulnerabilities[j]
			if v.CVE != "" {
				m[v.CVE] = v
			}
		}
		c.vulns[i] = m
	}
}

// inferBuilds gives a build to modern products of releases patchscan's
// table does not know, from the FixedBuilds MSRC lists for them: the build
// of a strict majority. Without one, the product's updates cannot be
// checked and are left out.
func (c *converter) inferBuilds() {
	counts := map[*product]map[int]int{}
	for _, e := range c.entries {
		if e.prod.Build != 0 || !e.prod.Modern() {
			continue
		}
		if counts[e.prod] == nil {
			counts[e.prod] = map[int]int{}
		}
		for _, raw := range e.builds {
			if b, _, ok := modernBuild(raw); ok {
				counts[e.prod][b]++
			}
		}
	}
	for p, m := range counts {
		total, best, bestN := 0, 0, 0
		for b, n := range m {
			total += n
			if n > bestN || (n == bestN && b < best) {
				best, bestN = b, n
			}
		}
		if bestN*2 > total {
			p.Build = best
			c.warn(Warning{Products: []string{p.Name}, Text: fmt.Sprintf("a release patchscan's build table does not know: build %d inferred from %d of its %d FixedBuilds", best, bestN, total)})
		}
	}
	kept := c.entries[:0]
	for _, e := range c.entries {
		if e.prod.Build == 0 {
			c.warn(Warning{Doc: c.docs[e.doc].ID, KB: e.kb, CVEs: e.cves, Products: []string{e.prod.Name}, Text: "the release's build is unknown and MSRC's FixedBuilds do not say it: the update is left out"})
			continue
		}
		kept = append(kept, e)
	}
	c.entries = kept
}
