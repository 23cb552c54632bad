package msrctest

import (
	"testing"

	"github.com/patchscan/patchscan/catalog/msrc"
)

// 24 months from the recent documents convert to 24 bulletins, March 2024
// to February 2026, and no KB stands in two months.
func TestSynthMonths(t *testing.T) {
	docs := RecentMonths(t, 24)
	c, _, err := msrc.Convert(docs)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Bulletins) != 24 || c.Bulletins[0].ID != "2024-Mar" || c.Bulletins[23].ID != "2026-Feb" {
		t.Fatalf("%d bulletins, %s to %s", len(c.Bulletins), c.Bulletins[0].ID, c.Bulletins[len(c.Bulletins)-1].ID)
	}
	seen := map[string]string{}
	for _, b := range c.Bulletins {
		for _, p := range b.Patches {
			if other, ok := seen[p.SQNumber]; ok && other != b.ID {
				t.Fatalf("%s in %s and %s", p.SQNumber, other, b.ID)
			}
			seen[p.SQNumber] = b.ID
		}
	}
}
