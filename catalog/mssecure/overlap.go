package mssecure

import (
	"sort"
	"strings"

	"github.com/patchscan/patchscan/catalog"
)

// A native catalog refuses two patches of one bulletin with the same
// SQNumber and PatchName that could both apply to one host (the same
// product at a common service pack level): the engine would judge one
// package twice. mssecure.xml has no such rule, and a judged patch and a
// note made of one source patch can meet on a Windows product. So the
// judged ones keep their products first, then the notes, and whatever
// would overlap is left out of the later patch with a warning.

// levels is a set of service pack levels 0-99.
type levels [2]uint64

func (s *levels) add(l int)           { s[l/64] |= 1 << (l % 64) }
func (s levels) meets(o levels) bool  { return s[0]&o[0] != 0 || s[1]&o[1] != 0 }
func (s levels) with(o levels) levels { return levels{s[0] | o[0], s[1] | o[1]} }

// coverage is the set of levels at which an AffectedProduct applies, as
// the engine and the loader's overlap rule read it.
func (c *converter) coverage(a catalog.AffectedProduct) levels {
	var s levels
	for l := 0; l <= maxLevel; l++ {
		if a.FixedInSP > 0 && l >= a.FixedInSP {
			break
		}
		if len(a.ServicePackIDs) == 0 {
			s.add(l)
		}
	}
	if len(a.ServicePackIDs) == 0 {
		return s
	}
	for _, id := range a.ServicePackIDs {
		if l := c.spInfo[id].level; l >= 0 && (a.FixedInSP == 0 || l < a.FixedInSP) {
			s.add(l)
		}
	}
	return s
}

func (c *converter) resolveOverlaps() {
	for bi := range c.out.Bulletins {
		c.resolveBulletin(bi)
	}
}

// byProduct is the coverage of a list of AffectedProducts per product.
func (c *converter) byProduct(aps []catalog.AffectedProduct) map[int]levels {
	m := map[int]levels{}
	for _, a := range aps {
		m[a.ProductID] = m[a.ProductID].with(c.coverage(a))
	}
	return m
}

type packageKey struct{ sq, name string }

func (c *converter) resolveBulletin(bi int) {
	b := &c.out.Bulletins[bi]
	groups := map[packageKey][]int{}
	for i, p := range b.Patches {
		k := packageKey{strings.ToUpper(p.SQNumber), strings.ToUpper(p.Name)}
		groups[k] = append(groups[k], i)
	}
	drop := map[int]bool{}
	for _, idx := range groups {
		if len(idx) < 2 {
			continue
		}
		// Judged patches first, then notes, each in document order.
		sort.SliceStable(idx, func(i, j int) bool { return b.Patches[idx[i]].Note == "" && b.Patches[idx[j]].Note != "" })
		covered := map[int]levels{}
		for _, i := range idx {
			p := &b.Patches[i]
			kept := p.Affected[:0]
			for _, a := range p.Affected {
				cov := c.coverage(a)
				if covered[a.ProductID].meets(cov) {
					c.warn("overlap", c.origins[bi][i].src.Pos, "patch %s of %s: the same package already applies to ProductID %d at a service pack level this one names; left out here (a host gets one verdict per package)", p.SQNumber, b.ID, a.ProductID)
					continue
				}
				covered[a.ProductID] = covered[a.ProductID].with(cov)
				kept = append(kept, a)
			}
			p.Affected = kept
			if len(kept) == 0 {
				drop[i] = true
			}
		}
	}
	if len(drop) == 0 {
		return
	}
	var ps []catalog.Patch
	var os []origin
	for i := range b.Patches {
		if !drop[i] {
			ps, os = append(ps, b.Patches[i]), append(os, c.origins[bi][i])
		}
	}
	b.Patches, c.origins[bi] = ps, os
}
