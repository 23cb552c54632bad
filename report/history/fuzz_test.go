package history

import (
	"testing"
	"time"
)

// FuzzTimeScan: a time column read back from a store (outside data) is a
// time patchscan could have written, or an error; never a panic.
func FuzzTimeScan(f *testing.F) {
	for _, s := range []string{"9999-12-31T23:00:00Z", "2026-11-28 03:00:00.5+00:00", "2026-11-28T03:00:00Z", "2026-11-28 03:00:00 +0000 UTC", "2026-11-28", "", "yesterday", "99999-01-01"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var got time.Time
		if err := (nullTime{&got}).Scan(s); err != nil {
			return
		}
		if got.After(maxTime) {
			t.Fatalf("%q read as %v, past year 9999", s, got)
		}
		if got.Location() != time.UTC {
			t.Fatalf("%q read in %v, not UTC", s, got.Location())
		}
		if err := (nullTime{&got}).Scan([]byte(s)); err != nil {
			t.Fatalf("%q reads as a string but not as bytes: %v", s, err)
		}
	})
}
