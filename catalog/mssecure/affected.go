package mssecure

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/patchscan/patchscan/catalog"
)

// apSet is what a patch's AffectedProducts become: those its checks judge,
// and those on which it can only be a note (one per product), with the
// reasons.
type apSet struct {
	judged  []catalog.AffectedProduct
	noted   []catalog.AffectedProduct
	notedAt map[int]int // ProductID -> index in noted
	reasons []string
	known   map[string]bool
}

// maxReasons bounds the reasons a note lists; a hostile patch could name a
// million undefined products.
const maxReasons = 6

func (s *apSet) note(reason string, aps []catalog.AffectedProduct) {
	if s.known == nil {
		s.known, s.notedAt = map[string]bool{}, map[int]int{}
	}
	if !s.known[reason] {
		s.known[reason] = true
		s.reasons = append(s.reasons, reason)
	}
	for _, a := range aps {
		i, seen := s.notedAt[a.ProductID]
		switch {
		case !seen:
			s.notedAt[a.ProductID] = len(s.noted)
			s.noted = append(s.noted, a)
		case s.noted[i].FixedInSP != a.FixedInSP || !slices.Equal(s.noted[i].ServicePackIDs, a.ServicePackIDs):
			// Two restrictions on one product: the note is for any service pack.
			s.noted[i] = catalog.AffectedProduct{ProductID: a.ProductID}
		}
	}
}

// reasonText joins the reasons, the first few of a long list.
func (s *apSet) reasonText() string {
	if len(s.reasons) <= maxReasons {
		return strings.Join(s.reasons, "; ")
	}
	return strings.Join(s.reasons[:maxReasons], "; ") + fmt.Sprintf("; and %d more", len(s.reasons)-maxReasons)
}

// spSplit is an AffectedProduct's FixedInSP and AffectedServicePacks sorted
// into Windows service packs (native FixedInSP and AffectedServicePack) and
// the product's own (told apart by derived products' rules).
type spSplit struct {
	os        osFamily // the Windows family of the service packs named
	fixedOS   int      // native FixedInSP: the Windows level with the fix (0: none)
	osSPs     []int    // native AffectedServicePack IDs
	prodFixed int      // the product's own level with the fix (-1: none)
	prodSPs   []int    // the product's own levels it applies to
	bad       string   // why these service packs cannot be expressed
	skip      string   // why the AffectedProduct applies to no host at all
}

func (c *converter) affectedAll(p *Patch) apSet {
	var s apSet
	for i := range p.Affected {
		c.affected(&p.Affected[i], &s)
	}
	return s
}

func (c *converter) affected(a *Affected, s *apSet) {
	pr := c.products[a.ProductID]
	if pr == nil {
		c.warn("undefined product", a.Pos, "ProductID %d is not defined in <Products>: the patch is a note on every Windows host", a.ProductID)
		s.note(fmt.Sprintf("the source names ProductID %d, which its Products table does not define", a.ProductID), c.platformAPs(nil, nil))
		return
	}
	sp := c.splitSPs(pr, a)
	switch name := productName(pr.src); {
	case sp.skip != "":
		c.warn("skip "+sp.skip, a.Pos, "AffectedProduct %s: %s; it is left out", name, sp.skip)
	case pr.det.never != "":
		c.warnUndetectable(pr)
		s.note(fmt.Sprintf("%s cannot be recognised remotely (%s)", name, pr.det.never), c.platformAPs(pr, &sp))
	case pr.det.kind.offHost:
		// Never present on a host patchscan scans: its service packs do
		// not matter.
		s.judged = append(s.judged, catalog.AffectedProduct{ProductID: pr.src.ID})
	case sp.bad != "":
		c.warn("bad sp "+sp.bad, a.Pos, "AffectedProduct %s: %s; the patch is a note there", name, sp.bad)
		s.note(fmt.Sprintf("for %s, %s", name, sp.bad), []catalog.AffectedProduct{{ProductID: pr.src.ID}})
	default:
		c.judgedAPs(pr, &sp, s)
	}
}

// warnUndetectable says once per product that it cannot be recognised.
func (c *converter) warnUndetectable(pr *product) {
	if _, done := c.noteOnly[pr.src]; done {
		return
	}
	c.noteOnly[pr.src] = struct{}{}
	c.warn("undetectable "+itoa(pr.src.ID), pr.src.Pos, "%s cannot be recognised remotely (%s): its patches are notes on the Windows hosts that could run it",
		productName(pr.src), pr.det.never)
}

// splitSPs sorts an AffectedProduct's service packs (see spSplit).
func (c *converter) splitSPs(pr *product, a *Affected) spSplit {
	sp := spSplit{prodFixed: -1}
	if a.FixedInSP != NoID && a.FixedInSP != 0 { // 0: no service pack includes the fix
		c.fixedIn(a, &sp)
	}
	for _, id := range a.ServicePacks {
		info, ok := c.spInfo[id]
		switch {
		case !ok:
			c.warn("stray sp", a.Pos, "AffectedServicePack %d is not a ServicePackID of the file; it is ignored", id)
		case info.level < 0:
			sp.bad = fmt.Sprintf("the service pack %q has no level patchscan can read", c.sps[id].Name)
		case info.os == noOS:
			sp.prodSPs = append(sp.prodSPs, info.level)
		case sp.os != noOS && sp.os != info.os:
			sp.bad = fmt.Sprintf("service packs of two Windows releases (%s and %s) are named", osFamilies[sp.os].name, osFamilies[info.os].name)
		default:
			sp.os = info.os
			sp.osSPs = append(sp.osSPs, id)
		}
	}
	os := pr.det.kind.os
	switch {
	case os == noOS || os == win9x:
	case sp.os != noOS && sp.os != os:
		sp.bad = fmt.Sprintf("a service pack of %s is named for it", osFamilies[sp.os].name)
	case sp.prodFixed >= 0 || len(sp.prodSPs) > 0:
		sp.bad = "another product's service pack is named for it"
	}
	return sp
}

// fixedIn reads FixedInSP: a Windows service pack is a native FixedInSP
// level, a product's own restricts the product's releases.
func (c *converter) fixedIn(a *Affected, sp *spSplit) {
	info, ok := c.spInfo[a.FixedInSP]
	switch {
	case !ok:
		c.warn("stray fixed", a.Pos, "FixedInSP %d is not a ServicePackID of the file; taken as no service pack including the fix", a.FixedInSP)
	case info.level < 0:
		sp.bad = fmt.Sprintf("the service pack said to include the fix, %q, has no level patchscan can read", c.sps[a.FixedInSP].Name)
	case info.level == 0:
		sp.skip = fmt.Sprintf("the fix is in %q, the first release", c.sps[a.FixedInSP].Name)
	case info.os != noOS:
		sp.os, sp.fixedOS = info.os, info.level
	default:
		sp.prodFixed = info.level
	}
}

// judgedAPs writes the AffectedProducts of a product that can be recognised,
// deriving a product per service pack where the product's own service
// packs restrict the patch, and per Windows family where an application
// is restricted by Windows service packs.
func (c *converter) judgedAPs(pr *product, sp *spSplit, s *apSet) {
	os := noOS
	if pr.det.kind.os == noOS {
		os = sp.os // an application on one Windows release
	}
	ap := func(id int) catalog.AffectedProduct {
		for _, x := range sp.osSPs {
			c.useSP(x)
		}
		return catalog.AffectedProduct{ProductID: id, FixedInSP: sp.fixedOS, ServicePackIDs: append([]int(nil), sp.osSPs...)}
	}
	levels, restricted := c.productLevels(pr, sp)
	switch {
	case !restricted && os == noOS:
		s.judged = append(s.judged, ap(pr.src.ID))
		return
	case !restricted:
		s.judged = append(s.judged, ap(c.derivedProduct(pr, -1, os)))
		return
	case len(levels) == 0:
		return // none of its releases: nothing applies
	}
	for _, l := range levels {
		if pr.det.kind.sps[l] == nil {
			id := pr.src.ID
			if os != noOS {
				id = c.derivedProduct(pr, -1, os)
			}
			s.note(fmt.Sprintf("which service pack of %s a host runs cannot be told remotely, and the patch applies to %s only", productName(pr.src), c.levelNames(pr, levels)), []catalog.AffectedProduct{ap(id)})
			return
		}
	}
	for _, l := range levels {
		s.judged = append(s.judged, ap(c.derivedProduct(pr, l, os)))
	}
}

// productLevels returns the product's own service pack levels the patch
// applies to, and whether that excludes any of the product's releases.
func (c *converter) productLevels(pr *product, sp *spSplit) ([]int, bool) {
	if sp.prodFixed < 0 && len(sp.prodSPs) == 0 {
		return nil, false
	}
	var all []int
	for _, id := range pr.src.AvailableSPs {
		if info, ok := c.spInfo[id]; ok && info.os == noOS && info.level >= 0 && !slices.Contains(all, info.level) {
			all = append(all, info.level)
		}
	}
	if len(all) == 0 {
		all = []int{0} // a product without service packs has its first release
	}
	admitted := sp.prodSPs
	if len(admitted) == 0 {
		admitted = all
	}
	var out []int
	for _, l := range admitted {
		if (sp.prodFixed < 0 || l < sp.prodFixed) && !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	sort.Ints(out)
	restricted := false
	for _, l := range all {
		if !slices.Contains(out, l) {
			restricted = true
		}
	}
	return out, restricted
}

// levelNames names a product's service pack levels for a message.
func (c *converter) levelNames(pr *product, levels []int) string {
	names := make([]string, len(levels))
	for i, l := range levels {
		names[i] = c.spLabel(pr, l)
	}
	return strings.Join(names, ", ")
}

// maxPlatformProducts bounds the Windows products of one release a note is
// attached to (a real file has four per release); more, in a hostile file,
// would multiply every note, so they get "any edition" instead.
const maxPlatformProducts = 8

// platformAPs are the Windows products on which a patch of a product that
// cannot be recognised is a note: those of the Windows family its service
// packs name, else of its product families, else every Windows NT family.
func (c *converter) platformAPs(pr *product, sp *spSplit) []catalog.AffectedProduct {
	var fams []osFamily
	switch {
	case sp != nil && sp.os != noOS:
		fams = []osFamily{sp.os}
	case pr != nil:
		for _, f := range pr.src.Families {
			if os := familyOS(c.families[f]); os != noOS && !slices.Contains(fams, os) {
				fams = append(fams, os)
			}
		}
	}
	if len(fams) == 0 {
		// Every Windows NT release the file knows, or all of them when it
		// defines none.
		for _, f := range ntFamilies {
			if len(c.osProducts[f]) > 0 {
				fams = append(fams, f)
			}
		}
		if len(fams) == 0 {
			fams = ntFamilies
		}
	}
	var out []catalog.AffectedProduct
	for _, f := range fams {
		if f == win9x {
			continue // never scanned: no host could get the note
		}
		ids := c.osProducts[f]
		if len(ids) == 0 || len(ids) > maxPlatformProducts {
			ids = []int{c.platformProduct(f)}
		}
		for _, id := range ids {
			a := catalog.AffectedProduct{ProductID: id}
			if sp != nil && sp.os == f {
				for _, x := range sp.osSPs {
					c.useSP(x)
				}
				a.FixedInSP, a.ServicePackIDs = sp.fixedOS, append([]int(nil), sp.osSPs...)
			}
			out = append(out, a)
		}
	}
	return out
}

// familyOS reads a ProductFamily's name: "Windows NT", "Windows 2000",
// "Windows 9x"; other families (Office, IE) are not Windows releases.
func familyOS(name string) osFamily {
	n := normName(name)
	switch {
	case !strings.HasPrefix(n, "windows"):
		return noOS
	case strings.Contains(n, "2000"):
		return w2k
	case strings.Contains(n, "xp"):
		return xp
	case strings.Contains(n, "2003") || strings.Contains(n, ".net"):
		return ws2003
	case strings.Contains(n, "9x") || strings.Contains(n, "95") || strings.Contains(n, "98") || strings.HasSuffix(n, " me"):
		return win9x
	case strings.Contains(n, "nt"):
		return nt4
	}
	return noOS
}
