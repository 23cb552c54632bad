package main

import (
	"strings"
	"testing"

	"github.com/patchscan/patchscan/catalog"
)

func TestMerge(t *testing.T) {
	legacy := &catalog.Catalog{
		DataVersion: "2026.11.1", LastDataUpdate: "2026-11-22",
		ProductFamilies: []catalog.ProductFamily{{ID: 1, Name: "Windows"}},
		Severities:      []catalog.Severity{{ID: 1, Name: "Critical"}},
		ServicePacks:    []catalog.ServicePack{{ID: 1, Name: "Gold"}},
		Products:        []catalog.Product{{ID: 25, Name: "Windows Server 2019"}},
		Bulletins:       []catalog.Bulletin{{ID: "CVE-2020-1472"}},
		Vulnerabilities: []catalog.Vulnerability{{CVE: "CVE-2020-1472", Title: "by hand"}},
	}
	ms := &catalog.Catalog{
		DataVersion: "MSRC 2026-Feb", LastDataUpdate: "2026-03-01",
		ProductFamilies: []catalog.ProductFamily{{ID: 1, Name: "Windows"}},
		Severities:      []catalog.Severity{{ID: 1, Name: "Critical"}, {ID: 2, Name: "Important"}},
		Products:        []catalog.Product{{ID: 11571, Name: "Windows Server 2019"}},
		Bulletins:       []catalog.Bulletin{{ID: "2026-Feb"}},
		Vulnerabilities: []catalog.Vulnerability{{CVE: "CVE-2020-1472", Title: "from MSRC"}, {CVE: "CVE-2026-21510"}},
	}
	c, err := merge(legacy, ms)
	if err != nil {
		t.Fatal(err)
	}
	if c.FormatVersion != 2 || c.LastDataUpdate != "2026-03-01" || c.DataVersion != "MSRC 2026-Feb; legacy bulletins 2026.11.1" ||
		len(c.Products) != 2 || len(c.Bulletins) != 2 || len(c.Severities) != 2 || len(c.ServicePacks) != 1 ||
		len(c.Vulnerabilities) != 2 || c.Vulnerabilities[0].Title != "by hand" {
		t.Errorf("merged %+v", c)
	}
	for _, tc := range []struct {
		change func(l, m *catalog.Catalog)
		want   string
	}{
		{func(l, m *catalog.Catalog) { m.Products[0].ID = 25 }, "ProductID 25"},
		{func(l, m *catalog.Catalog) { m.Bulletins[0].ID = "CVE-2020-1472" }, "BulletinID CVE-2020-1472 is in both parts"},
		{func(l, m *catalog.Catalog) { m.Severities[0].Name = "Kritisch" }, `MSSeverity 1 is "Critical" in one part and "Kritisch"`},
		{func(l, m *catalog.Catalog) { m.ProductFamilies[0].Name = "Office" }, "ProductFamily 1"},
	} {
		l, m := *legacy, *ms
		l.Products, m.Products = append([]catalog.Product{}, legacy.Products...), append([]catalog.Product{}, ms.Products...)
		m.Bulletins = append([]catalog.Bulletin{}, ms.Bulletins...)
		m.Severities = append([]catalog.Severity{}, ms.Severities...)
		m.ProductFamilies = append([]catalog.ProductFamily{}, ms.ProductFamilies...)
		tc.change(&l, &m)
		if _, err := merge(&l, &m); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("err = %v, want %q", err, tc.want)
		}
	}
}
