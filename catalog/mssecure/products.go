package mssecure

import (
	"math"
	"sort"
	"strings"

	"github.com/patchscan/patchscan/catalog"
)

// product is a source Product with how it is recognised.
type product struct {
	src *Product
	det detection
}

// derivedKey names a product made for an AffectedProduct that a native
// AffectedProduct cannot restrict by itself: the product at one of its own
// service packs (level, -1 for any), on one Windows family (noOS for any).
type derivedKey struct {
	product, level int
	os             osFamily
}

// defineProducts writes every product that can be recognised, with its
// detection rules; the others are counted and warned about where a patch
// needs them.
func (c *converter) defineProducts() {
	for id, name := range c.families {
		if id >= 1 {
			c.out.ProductFamilies = append(c.out.ProductFamilies, catalog.ProductFamily{ID: id, Name: name})
		}
	}
	sortFamilies(c.out.ProductFamilies)
	for i := range c.d.Products {
		pr := &c.d.Products[i]
		if pr.ID < 1 || c.products[pr.ID] != nil {
			c.warn("bad product", pr.Pos, "ProductID %d is empty, 0 or defined again; the row is ignored and patches naming it are notes", pr.ID)
			continue
		}
		p := &product{src: pr, det: recognise(pr.Name)}
		c.products[pr.ID] = p
		c.usedIDs[pr.ID] = true
		c.nextID = max(c.nextID, pr.ID)
		if p.det.never != "" {
			c.rep.Undetectable++
			continue
		}
		c.rep.Detected++
		c.out.Products = append(c.out.Products, catalog.Product{ID: pr.ID, Name: productName(pr), FamilyID: c.familyOf(pr),
			CurrentServicePackID: c.currentSP(p), Detection: cloneRules(p.det.rules)})
		if os := p.det.kind.os; os != noOS && os != win9x {
			c.osProducts[os] = append(c.osProducts[os], pr.ID)
		}
	}
}

// productName is a product's name for reports: trimmed, or its ID when
// the source gives none.
func productName(pr *Product) string {
	if n := strings.Join(strings.Fields(pr.Name), " "); n != "" {
		return n
	}
	return "Product " + itoa(pr.ID)
}

func (c *converter) familyOf(pr *Product) int {
	for _, f := range pr.Families {
		if _, ok := c.families[f]; ok && f >= 1 {
			return f
		}
	}
	return 0
}

// currentSP is a Windows product's latest service pack, when the source
// names one of its own family: a host below it gets a missing service pack
// result. Other products' service packs are their own, which a host does
// not report in CSDVersion, so they have none.
func (c *converter) currentSP(p *product) int {
	id := p.src.CurrentServicePackID
	info, ok := c.spInfo[id]
	if !ok || p.det.kind.os == noOS || info.os != p.det.kind.os || info.level < 1 {
		return 0
	}
	c.useSP(id)
	return id
}

// useSP writes a Windows service pack as a native one, once.
func (c *converter) useSP(id int) {
	if c.nativeSP[id] {
		return
	}
	c.nativeSP[id] = true
	sp := c.sps[id]
	date, _ := normDate(sp.ReleaseDate)
	name := strings.TrimSpace(sp.Name)
	if name == "" {
		name = "ServicePack " + itoa(id)
	}
	c.out.ServicePacks = append(c.out.ServicePacks, catalog.ServicePack{ID: id, Name: name, Level: c.spInfo[id].level, ReleaseDate: date})
}

// derivedProduct returns the product p restricted to its own service pack
// level (-1: any) and to the Windows family os (noOS: any), made once.
func (c *converter) derivedProduct(p *product, level int, os osFamily) int {
	key := derivedKey{p.src.ID, level, os}
	if id, ok := c.derived[key]; ok {
		return id
	}
	name := productName(p.src)
	rules := cloneRules(p.det.rules)
	if level >= 0 {
		name += " " + c.spLabel(p, level)
		rules = append(rules, p.det.kind.sps[level]...)
	}
	if os != noOS {
		name += " on " + osFamilies[os].name
		rules = append(rules, osRule(os))
	}
	id := c.freeID()
	c.elements += 1 + len(rules)
	c.out.Products = append(c.out.Products, catalog.Product{ID: id, Name: name, FamilyID: c.familyOf(p.src), Detection: rules})
	c.derived[key] = id
	return id
}

// spLabel names a product's service pack level as its ServicePacks row
// does ("SP1" of "Internet Explorer 5.01 SP1"), or "Gold"/"SPn".
func (c *converter) spLabel(p *product, level int) string {
	for _, id := range p.src.AvailableSPs {
		info, ok := c.spInfo[id]
		if !ok || info.os != noOS || info.level != level {
			continue
		}
		name := strings.Join(strings.Fields(c.sps[id].Name), " ")
		if rest, ok := cutPrefixFold(name, productName(p.src)); ok && strings.TrimSpace(rest) != "" {
			return strings.TrimSpace(rest)
		}
		return "(" + name + ")"
	}
	if level == 0 {
		return "Gold"
	}
	return "SP" + itoa(level)
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

// platformProduct is "Windows 2000 (any edition)", made once, for the notes
// of products that cannot be recognised when the file defines no Windows
// product of that family.
func (c *converter) platformProduct(os osFamily) int {
	if id, ok := c.platform[os]; ok {
		return id
	}
	id := c.freeID()
	c.out.Products = append(c.out.Products, catalog.Product{ID: id, Name: osFamilies[os].name + " (any edition)", Detection: rules(osRule(os))})
	c.platform[os] = id
	return id
}

// freeID returns a ProductID no product of the source or of the
// conversion has.
func (c *converter) freeID() int {
	for {
		if c.nextID >= math.MaxInt32 {
			c.nextID = 0
		}
		c.nextID++
		if !c.usedIDs[c.nextID] {
			c.usedIDs[c.nextID] = true
			return c.nextID
		}
	}
}

func cloneRules(rs []catalog.Rule) []catalog.Rule { return append([]catalog.Rule(nil), rs...) }

func sortFamilies(fs []catalog.ProductFamily) {
	sort.Slice(fs, func(i, j int) bool { return fs[i].ID < fs[j].ID })
}
