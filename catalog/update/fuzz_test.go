package update

import (
	"strings"
	"testing"
	"time"
)

// FuzzUpdatesList feeds hostile updates lists to the parser: no panic,
// and what it keeps is safe to name files and URLs with, once each, within
// the per-month bound.
func FuzzUpdatesList(f *testing.F) {
	f.Add(`{"@odata.context":"x","value":[{"ID":"2026-Feb","CurrentReleaseDate":"2026-03-01T01:01:55Z"},{"ID":"2017-May-B"},{"ID":"Oct-OOB"}]}`)
	f.Add(`{"value":[{"ID":"../../etc/passwd"},{"ID":"2026-Feb"},{"ID":"2026-Feb"}]}`)
	f.Add(`[]`)
	since := time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, in string) {
		items, err := parseUpdatesList(strings.NewReader(in), since)
		if err != nil {
			return
		}
		seen := map[string]bool{}
		perMonth := map[time.Time]int{}
		for _, it := range items {
			m, ok := monthOf(it.id)
			if !ok || seen[it.id] || strings.ContainsAny(it.id, `/\.`) {
				t.Fatalf("kept %q", it.id)
			}
			seen[it.id] = true
			if perMonth[m]++; perMonth[m] > maxPerMonth {
				t.Fatalf("%d documents for %v", perMonth[m], m)
			}
		}
	})
}

func TestParseUpdatesList(t *testing.T) {
	since := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	items, err := parseUpdatesList(strings.NewReader(`{"value":[{"ID":"2026-Feb","CurrentReleaseDate":"2026-03-01T01:01:55Z"},{"ID":"2025-Dec"},{"ID":"2026-Jan","CurrentReleaseDate":"bad"},{"ID":"2026-Jan"},{"ID":"../x"}]}`), since)
	if err != nil || len(items) != 2 || items[0] != (listItem{id: "2026-Jan"}) || items[1] != (listItem{id: "2026-Feb", current: "2026-03-01"}) {
		t.Errorf("items %+v, err %v", items, err)
	}
	var many []string
	for i := 0; i < 5; i++ {
		many = append(many, `{"ID":"2026-Feb-`+string(rune('A'+i))+`"}`)
	}
	if _, err := parseUpdatesList(strings.NewReader(`{"value":[`+strings.Join(many, ",")+`]}`), since); err == nil || !strings.Contains(err.Error(), "more than 4 documents for 2026-02") {
		t.Errorf("five documents for one month: %v", err)
	}
}
