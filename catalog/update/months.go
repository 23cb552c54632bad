package update

import (
	"regexp"
	"time"
)

// validID is the shape of an MSRC document ID: "2026-Feb", or an
// out-of-band release such as "2017-May-B". Anything else (a path, a URL)
// is refused before it names a file or a URL.
var validID = regexp.MustCompile(`^\d{4}-[A-Za-z]{3}(-[A-Za-z0-9]{1,16})?$`)

// monthOf returns the first day of the month a document ID names.
func monthOf(id string) (time.Time, bool) {
	if !validID.MatchString(id) {
		return time.Time{}, false
	}
	t, err := time.Parse("2006-Jan", id[:8])
	return t, err == nil
}

// sinceMonth parses --since ("YYYY-MM"); "" is DefaultMonths back from now.
func sinceMonth(s string, now time.Time) (time.Time, error) {
	if s == "" {
		y, m, _ := now.UTC().Date()
		return time.Date(y, m-(DefaultMonths-1), 1, 0, 0, 0, 0, time.UTC), nil
	}
	t, err := time.Parse("2006-01", s)
	if err != nil {
		return time.Time{}, optionErrorf("--since %q: want a month as YYYY-MM, e.g. 2025-03", clip(s))
	}
	if t.After(now) {
		return time.Time{}, optionErrorf("--since %s is in the future", s)
	}
	if t.Year() < 2016 {
		return time.Time{}, optionErrorf("--since %s: MSRC's CVRF documents start in 2016", s)
	}
	return t, nil
}

// months lists the document IDs of every month from since to now.
func months(since, now time.Time) []string {
	var out []string
	end := time.Date(now.UTC().Year(), now.UTC().Month(), 1, 0, 0, 0, 0, time.UTC)
	for m := since; !m.After(end); m = m.AddDate(0, 1, 0) {
		out = append(out, m.Format("2006-Jan"))
	}
	return out
}

// monthLess orders document IDs by month, then by name ("2017-May" before
// "2017-May-B").
func monthLess(a, b string) bool {
	ma, _ := monthOf(a)
	mb, _ := monthOf(b)
	if !ma.Equal(mb) {
		return ma.Before(mb)
	}
	return a < b
}

// unpublished reports whether a month that is missing at the source may
// simply not be out yet: the current month (before Patch Tuesday) or later.
func unpublished(id string, now time.Time) bool {
	m, ok := monthOf(id)
	if !ok {
		return false
	}
	cur := time.Date(now.UTC().Year(), now.UTC().Month(), 1, 0, 0, 0, 0, time.UTC)
	return !m.Before(cur)
}
