package msrc

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/patchscan/patchscan/catalog"
	"github.com/patchscan/patchscan/internal/version"
)

type prodKB struct{ prod, kb string }

// checkSupersedence finds FixedBuilds that contradict MSRC's own
// supersedence: an update that replaces another, for the same product and
// build, cannot need a lower UBR than the one it replaces. The replaced
// update then becomes a note (its verdict only matters on hosts below the
// replacing one, where the data contradicts itself); the replacing update
// keeps its check. Real case: 2021-Jul lists KB5004945 (the PrintNightmare
// out-of-band update, OS build 19041.1083) with FixedBuild 10.0.19041.1803,
// while KB5004237, which supersedes it, has 10.0.19041.1107.
func (c *converter) checkSupersedence() {
	byKB := map[prodKB][]*entry{}
	for _, e := range c.entries {
		k := prodKB{e.prod.mid, e.kb}
		byKB[k] = append(byKB[k], e)
	}
	for _, e := range c.entries {
		if e.fixed == "" {
			continue
		}
		b, u, _ := modernBuild(e.fixed)
		for _, old := range e.supersedes {
			for _, o := range byKB[prodKB{e.prod.mid, old}] {
				ob, ou, ok := modernBuild(o.fixed)
				if !ok || ob != b || ou <= u {
					continue
				}
				o.note = fmt.Sprintf("MSRC gives fixed build %s for KB%s, above %s of KB%s, which supersedes it: the data contradicts itself, so patchscan cannot check KB%s (KB%s still is).", o.fixed, o.kb, e.fixed, e.kb, o.kb, e.kb)
				o.fixed = ""
				c.warn(Warning{Doc: c.docs[o.doc].ID, KB: o.kb, CVEs: o.cves, Products: []string{o.prod.Name}, Text: o.note})
			}
		}
	}
}

// patchKey groups a document's entries into patches: one Patch per KB and
// set of products sharing the same kind, check and CVEs.
type patchKey struct {
	kb, subType, fixed, note, cves string
}

type draft struct {
	key     patchKey
	doc     int
	entries []*entry
}

// drafts groups one document's entries into patches, in KB order.
func (c *converter) drafts(doc int) []*draft {
	idx := map[patchKey]*draft{}
	var out []*draft
	for _, e := range c.entries {
		if e.doc != doc {
			continue
		}
		k := patchKey{e.kb, e.subType, e.fixed, e.note, strings.Join(e.cves, " ")}
		d := idx[k]
		if d == nil {
			d = &draft{key: k, doc: doc}
			idx[k] = d
			out = append(out, d)
		}
		d.entries = append(d.entries, e)
	}
	for _, d := range out {
		sort.Slice(d.entries, func(i, j int) bool { return d.entries[i].prod.id < d.entries[j].prod.id })
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.key.kb != b.key.kb {
			return kbLess(a.key.kb, b.key.kb)
		}
		return a.entries[0].prod.id < b.entries[0].prod.id
	})
	return out
}

func kbLess(a, b string) bool {
	x, _ := strconv.Atoi(a)
	y, _ := strconv.Atoi(b)
	return x < y
}

// patch builds the catalog Patch of a draft.
func (c *converter) patch(d *draft, alts map[prodKB][]string, superBy map[prodKB][]catalog.Supersedence) catalog.Patch {
	doc := c.docs[d.doc]
	e0 := d.entries[0]
	p := catalog.Patch{
		SQNumber:    "KB" + e0.kb,
		CVEs:        append([]string(nil), e0.cves...),
		ReleaseDate: releaseDate(doc),
		SubType:     e0.subType,
		Note:        e0.note,
	}
	if e0.fixed != "" {
		p.FixedBuild = version.MustParse(e0.fixed)
	}
	p.SeverityID = c.patchSeverity(d)
	c.usedSev[p.SeverityID] = true
	var altSets [][]string
	for _, e := range d.entries {
		p.Affected = append(p.Affected, catalog.AffectedProduct{ProductID: e.prod.id})
		altSets = append(altSets, alts[prodKB{e.prod.mid, e.kb}])
		for _, s := range superBy[prodKB{e.prod.mid, e.kb}] {
			p.SupersededBy = addSupersedence(p.SupersededBy, s)
		}
	}
	p.Alternatives = intersect(altSets)
	return p
}

func addSupersedence(s []catalog.Supersedence, x catalog.Supersedence) []catalog.Supersedence {
	for _, y := range s {
		if y == x {
			return s
		}
	}
	return append(s, x)
}

// intersect returns the strings present in every set, in the first set's
// order.
func intersect(sets [][]string) []string {
	if len(sets) == 0 {
		return nil
	}
	var out []string
	for _, x := range sets[0] {
		in := true
		for _, s := range sets[1:] {
			if !slices.Contains(s, x) {
				in = false
				break
			}
		}
		if in {
			out = append(out, "KB"+x)
		}
	}
	return out
}

// alternatives finds, per product and KB of one document, the other KBs
// that fix every CVE this one fixes for that product ("Security Hotpatch
// Update" next to "Security Update"): installing either fixes them.
func (c *converter) alternatives(doc int) map[prodKB][]string {
	byProd := map[string][]*entry{}
	for _, e := range c.entries {
		if e.doc == doc {
			byProd[e.prod.mid] = append(byProd[e.prod.mid], e)
		}
	}
	out := map[prodKB][]string{}
	for mid, es := range byProd {
		for _, e := range es {
			for _, o := range es {
				if o != e && covers(o.cves, e.cves) {
					out[prodKB{mid, e.kb}] = append(out[prodKB{mid, e.kb}], o.kb)
				}
			}
			sort.Slice(out[prodKB{mid, e.kb}], func(i, j int) bool {
				return kbLess(out[prodKB{mid, e.kb}][i], out[prodKB{mid, e.kb}][j])
			})
		}
	}
	return out
}

// covers reports whether sorted a holds every element of sorted b.
func covers(a, b []string) bool {
	i := 0
	for _, x := range b {
		for i < len(a) && a[i] < x {
			i++
		}
		if i == len(a) || a[i] != x {
			return false
		}
	}
	return true
}

// supersededBy maps each product and KB to the updates MSRC says replace
// it, across all documents.
func (c *converter) supersededBy() map[prodKB][]catalog.Supersedence {
	out := map[prodKB][]catalog.Supersedence{}
	for _, e := range c.entries {
		s := catalog.Supersedence{BulletinID: c.docs[e.doc].ID, SQNumber: "KB" + e.kb}
		for _, old := range e.supersedes {
			if old == e.kb {
				continue
			}
			k := prodKB{e.prod.mid, old}
			out[k] = addSupersedence(out[k], s)
		}
	}
	return out
}

// patchSeverity is the highest rating MSRC gives any of the patch's CVEs on
// any of its products; a CVE rated without products counts for all.
func (c *converter) patchSeverity(d *draft) int {
	best := unrated
	vulns := c.vulns[d.doc]
	for _, e := range d.entries {
		for _, cve := range e.cves {
			v := vulns[cve]
			if v == nil {
				continue
			}
			for _, key := range []string{e.prod.mid, ""} {
				if id, ok := severityIDs[v.Severity[key]]; ok && id < best {
					best = id
				}
			}
		}
	}
	return best
}
