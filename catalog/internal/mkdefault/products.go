package main

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/patchscan/patchscan/catalog"
	"github.com/patchscan/patchscan/catalog/msrc"
	"github.com/patchscan/patchscan/internal/winkeys"
)

// release is what a legacy product's rules say about the hosts it matches:
// one build, client or server.
type release struct {
	build  int
	client bool
}

// legacyRelease reads a legacy product's build (CurrentBuildNumber equals
// B; CurrentVersion 6.2, whose only build is 9200) and whether it is a
// client (ProductType equals WinNT) or a server (not-equals WinNT). ok is
// false for products these rules do not pin to one build (6.0 and 6.1
// span service packs).
func legacyRelease(p catalog.Product) (r release, ok bool) {
	var haveType bool
	for _, rule := range p.Detection {
		if rule.Kind != catalog.RuleRegValue {
			continue
		}
		switch {
		case strings.EqualFold(rule.Key, winkeys.NTCurrentVersion) && rule.Name == "CurrentBuildNumber" && rule.Op == catalog.OpEquals:
			r.build, _ = strconv.Atoi(rule.Value)
		case strings.EqualFold(rule.Key, winkeys.NTCurrentVersion) && rule.Name == "CurrentVersion" && rule.Op == catalog.OpEquals && rule.Value == "6.2" && r.build == 0:
			r.build = 9200
		case strings.EqualFold(rule.Key, winkeys.ProductOptions) && rule.Name == "ProductType" && strings.EqualFold(rule.Value, "WinNT"):
			haveType = true
			r.client = rule.Op == catalog.OpEquals
		}
	}
	return r, r.build > 0 && haveType
}

// productMap finds, for each legacy product, the MSRC products that stand
// for the same release: same build, client or server; together they cover
// every architecture and installation type Microsoft ships of it (x86,
// x64, ARM64; full and Server Core). A host then has one product, MSRC's,
// instead of two of the same name.
func productMap(legacy, ms []catalog.Product) map[int][]int {
	byRelease := map[release][]int{}
	for _, p := range ms {
		o, ok, _ := msrc.Identify(p.Name)
		if ok && o.Build > 0 {
			r := release{o.Build, o.Client}
			byRelease[r] = append(byRelease[r], p.ID)
		}
	}
	out := map[int][]int{}
	for _, p := range legacy {
		if r, ok := legacyRelease(p); ok && len(byRelease[r]) > 0 {
			ids := append([]int(nil), byRelease[r]...)
			sort.Ints(ids)
			out[p.ID] = ids
		}
	}
	return out
}

// retarget rewrites the legacy bulletins' AffectedProducts through m and
// drops the legacy products it replaces.
func retarget(legacy *catalog.Catalog, m map[int][]int) (products []catalog.Product, bulletins []catalog.Bulletin, err error) {
	for _, p := range legacy.Products {
		if _, gone := m[p.ID]; !gone {
			products = append(products, p)
		}
	}
	for _, b := range legacy.Bulletins {
		b.Patches = append([]catalog.Patch(nil), b.Patches...)
		for i := range b.Patches {
			p := &b.Patches[i]
			var affected []catalog.AffectedProduct
			for _, a := range p.Affected {
				ids, mapped := m[a.ProductID]
				if !mapped {
					affected = append(affected, a)
					continue
				}
				if a.FixedInSP != 0 {
					return nil, nil, fmt.Errorf("bulletin %s %s: product %d has FixedInSP %d, which MSRC's products cannot carry", b.ID, p.SQNumber, a.ProductID, a.FixedInSP)
				}
				for _, id := range ids {
					if !hasProduct(affected, id) {
						affected = append(affected, catalog.AffectedProduct{ProductID: id, ServicePackIDs: a.ServicePackIDs})
					}
				}
			}
			p.Affected = affected
		}
		bulletins = append(bulletins, b)
	}
	return products, bulletins, nil
}

func hasProduct(as []catalog.AffectedProduct, id int) bool {
	for _, a := range as {
		if a.ProductID == id {
			return true
		}
	}
	return false
}
