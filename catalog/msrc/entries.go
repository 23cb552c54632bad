package msrc

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// product is an MSRC Windows OS product kept in the catalog.
type product struct {
	OS
	mid string // MSRC ProductID, e.g. "11571"
	id  int    // catalog ProductID: the MSRC ID, which MSRC keeps across years
}

// entry is one KB for one product in one document: every Vendor Fix of
// every CVE naming that KB and product, merged.
type entry struct {
	doc        int // index in converter.docs
	kb         string
	prod       *product
	subType    string
	builds     []string // distinct raw FixedBuild values; "" = a fix without one
	cves       []string // sorted, distinct
	supersedes []string // KBs, distinct

	// Resolved by resolve: the build checked, or why none can be.
	fixed string // "10.0.17763.8389"; "" when note is set
	note  string
}

type entryKey struct {
	doc      int
	kb, prod string
}

var validKB = regexp.MustCompile(`^\d{6,8}$`)

// collect gathers the entries of every document.
func (c *converter) collect() {
	idx := map[entryKey]*entry{}
	for di, d := range c.docs {
		for vi := range d.Vulnerabilities {
			v := &d.Vulnerabilities[vi]
			for _, f := range v.Fixes {
				c.collectFix(idx, di, v, f)
			}
		}
	}
	for _, e := range c.entries {
		sort.Strings(e.cves)
	}
}

func (c *converter) collectFix(idx map[entryKey]*entry, di int, v *Vulnerability, f Remediation) {
	var prods []*product
	for _, id := range f.ProductIDs {
		if p := c.products[id]; p != nil {
			prods = append(prods, p)
		}
	}
	if len(prods) == 0 {
		return // not a Windows OS fix
	}
	d := c.docs[di]
	switch {
	case v.CVE == "":
		c.warn(Warning{Doc: d.ID, KB: f.KB, Products: names(prods), Text: fmt.Sprintf("line %d: a Vulnerability without a CVE ID lists this fix; it is left out", v.Line)})
		return
	case !validKB.MatchString(f.KB):
		c.warn(Warning{Doc: d.ID, CVEs: []string{v.CVE}, Products: names(prods), Text: fmt.Sprintf("line %d: the Vendor Fix names %q, not a KB number; it is left out", f.Line, clip(f.KB))})
		return
	}
	for _, p := range prods {
		k := entryKey{di, f.KB, p.mid}
		e := idx[k]
		if e == nil {
			e = &entry{doc: di, kb: f.KB, prod: p, subType: f.SubType}
			idx[k] = e
			c.entries = append(c.entries, e)
		}
		e.builds = addString(e.builds, f.FixedBuild)
		e.cves = addString(e.cves, v.CVE)
		for _, s := range f.Supersedes {
			e.supersedes = addString(e.supersedes, s)
		}
		if e.subType == "" {
			e.subType = f.SubType
		}
	}
}

func addString(s []string, x string) []string {
	for _, y := range s {
		if y == x {
			return s
		}
	}
	return append(s, x)
}

// modernBuild parses a FixedBuild of the form 10.0.BUILD.UBR.
func modernBuild(s string) (build, ubr int, ok bool) {
	p := strings.Split(strings.TrimSpace(s), ".")
	if len(p) != 4 || p[0] != "10" || p[1] != "0" {
		return 0, 0, false
	}
	b, err1 := strconv.Atoi(p[2])
	u, err2 := strconv.Atoi(p[3])
	if err1 != nil || err2 != nil || b < 10240 || b > 99999 || u < 0 || u > 999999 {
		return 0, 0, false
	}
	return b, u, true
}

// resolve decides, for every entry, the build to check or the note to give.
func (c *converter) resolve() {
	c.known = map[prodKB][]string{}
	for _, e := range c.entries {
		for _, raw := range e.builds {
			if fixed, ok := checkable(e.prod.OS, raw); ok {
				k := prodKB{e.prod.mid, e.kb}
				c.known[k] = addString(c.known[k], fixed)
			}
		}
	}
	for _, e := range c.entries {
		if !e.prod.Modern() {
			e.note = legacyNote(e)
			continue
		}
		c.resolveModern(e)
	}
}

// checkable turns a raw FixedBuild into the build checked on product o
// (its own build at the same UBR), if it is one.
func checkable(o OS, raw string) (string, bool) {
	b, u, ok := modernBuild(raw)
	if !ok || u == 0 || !sameBranch(o, b) {
		return "", false
	}
	return fmt.Sprintf("10.0.%d.%d", o.Build, u), true
}

// legacyNote explains why an update for Windows before 10 is not checked
// (docs/msrc-import.md, "Windows before 10").
func legacyNote(e *entry) string {
	var fb []string
	for _, b := range e.builds {
		if b != "" {
			fb = append(fb, b)
		}
	}
	if len(fb) == 0 {
		return fmt.Sprintf("MSRC gives no fixed build for KB%s, and Windows releases before 10 keep no update build revision (UBR) to compare with: patchscan cannot check this update from MSRC data.", e.kb)
	}
	return fmt.Sprintf("MSRC gives %s as the fixed build of KB%s, but Windows releases before 10 keep no update build revision (UBR) and no single file carries each month's build: patchscan cannot check this update from MSRC data.", strings.Join(fb, ", "), e.kb)
}

// resolveModern checks an entry's FixedBuilds against its product's build.
func (c *converter) resolveModern(e *entry) {
	d := c.docs[e.doc]
	good, bad, missing := c.classify(e)
	if len(good) == 0 {
		// MSRC's other documents may give this KB's build for the product
		// (a document revising one of its CVEs): the build of a KB does
		// not change from one document to the next.
		if other := c.known[prodKB{e.prod.mid, e.kb}]; len(other) == 1 {
			e.fixed = other[0]
			c.warn(Warning{Doc: d.ID, KB: e.kb, CVEs: e.cves, Products: []string{e.prod.Name},
				Text: fmt.Sprintf("no usable FixedBuild in this document; %s, which another document gives this KB, is checked", e.fixed)})
			return
		}
	}
	switch {
	case len(good) > 1:
		sort.Strings(good)
		e.note = fmt.Sprintf("MSRC gives different fixed builds for KB%s (%s): patchscan cannot tell which one holds.", e.kb, strings.Join(good, ", "))
	case len(good) == 1:
		e.fixed = good[0]
		if len(bad) > 0 {
			c.warn(Warning{Doc: d.ID, KB: e.kb, CVEs: e.cves, Products: []string{e.prod.Name},
				Text: fmt.Sprintf("FixedBuild %s ignored: %s, from the other fixes of this KB, is checked", strings.Join(bad, ", "), e.fixed)})
		}
		return
	case len(bad) > 0:
		e.note = fmt.Sprintf("MSRC gives FixedBuild %s for KB%s, which is not a build of the Windows release it is listed for (10.0.%d.x): patchscan cannot check this update.", strings.Join(bad, ", "), e.kb, e.prod.Build)
	case missing:
		e.note = fmt.Sprintf("MSRC gives no fixed build for KB%s: patchscan cannot check this update.", e.kb)
	}
	c.warn(Warning{Doc: d.ID, KB: e.kb, CVEs: e.cves, Products: []string{e.prod.Name}, Text: e.note})
}

// classify sorts an entry's FixedBuilds into the builds to check (each on
// the product's own build), unusable ones, and whether a fix gave none.
func (c *converter) classify(e *entry) (good, bad []string, missing bool) {
	for _, raw := range e.builds {
		if raw == "" {
			missing = true
			continue
		}
		fixed, ok := checkable(e.prod.OS, raw)
		if !ok {
			bad = append(bad, raw)
			continue
		}
		if b, _, _ := modernBuild(raw); b != e.prod.Build {
			c.warn(Warning{Doc: c.docs[e.doc].ID, KB: e.kb, CVEs: e.cves, Products: []string{e.prod.Name},
				Text: fmt.Sprintf("FixedBuild %s is build %d, another build of the same servicing branch (enablement package): the same UBR is checked on each product's own build", raw, b)})
		}
		good = addString(good, fixed)
	}
	return good, bad, missing
}
