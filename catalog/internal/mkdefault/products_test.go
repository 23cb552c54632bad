package main

import (
	"reflect"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/catalog"
	"github.com/patchscan/patchscan/internal/winkeys"
)

// legacyProduct is a product of legacy.xml: CurrentVersion's value
// (CurrentBuildNumber or CurrentVersion) equals build, and ProductType
// says a server (not WinNT) or a client (WinNT).
func legacyProduct(id int, name, value, build string, server bool) catalog.Product {
	op := catalog.OpEquals
	if server {
		op = catalog.OpNotEquals
	}
	return catalog.Product{ID: id, Name: name, Detection: []catalog.Rule{
		{Kind: catalog.RuleRegValue, Key: winkeys.NTCurrentVersion, Name: value, Op: catalog.OpEquals, Value: build},
		{Kind: catalog.RuleRegValue, Key: winkeys.ProductOptions, Name: "ProductType", Op: op, Value: "WinNT"}}}
}

// TestProductMap: legacy products pinned to one build give way to MSRC's
// products of that build (client or server alike); the others stay.
func TestProductMap(t *testing.T) {
	legacy := []catalog.Product{
		legacyProduct(25, "Windows Server 2019", "CurrentBuildNumber", "17763", true),
		legacyProduct(24, "Windows 10 Version 1809", "CurrentBuildNumber", "17763", false),
		legacyProduct(12, "Windows Server 2012", "CurrentVersion", "6.2", true),
		legacyProduct(10, "Windows Server 2008 R2", "CurrentVersion", "6.1", true),
		legacyProduct(21, "Windows 10 Version 1511", "CurrentBuildNumber", "10586", false),
	}
	ms := []catalog.Product{
		{ID: 11571, Name: "Windows Server 2019"}, {ID: 11572, Name: "Windows Server 2019 (Server Core installation)"},
		{ID: 11569, Name: "Windows 10 Version 1809 for x64-based Systems"}, {ID: 11568, Name: "Windows 10 Version 1809 for 32-bit Systems"},
		{ID: 10378, Name: "Windows Server 2012"}, {ID: 10379, Name: "Windows Server 2012 (Server Core installation)"},
		{ID: 10051, Name: "Windows Server 2008 R2 for x64-based Systems Service Pack 1"},
	}
	m := productMap(legacy, ms)
	want := map[int][]int{25: {11571, 11572}, 24: {11568, 11569}, 12: {10378, 10379}}
	if !reflect.DeepEqual(m, want) {
		t.Errorf("map %v, want %v", m, want)
	}
	c := &catalog.Catalog{Products: legacy, Bulletins: []catalog.Bulletin{{ID: "B", Patches: []catalog.Patch{
		{SQNumber: "KB1", Affected: []catalog.AffectedProduct{{ProductID: 24}, {ProductID: 25}, {ProductID: 10, ServicePackIDs: []int{2}}}}}}}}
	products, bulletins, err := retarget(c, m)
	if err != nil {
		t.Fatal(err)
	}
	if len(products) != 2 || products[0].ID != 10 || products[1].ID != 21 {
		t.Errorf("products kept %v", products)
	}
	got := bulletins[0].Patches[0].Affected
	wantAffected := []catalog.AffectedProduct{{ProductID: 11568}, {ProductID: 11569}, {ProductID: 11571}, {ProductID: 11572}, {ProductID: 10, ServicePackIDs: []int{2}}}
	if !reflect.DeepEqual(got, wantAffected) {
		t.Errorf("affected %v, want %v", got, wantAffected)
	}
	if c.Bulletins[0].Patches[0].Affected[0].ProductID != 24 {
		t.Error("retarget changed the legacy catalog it was given")
	}
	c.Bulletins[0].Patches[0].Affected[1].FixedInSP = 1
	if _, _, err := retarget(c, m); err == nil || !strings.Contains(err.Error(), "FixedInSP 1") {
		t.Errorf("FixedInSP on a mapped product: %v", err)
	}
}
