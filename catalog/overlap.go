package catalog

import (
	"fmt"
	"math/bits"
	"strconv"
	"strings"
)

// One package (a KB number and file name) often serves several service packs
// of a product with a different minimum file version for each. A Patch's
// FileChecks apply to all its AffectedProducts, so such a package is written
// as several Patch elements with the same SQNumber and PatchName, one per
// service pack. That is only sound while at most one of them can apply to a
// host: two that both apply would be judged separately and could disagree
// (the engine then reports a "note", the result MBSA users complained
// about most). So a duplicate (SQNumber, PatchName) in a bulletin is an
// error exactly when the coverages overlap: the same ProductID at a service
// pack level both admit.
//
// Coverage follows the engine's applicability rule (detect.Engine): an
// AffectedProduct admits a host at level L when FixedInSP is 0 or L is below
// it, and, when AffectedServicePack children are given, L is the level of
// one of them. Levels are 0-99 (the loader's range for ServicePack Level and
// FixedInSP), so a coverage is a 100-bit set.

// levelSet is a set of service pack levels 0-99.
type levelSet [2]uint64

const maxLevel = 99

func (s levelSet) and(o levelSet) levelSet { return levelSet{s[0] & o[0], s[1] & o[1]} }
func (s levelSet) or(o levelSet) levelSet  { return levelSet{s[0] | o[0], s[1] | o[1]} }
func (s levelSet) empty() bool             { return s[0]|s[1] == 0 }
func (s *levelSet) add(l int)              { s[l/64] |= 1 << (l % 64) }
func (s levelSet) has(l int) bool          { return s[l/64]&(1<<(l%64)) != 0 }
func (s levelSet) count() int              { return bits.OnesCount64(s[0]) + bits.OnesCount64(s[1]) }

// allLevels admits every level.
var allLevels = func() levelSet {
	var s levelSet
	for l := 0; l <= maxLevel; l++ {
		s.add(l)
	}
	return s
}()

// String renders a set for a message: "any service pack level", or the
// levels (the first few of a long list).
func (s levelSet) String() string {
	n := s.count()
	switch {
	case s == allLevels:
		return "any service pack level"
	case n == 0:
		return "no service pack level"
	}
	var parts []string
	for l := 0; l <= maxLevel && len(parts) < 6; l++ {
		if s.has(l) {
			parts = append(parts, strconv.Itoa(l))
		}
	}
	word := "level "
	if n > 1 {
		word = "levels "
	}
	out := "service pack " + word + strings.Join(parts, ", ")
	if n > len(parts) {
		out += fmt.Sprintf(" (and %d more)", n-len(parts))
	}
	return out
}

// coverage is the set of service pack levels at which a is applicable.
// Unknown ServicePackIDs admit nothing (they are reported elsewhere, and the
// engine matches no host with them).
func coverage(a AffectedProduct, spLevel map[int]int) levelSet {
	s := allLevels
	if len(a.ServicePackIDs) > 0 {
		s = levelSet{}
		for _, id := range a.ServicePackIDs {
			if l, ok := spLevel[id]; ok && l >= 0 && l <= maxLevel {
				s.add(l)
			}
		}
	}
	if a.FixedInSP > 0 {
		var below levelSet
		for l := 0; l < a.FixedInSP && l <= maxLevel; l++ {
			below.add(l)
		}
		s = s.and(below)
	}
	return s
}

// checkPatchOverlap reports, for each bulletin, every Patch that shares its
// SQNumber and PatchName (case-insensitively) with an earlier Patch whose
// coverage overlaps its own, naming the earliest such Patch, the product and
// the levels where both apply.
//
// Cost is linear in the number of AffectedProducts: per (package, product)
// it keeps the union of the levels covered so far and the patches that first
// covered some level (at most 100), so a hostile catalog with a million
// identical patches costs a million set operations, not a million squared.
func (l *loader) checkPatchOverlap() {
	var names *catalogNames // built on the first bulletin that needs it
	for bi := range l.c.Bulletins {
		b := &l.c.Bulletins[bi]
		if len(b.Patches) < 2 || !hasDupPackage(b.Patches) {
			continue
		}
		if names == nil {
			names = newCatalogNames(l.c)
		}
		l.checkBulletinOverlap(bi, names)
	}
}

// catalogNames holds what overlap messages and coverages look up: each
// service pack's level and each product's name, by ID (the first
// definition, as for every duplicate ID).
type catalogNames struct {
	spLevel     map[int]int
	productName map[int]string
}

func newCatalogNames(c *Catalog) *catalogNames {
	n := &catalogNames{spLevel: make(map[int]int, len(c.ServicePacks)), productName: make(map[int]string, len(c.Products))}
	for _, sp := range c.ServicePacks {
		if _, dup := n.spLevel[sp.ID]; !dup {
			n.spLevel[sp.ID] = sp.Level
		}
	}
	for _, p := range c.Products {
		if _, dup := n.productName[p.ID]; !dup {
			n.productName[p.ID] = p.Name
		}
	}
	return n
}

// packageCoverage is what the patches of one package (SQNumber, PatchName)
// read so far in a bulletin cover for one product: the union of their
// levels, and the patches that added a level to it, in order.
type packageCoverage struct {
	union  levelSet
	firsts []patchCoverage
}

type patchCoverage struct {
	patch int // index in the bulletin
	cov   levelSet
}

// packageProduct keys packageCoverage: a package (numbered in order of
// appearance) and a ProductID.
type packageProduct struct {
	pkg, product int
}

// checkBulletinOverlap checks the patches of bulletin bi in order against
// the coverage of the earlier patches of their package.
func (l *loader) checkBulletinOverlap(bi int, names *catalogNames) {
	b := &l.c.Bulletins[bi]
	packages := map[[2]string]int{}
	covered := map[packageProduct]*packageCoverage{}
	for pi := range b.Patches {
		p := &b.Patches[pi]
		if p.SQNumber == "" {
			continue // already reported as missing
		}
		key := [2]string{strings.ToUpper(p.SQNumber), strings.ToUpper(p.Name)}
		pkg, ok := packages[key]
		if !ok {
			pkg = len(packages)
			packages[key] = pkg
		}
		// Check every AffectedProduct against the earlier patches before
		// adding any, so a patch naming a product twice does not overlap
		// itself.
		if earlier, a, both, found := firstOverlap(covered, pkg, p, names); found {
			l.reportOverlap(bi, pi, b.Patches[earlier].Line, a, both, names)
		}
		for _, a := range p.Affected {
			if a.ProductID == 0 {
				continue
			}
			k := packageProduct{pkg, a.ProductID}
			pc := covered[k]
			if pc == nil {
				pc = &packageCoverage{}
				covered[k] = pc
			}
			cov := coverage(a, names.spLevel)
			if merged := pc.union.or(cov); merged != pc.union {
				pc.union = merged
				pc.firsts = append(pc.firsts, patchCoverage{pi, cov})
			}
		}
	}
}

// firstOverlap finds the first of p's AffectedProducts that an earlier
// patch of the package covers at some level: the earliest such patch, the
// AffectedProduct and the levels both cover.
func firstOverlap(covered map[packageProduct]*packageCoverage, pkg int, p *Patch, names *catalogNames) (earlier int, a AffectedProduct, both levelSet, found bool) {
	for _, a := range p.Affected {
		if a.ProductID == 0 {
			break
		}
		pc := covered[packageProduct{pkg, a.ProductID}]
		if pc == nil {
			continue
		}
		cov := coverage(a, names.spLevel)
		if pc.union.and(cov).empty() {
			continue
		}
		for _, f := range pc.firsts {
			if both := f.cov.and(cov); !both.empty() {
				return f.patch, a, both, true
			}
		}
	}
	return 0, AffectedProduct{}, levelSet{}, false
}

func (l *loader) reportOverlap(bi, pi, earlierLine int, a AffectedProduct, both levelSet, names *catalogNames) {
	b := &l.c.Bulletins[bi]
	p := &b.Patches[pi]
	name := names.productName[a.ProductID]
	if name == "" {
		name = "product"
	}
	l.errorAt(l.patchAt[bi][pi],
		"bulletin %s: duplicate patch %s %s (first defined at line %d): both apply to %s (ProductID %d) at %s, so a host could get two verdicts for one package. "+
			"Patches with the same SQNumber and PatchName must cover different service packs: give each its own AffectedServicePack (or FixedInSP)",
		b.ID, p.SQNumber, orUnnamed(p.Name), earlierLine, name, a.ProductID, both)
}

// hasDupPackage says whether two patches share SQNumber and PatchName,
// without allocating for the common small bulletin.
func hasDupPackage(ps []Patch) bool {
	if len(ps) <= 16 {
		for i := range ps {
			for j := i + 1; j < len(ps); j++ {
				if strings.EqualFold(ps[i].SQNumber, ps[j].SQNumber) && strings.EqualFold(ps[i].Name, ps[j].Name) {
					return true
				}
			}
		}
		return false
	}
	seen := make(map[[2]string]bool, len(ps))
	for i := range ps {
		k := [2]string{strings.ToUpper(ps[i].SQNumber), strings.ToUpper(ps[i].Name)}
		if seen[k] {
			return true
		}
		seen[k] = true
	}
	return false
}
