package mssecure

import (
	"fmt"
	"strings"

	"github.com/patchscan/patchscan/catalog"
)

// patch converts a Patch row into native patches: one judged by its checks
// on the products that can be recognised, and one note on the hosts where
// the rest could be, when anything cannot be expressed.
func (c *converter) patch(b *Bulletin, p *Patch, bulletinID string) ([]catalog.Patch, []origin) {
	base := catalog.Patch{Name: strings.TrimSpace(p.Name), SQNumber: c.sqNumber(b, p), SeverityID: c.severityOf(p),
		CVEs: c.cves(p), NoReboot: boolText(p.NoReboot)}
	key := nameKey{strings.ToUpper(bulletinID), strings.ToUpper(base.Name)}
	if !isOneOf(base.SQNumber, c.byName[key]) {
		c.byName[key] = append(c.byName[key], base.SQNumber)
	}
	aps := c.affectedAll(p)
	checks := c.checks(p)
	comment := c.comment(append(append([]int(nil), b.Comments...), p.Comments...))
	var whole []string // reasons the whole patch is a note
	if !strings.EqualFold(strings.TrimSpace(b.Supported), "yes") && strings.TrimSpace(b.Supported) != "" {
		whole = append(whole, fmt.Sprintf("the source marks bulletin %s Supported=%s (HFNetChk did not check it)", b.ID, quote(b.Supported)))
	}
	whole = append(whole, checks.blockers...)
	if len(whole) == 0 && len(checks.reg)+len(checks.files) == 0 {
		if len(checks.noVer) > 0 {
			whole = append(whole, checksumOnlyReason(checks.noVer))
		} else {
			whole = append(whole, "the source gives no registry value or file to check for it")
		}
	}
	var out []catalog.Patch
	var origins []origin
	if len(aps.judged) > 0 {
		x := base
		x.Affected = aps.judged
		if len(whole) > 0 {
			x.Note = noteText(whole, comment)
			c.warn("note "+whole[0], p.Pos, "patch %s of %s is a note: %s", base.SQNumber, b.ID, whole[0])
		} else {
			x.RegChecks, x.FileChecks = checks.reg, checks.files
		}
		out, origins = append(out, x), append(origins, origin{src: p, note: x.Note != ""})
	}
	// Where the patch is judged, the note is not needed.
	var noted []catalog.AffectedProduct
	judged := c.byProduct(aps.judged)
	for _, a := range aps.noted {
		if !judged[a.ProductID].meets(c.coverage(a)) {
			noted = append(noted, a)
		}
	}
	if len(noted) > 0 {
		y := base
		y.Affected = noted
		y.Note = noteText(append([]string{aps.reasonText()}, whole...), comment)
		out, origins = append(out, y), append(origins, origin{src: p, note: true})
	}
	for _, x := range out {
		c.elements += 1 + len(x.Affected) + len(x.RegChecks) + len(x.FileChecks)
	}
	if len(out) == 0 {
		c.warn("no ap", p.Pos, "patch %s of %s applies to no product patchscan could meet (none given, or only Windows 95/98/Me ones that cannot be recognised); it is left out", base.SQNumber, b.ID)
	}
	return out, origins
}
