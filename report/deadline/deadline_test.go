package deadline

import (
	"strings"
	"testing"
	"time"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestDefaultDue(t *testing.T) {
	p := Default()
	tests := []struct {
		released, severity, want string
	}{
		{"2017-03-14", "Critical", "2017-03-15"},                // 24 h
		{"2017-03-14", "important", "2017-04-14"},               // a month
		{"2017-03-14", "Moderate", "2017-07-14"},                // 4 months
		{"2017-03-14", "Low", "2018-03-14"},                     // 12 months
		{"2017-03-14", "", "2017-04-14"},                        // unrated: a month
		{"2017-03-14", "Severe", "2017-04-14"},                  // unknown name: unrated
		{"2003-07-16T00:00:00", "Critical", "2003-07-17"},       // mssecure.xml form
		{"2021-07-13T17:00:00Z", "critical", "2021-07-14"},      // RFC 3339: date only
		{"2024-01-31", "Important", "2024-03-02"},               // AddDate normalises Feb 31
		{"2024-02-28", "Critical", "2024-02-29"},                // leap day
		{"2026-12-31", "Critical", "2027-01-01"},                // year boundary
		{" 2017-03-14 ", "Critical", "2017-03-15"},              // space around
		{"2017-03-14 10:00:00", "Critical", "2017-03-15"},       // SQL-style time
		{"1999-12-31", "low", "2000-12-31"},                     // old bulletin
		{"2010-09-14", "CRITICAL", "2010-09-15"},                // case
		{"2017-03-14", " Important ", "2017-04-14"},             // space in severity
		{"2017-03-14T00:00:00+02:00", "Low", "2018-03-14"},      // offset ignored: the date as written
		{"2012-02-29", "Low", "2013-03-01"},                     // leap day + 1 year
		{"2012-02-29", "Moderate", "2012-06-29"},                // leap day + 4 months
		{"2012-02-29", "unrated", "2012-03-29"},                 // explicit class name as severity
		{"2012-02-29", "critical", "2012-03-01"},                // 24 h past a leap day
		{"2017-03-14", "important", "2017-04-14"},               // lower case
		{"2017-03-14", "Moderate ", "2017-07-14"},               // trailing space
		{"2017-03-14", "\tLow", "2018-03-14"},                   // tab
		{"2017-03-14", "crit", "2017-04-14"},                    // prefix is not a class
		{"2017-03-14", "critical\x00", "2017-04-14"},            // NUL makes it unknown
		{"2017-03-14", strings.Repeat("x", 1000), "2017-04-14"}, // long junk
	}
	for _, tt := range tests {
		got, ok := p.Due(tt.released, tt.severity)
		if !ok {
			t.Errorf("Due(%q, %q): no due date, want %s", tt.released, tt.severity, tt.want)
			continue
		}
		if FormatDate(got) != tt.want {
			t.Errorf("Due(%q, %q) = %s, want %s", tt.released, tt.severity, FormatDate(got), tt.want)
		}
	}
}

func TestNoDueDate(t *testing.T) {
	for _, released := range []string{"", "2017", "14/03/2017", "2017-3-14", "2017-02-30", "2017-03-14X", "yesterday", "2017-03-14" + strings.Repeat("T", 100), "２０１７-03-14"} {
		if got, ok := Default().Due(released, "Critical"); ok {
			t.Errorf("Due(%q) = %s, want no due date", released, got)
		}
	}
}

func TestOverdue(t *testing.T) {
	due := day("2017-03-15")
	tests := []struct {
		now  time.Time
		want bool
	}{
		{due.Add(-time.Nanosecond), false},
		{due, true},
		{due.Add(36 * time.Hour), true},
		{day("2016-01-01"), false},
	}
	for _, tt := range tests {
		if got := Overdue(due, tt.now); got != tt.want {
			t.Errorf("Overdue(%s, %s) = %v, want %v", due, tt.now, got, tt.want)
		}
	}
	if Overdue(time.Time{}, time.Now()) {
		t.Error("a finding without a due date is overdue")
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"", "critical=1d,important=1mo,moderate=4mo,low=1y,unrated=1mo"},
		{"critical=48h", "critical=2d,important=1mo,moderate=4mo,low=1y,unrated=1mo"},
		{"Critical = 3d , LOW=2y", "critical=3d,important=1mo,moderate=4mo,low=2y,unrated=1mo"},
		{"important=2w\nmoderate=90d # a quarter\n# comment\n\nunrated=6mo", "critical=1d,important=2w,moderate=90d,low=1y,unrated=6mo"},
		{"critical=0d", "critical=0d,important=1mo,moderate=4mo,low=1y,unrated=1mo"},
	}
	for _, tt := range tests {
		p, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if p.String() != tt.want {
			t.Errorf("Parse(%q) = %s, want %s", tt.in, p, tt.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		in, wantErr string
	}{
		{"critical", "want class=deadline"},
		{"urgent=1d", `unknown severity class "urgent"`},
		{"critical=36h", "multiple of 24"},
		{"critical=1", `unknown unit ""`},
		{"critical=d", "want a whole number and a unit"},
		{"critical=1m", `unknown unit "m"`},
		{"critical=-1d", "want a whole number and a unit"},
		{"critical=1.5d", `unknown unit ".5d"`},
		{"low=9999999y", "want a whole number"},
		{"low=200y", "longer than 100 years"},
		{"critical=1d\nlow=x", "line 2:"},
		// Every error is listed, not only the first.
		{"a=1d,b=2d", `"b"`},
	}
	for _, tt := range tests {
		_, err := Parse(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("Parse(%q) error = %v, want it to say %q", tt.in, err, tt.wantErr)
		}
	}
}

func TestCustomPolicyDue(t *testing.T) {
	p, err := Parse("critical=7d,low=1mo")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := p.Due("2020-01-01", "Critical"); FormatDate(got) != "2020-01-08" {
		t.Errorf("critical=7d: due %s, want 2020-01-08", FormatDate(got))
	}
	if got, _ := p.Due("2020-01-01", "Low"); FormatDate(got) != "2020-02-01" {
		t.Errorf("low=1mo: due %s, want 2020-02-01", FormatDate(got))
	}
	// A policy map missing a class (built by hand) falls back to the default.
	partial := Policy{Critical: {Days: 2}}
	if got, _ := partial.Due("2020-01-01", "Moderate"); FormatDate(got) != "2020-05-01" {
		t.Errorf("partial policy: moderate due %s, want the default 2020-05-01", FormatDate(got))
	}
}

func TestRead(t *testing.T) {
	p, err := Read(strings.NewReader("# site policy\ncritical=72h\n"), "deadlines.conf")
	if err != nil {
		t.Fatal(err)
	}
	if p[Critical] != (Span{Days: 3}) {
		t.Errorf("critical = %v, want 3 days", p[Critical])
	}
	if _, err := Read(strings.NewReader("critical=1x\n"), "deadlines.conf"); err == nil || !strings.Contains(err.Error(), "deadlines.conf: line 1:") {
		t.Errorf("bad file: error %v, want it to name the file and line", err)
	}
	huge := strings.Repeat("# padding\n", maxFile)
	if _, err := Read(strings.NewReader(huge), "big.conf"); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("huge file: error %v, want a size error", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add("critical=24h,important=1mo")
	f.Add("low=12mo\n# x\nunrated=3w")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Parse(s)
		if err != nil {
			return
		}
		// What parses writes back to something that parses the same.
		again, err := Parse(p.String())
		if err != nil || again.String() != p.String() {
			t.Fatalf("round trip of %q: %q, %v", s, again, err)
		}
		if _, ok := p.Due("2020-01-01", "critical"); !ok {
			t.Fatal("no due date for a valid release date")
		}
	})
}
