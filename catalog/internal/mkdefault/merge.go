package main

import (
	"fmt"

	"github.com/patchscan/patchscan/catalog"
)

// merge joins the hand-curated legacy catalog and the catalog converted
// from MSRC's documents into the embedded default. A legacy product that
// MSRC's products stand for (the same build, client or server: Windows 8.1
// and Server 2012 on) is replaced by them in its patches (productMap); the
// others keep their IDs. An ID both parts use for different things is an
// error (the legacy part uses small ProductIDs, MSRC's are its own product
// numbers, 4393 and up). The data date is MSRC's: it says how current the
// Microsoft data is.
func merge(legacy, ms *catalog.Catalog) (*catalog.Catalog, error) {
	out := &catalog.Catalog{
		FormatVersion:  2,
		DataVersion:    ms.DataVersion + "; legacy bulletins " + legacy.DataVersion,
		LastDataUpdate: ms.LastDataUpdate,
		ServicePacks:   legacy.ServicePacks,
	}
	var err error
	if out.ProductFamilies, err = mergeNamed(legacy.ProductFamilies, ms.ProductFamilies, "ProductFamily",
		func(f catalog.ProductFamily) (int, string) { return f.ID, f.Name }); err != nil {
		return nil, err
	}
	if out.Severities, err = mergeNamed(legacy.Severities, ms.Severities, "MSSeverity",
		func(s catalog.Severity) (int, string) { return s.ID, s.Name }); err != nil {
		return nil, err
	}
	legacyProducts, legacyBulletins, err := retarget(legacy, productMap(legacy.Products, ms.Products))
	if err != nil {
		return nil, err
	}
	ids := map[int]string{}
	for _, p := range append(append([]catalog.Product{}, legacyProducts...), ms.Products...) {
		if other, dup := ids[p.ID]; dup {
			return nil, fmt.Errorf("ProductID %d is %q in one part and %q in the other", p.ID, other, p.Name)
		}
		ids[p.ID] = p.Name
		out.Products = append(out.Products, p)
	}
	bulletins := map[string]bool{}
	for _, b := range append(append([]catalog.Bulletin{}, legacyBulletins...), ms.Bulletins...) {
		if bulletins[b.ID] {
			return nil, fmt.Errorf("BulletinID %s is in both parts", b.ID)
		}
		bulletins[b.ID] = true
		out.Bulletins = append(out.Bulletins, b)
	}
	out.Vulnerabilities = mergeVulns(legacy.Vulnerabilities, ms.Vulnerabilities)
	return out, nil
}

// mergeNamed joins two ID+Name tables; one ID with two names is an error.
func mergeNamed[T any](a, b []T, what string, key func(T) (int, string)) ([]T, error) {
	names := map[int]string{}
	var out []T
	for _, x := range append(append([]T{}, a...), b...) {
		id, name := key(x)
		if n, ok := names[id]; ok {
			if n != name {
				return nil, fmt.Errorf("%s %d is %q in one part and %q in the other", what, id, n, name)
			}
			continue
		}
		names[id] = name
		out = append(out, x)
	}
	return out, nil
}

// mergeVulns joins the CVE tables; a CVE in both keeps the legacy row, which
// was written by hand.
func mergeVulns(legacy, ms []catalog.Vulnerability) []catalog.Vulnerability {
	seen := map[string]bool{}
	var out []catalog.Vulnerability
	for _, v := range append(append([]catalog.Vulnerability{}, legacy...), ms...) {
		if !seen[v.CVE] {
			seen[v.CVE] = true
			out = append(out, v)
		}
	}
	return out
}
