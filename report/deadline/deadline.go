// Package deadline turns a missing patch's release date and severity into
// the date it is due, and says whether it is overdue.
//
// The default policy is the one MBSA's guidance gave (../shared/MBSA-NOTES.md,
// "Severity and deadlines"): Critical within 24 hours, Important within a
// month, Moderate within 4 months, Low within 12 months. A policy is written
// as "critical=24h,important=1mo,moderate=4mo,low=12mo" (the --deadlines
// flag) or as one such assignment per line in a file.
//
// Due dates are whole days in UTC: a patch released on 2017-03-14 with a
// 24-hour deadline is due on 2017-03-15, and is overdue from 2017-03-15
// 00:00 UTC on. Months are calendar months (released 01-31 + 1 month is due
// 03-03 in a 28-day February, as time.AddDate normalises it).
package deadline

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Severity classes a policy has a deadline for. Unrated covers results
// without a severity the policy knows (service packs, catalogs that give
// none).
const (
	Critical  = "critical"
	Important = "important"
	Moderate  = "moderate"
	Low       = "low"
	Unrated   = "unrated"
)

// classes lists every class in the order a policy is written.
var classes = []string{Critical, Important, Moderate, Low, Unrated}

// Span is a deadline: a number of days, weeks, months or years. Months and
// years are calendar ones.
type Span struct {
	Days, Months int
}

// add returns t plus the span.
func (s Span) add(t time.Time) time.Time { return t.AddDate(0, s.Months, s.Days) }

// String writes the span in the shortest unit that holds it exactly.
func (s Span) String() string {
	switch {
	case s.Months != 0 && s.Months%12 == 0:
		return strconv.Itoa(s.Months/12) + "y"
	case s.Months != 0:
		return strconv.Itoa(s.Months) + "mo"
	case s.Days != 0 && s.Days%7 == 0:
		return strconv.Itoa(s.Days/7) + "w"
	}
	return strconv.Itoa(s.Days) + "d"
}

// Policy holds a deadline per severity class.
type Policy map[string]Span

// Default returns the seeds' policy; Unrated gets Important's month, the
// middle of the scale, so an unrated finding neither waits a year nor
// alarms like a worm.
func Default() Policy {
	return Policy{
		Critical:  {Days: 1},
		Important: {Months: 1},
		Moderate:  {Months: 4},
		Low:       {Months: 12},
		Unrated:   {Months: 1},
	}
}

// String writes the policy in the form Parse reads, every class in order.
func (p Policy) String() string {
	parts := make([]string, 0, len(classes))
	for _, c := range classes {
		if s, ok := p[c]; ok {
			parts = append(parts, c+"="+s.String())
		}
	}
	return strings.Join(parts, ",")
}

// maxSpanDays bounds a deadline (about 100 years), so a typo cannot push a
// due date past what a date column or xs:date holds.
const maxSpanDays = 36600

// ParseSpan reads "24h", "3d", "2w", "1mo", "4mo", "1y". Hours must be whole
// days: due dates are dates.
func ParseSpan(s string) (Span, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 || i > 6 {
		return Span{}, fmt.Errorf("deadline %q: want a whole number and a unit, e.g. 24h, 7d, 2w, 1mo, 1y", s)
	}
	n, _ := strconv.Atoi(s[:i])
	var sp Span
	switch unit := s[i:]; unit {
	case "h":
		if n%24 != 0 {
			return Span{}, fmt.Errorf("deadline %q: hours must be a multiple of 24 (due dates are whole days)", s)
		}
		sp.Days = n / 24
	case "d":
		sp.Days = n
	case "w":
		sp.Days = 7 * n
	case "mo":
		sp.Months = n
	case "y":
		sp.Months = 12 * n
	default:
		return Span{}, fmt.Errorf("deadline %q: unknown unit %q: use h (multiples of 24), d, w, mo or y", s, unit)
	}
	if sp.Days+31*sp.Months > maxSpanDays {
		return Span{}, fmt.Errorf("deadline %q: longer than 100 years", s)
	}
	return sp, nil
}

// Parse reads "class=span" assignments separated by commas or newlines
// ('#' starts a comment) over the default policy: classes not named keep
// their default. Class names are critical, important, moderate, low and
// unrated, in any case.
func Parse(s string) (Policy, error) {
	p := Default()
	var errs []error
	for n, line := range strings.Split(s, "\n") {
		line, _, _ = strings.Cut(line, "#")
		for _, item := range strings.Split(line, ",") {
			if err := p.set(item); err != nil {
				if strings.Contains(s, "\n") {
					err = fmt.Errorf("line %d: %w", n+1, err)
				}
				errs = append(errs, err)
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return p, nil
}

func (p Policy) set(item string) error {
	item = strings.TrimSpace(item)
	if item == "" {
		return nil
	}
	k, v, ok := strings.Cut(item, "=")
	if !ok {
		return fmt.Errorf("%q: want class=deadline, e.g. critical=24h", clip(item))
	}
	class := strings.ToLower(strings.TrimSpace(k))
	if _, known := Default()[class]; !known {
		return fmt.Errorf("%q: unknown severity class %q: use critical, important, moderate, low or unrated", clip(item), clip(class))
	}
	sp, err := ParseSpan(v)
	if err != nil {
		return err
	}
	p[class] = sp
	return nil
}

// maxFile bounds a policy file: a few lines are expected.
const maxFile = 64 << 10

// Read reads a policy file (the Parse syntax, one assignment per line).
func Read(r io.Reader, name string) (Policy, error) {
	b, err := io.ReadAll(io.LimitReader(bufio.NewReader(r), maxFile+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(b) > maxFile {
		return nil, fmt.Errorf("%s: more than %d bytes; a deadlines file holds a few lines such as critical=24h", name, maxFile)
	}
	p, err := Parse(string(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return p, nil
}

// Class maps a catalog severity name to a policy class.
func Class(severity string) string {
	c := strings.ToLower(strings.TrimSpace(severity))
	switch c {
	case Critical, Important, Moderate, Low:
		return c
	}
	return Unrated
}

// Due returns the day a finding released on released with this severity is
// due (midnight UTC). ok is false when released is not a date this package
// reads: such a finding has no due date.
func (p Policy) Due(released, severity string) (due time.Time, ok bool) {
	day, ok := ParseDate(released)
	if !ok {
		return time.Time{}, false
	}
	sp, found := p[Class(severity)]
	if !found {
		sp = Default()[Class(severity)]
	}
	return sp.add(day), true
}

// Overdue reports whether a finding due on due is overdue at time now.
func Overdue(due, now time.Time) bool {
	return !due.IsZero() && !now.Before(due)
}

// ParseDate reads a release date as catalogs write it: YYYY-MM-DD, with an
// optional time part (mssecure.xml writes 2003-07-16T00:00:00), or an
// RFC 3339 time. The time of day is dropped: the result is midnight UTC of
// that date.
func ParseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if len(s) < 10 || len(s) > 40 {
		return time.Time{}, false
	}
	t, err := time.Parse(time.DateOnly, s[:10])
	if err != nil {
		return time.Time{}, false
	}
	if rest := s[10:]; rest != "" && rest[0] != 'T' && rest[0] != ' ' {
		return time.Time{}, false
	}
	return t, true
}

// FormatDate writes a due date as xs:date.
func FormatDate(t time.Time) string { return t.UTC().Format(time.DateOnly) }

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}
