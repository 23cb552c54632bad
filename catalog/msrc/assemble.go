package msrc

import (
	"fmt"
	"sort"

	"github.com/patchscan/patchscan/catalog"
)

// FamilyID is the ProductFamilyID of every product of a converted catalog.
const FamilyID = 1

// catalog assembles the converted catalog.
func (c *converter) catalog() *catalog.Catalog {
	cat := &catalog.Catalog{
		FormatVersion:   2,
		ProductFamilies: []catalog.ProductFamily{{ID: FamilyID, Name: "Windows"}},
	}
	superBy := c.supersededBy()
	for i, d := range c.docs {
		if b, ok := c.bulletin(i, superBy); ok {
			cat.Bulletins = append(cat.Bulletins, b)
		}
		if d.CurrentRelease > cat.LastDataUpdate {
			cat.LastDataUpdate = d.CurrentRelease
		}
	}
	if n := len(c.docs); n > 0 {
		cat.DataVersion = fmt.Sprintf("MSRC %s to %s (%d documents)", c.docs[0].ID, c.docs[n-1].ID, n)
		if n == 1 {
			cat.DataVersion = "MSRC " + c.docs[0].ID
		}
	}
	cat.Products = c.catalogProducts()
	cat.Severities = c.severities()
	cat.Vulnerabilities = c.vulnerabilities()
	return cat
}

func (c *converter) catalogProducts() []catalog.Product {
	var out []catalog.Product
	for _, p := range c.products {
		if p.Build == 0 {
			continue // inferBuilds could not date it; its updates are left out
		}
		out = append(out, catalog.Product{ID: p.id, Name: p.Name, FamilyID: FamilyID, Detection: detection(p.OS)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func (c *converter) severities() []catalog.Severity {
	out := []catalog.Severity{{ID: 1, Name: "Critical"}, {ID: 2, Name: "Important"}, {ID: 3, Name: "Moderate"}, {ID: 4, Name: "Low"}}
	if c.usedSev[unrated] {
		out = append(out, catalog.Severity{ID: unrated, Name: "Unrated"})
	}
	return out
}

// bulletin builds the Bulletin of document i; ok is false when it has no
// Windows OS update.
func (c *converter) bulletin(i int, superBy map[prodKB][]catalog.Supersedence) (catalog.Bulletin, bool) {
	d := c.docs[i]
	drafts := c.drafts(i)
	if len(drafts) == 0 {
		return catalog.Bulletin{}, false
	}
	alts := c.alternatives(i)
	b := catalog.Bulletin{
		ID:         d.ID,
		Title:      d.Title,
		DatePosted: releaseDate(d),
		References: []string{
			"https://msrc.microsoft.com/update-guide/releaseNote/" + d.ID,
			"https://api.msrc.microsoft.com/cvrf/v3.0/cvrf/" + d.ID,
		},
	}
	if b.Title == "" {
		b.Title = "MSRC security updates " + d.ID
	}
	cves := map[string]bool{}
	for _, dr := range drafts {
		p := c.patch(dr, alts, superBy)
		b.Patches = append(b.Patches, p)
		b.QNumbers = addString(b.QNumbers, p.SQNumber)
		b.Baseline = b.Baseline || p.SeverityID == 1
		for _, cve := range p.CVEs {
			cves[cve] = true
			if v := c.vulns[i][cve]; v != nil && v.Exploited {
				b.Baseline = true
			}
		}
	}
	b.Summary = fmt.Sprintf("Microsoft's security update release %s (MSRC CVRF, revised %s): %d Windows updates for %d CVEs.", d.ID, d.CurrentRelease, len(b.QNumbers), len(cves))
	return b, true
}

// vulnerabilities is one row per CVE a patch lists: the newest document's
// title, the highest rating MSRC gives it on a Windows product of the
// catalog, exploited when any document says so, and the earliest
// publication date.
func (c *converter) vulnerabilities() []catalog.Vulnerability {
	rows := map[string]*catalog.Vulnerability{}
	for _, e := range c.entries {
		for _, cve := range e.cves {
			r := rows[cve]
			if r == nil {
				r = &catalog.Vulnerability{CVE: cve}
				rows[cve] = r
			}
			c.mergeVuln(r, c.vulns[e.doc][cve], e.prod.mid)
		}
	}
	out := make([]catalog.Vulnerability, 0, len(rows))
	for _, r := range rows {
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].CVE < out[j].CVE })
	return out
}

func (c *converter) mergeVuln(r *catalog.Vulnerability, v *Vulnerability, mid string) {
	if v == nil {
		return
	}
	if v.Title != "" {
		r.Title = v.Title // documents are in release order: the newest wins
	}
	r.Exploited = r.Exploited || v.Exploited
	if v.Published != "" && (r.Published == "" || v.Published < r.Published) {
		r.Published = v.Published
	}
	for _, key := range []string{mid, ""} {
		if id, ok := severityIDs[v.Severity[key]]; ok && (r.SeverityID == 0 || id < r.SeverityID) {
			r.SeverityID = id
		}
	}
}
