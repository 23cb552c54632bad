package targets

import (
	"errors"
	"math"
	"runtime"
	"slices"
	"strings"
	"testing"
)

func collect(l *List) []string {
	var out []string
	for t := range l.All() {
		out = append(out, t.String())
	}
	return out
}

func TestParseForms(t *testing.T) {
	tests := []struct {
		in    string
		kind  Kind
		port  int
		hosts []string // expansion (as Target.String)
	}{
		{"host1", KindHost, 0, []string{"host1"}},
		{"  Host1.Lab.Test. ", KindHost, 0, []string{"host1.lab.test"}},
		{"WIN_7-PC", KindHost, 0, []string{"win_7-pc"}},
		{"host1:4445", KindHost, 4445, []string{"host1:4445"}},
		{"10.0.0.1", KindAddr, 0, []string{"10.0.0.1"}},
		{"10.0.0.1:445", KindAddr, 445, []string{"10.0.0.1:445"}},
		{"::1", KindAddr, 0, []string{"::1"}},
		{"fe80::1", KindAddr, 0, []string{"fe80::1"}},
		{"[fe80::1]:445", KindAddr, 445, []string{"[fe80::1]:445"}},
		{"[2001:db8::5]", KindAddr, 0, []string{"2001:db8::5"}},
		{"::ffff:10.0.0.1", KindAddr, 0, []string{"10.0.0.1"}},
		{"fe80::1%eth0", KindHost, 0, []string{"fe80::1%eth0"}},
		{"10.0.0.0/30", KindCIDR, 0, []string{"10.0.0.1", "10.0.0.2"}},
		{"10.0.0.5/30", KindCIDR, 0, []string{"10.0.0.5", "10.0.0.6"}},
		{"10.0.0.0/31", KindCIDR, 0, []string{"10.0.0.0", "10.0.0.1"}},
		{"10.0.0.7/32", KindCIDR, 0, []string{"10.0.0.7"}},
		{"10.0.0.0/30:4445", KindCIDR, 4445, []string{"10.0.0.1:4445", "10.0.0.2:4445"}},
		{"2001:db8::/126", KindCIDR, 0, []string{"2001:db8::", "2001:db8::1", "2001:db8::2", "2001:db8::3"}},
		{"[2001:db8::/127]:5986", KindCIDR, 5986, []string{"[2001:db8::]:5986", "[2001:db8::1]:5986"}},
		{"10.0.0.1-10.0.0.3", KindRange, 0, []string{"10.0.0.1", "10.0.0.2", "10.0.0.3"}},
		{"10.0.0.254-10.0.1.1", KindRange, 0, []string{"10.0.0.254", "10.0.0.255", "10.0.1.0", "10.0.1.1"}},
		{"10.0.0.1-3", KindRange, 0, []string{"10.0.0.1", "10.0.0.2", "10.0.0.3"}},
		{"10.0.0.1-3:4445", KindRange, 4445, []string{"10.0.0.1:4445", "10.0.0.2:4445", "10.0.0.3:4445"}},
		{"10.0.0.9-9", KindRange, 0, []string{"10.0.0.9"}},
		{"2001:db8::1-2001:db8::2", KindRange, 0, []string{"2001:db8::1", "2001:db8::2"}},
		{"[2001:db8::1-2001:db8::2]:445", KindRange, 445, []string{"[2001:db8::1]:445", "[2001:db8::2]:445"}},
		{"255.255.255.254-255.255.255.255", KindRange, 0, []string{"255.255.255.254", "255.255.255.255"}},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			e, err := Parse(tc.in, "argument 1")
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.in, err)
			}
			if e.Kind != tc.kind || e.Port != tc.port {
				t.Errorf("Parse(%q) = kind %v port %d, want %v %d", tc.in, e.Kind, e.Port, tc.kind, tc.port)
			}
			l := &List{}
			if err := l.AddEntry(e); err != nil {
				t.Fatal(err)
			}
			if got := collect(l); !slices.Equal(got, tc.hosts) {
				t.Errorf("expansion of %q = %v, want %v", tc.in, got, tc.hosts)
			}
			if n := l.Count(); n != uint64(len(tc.hosts)) {
				t.Errorf("Count(%q) = %d, want %d", tc.in, n, len(tc.hosts))
			}
		})
	}
}

func TestParseBad(t *testing.T) {
	tests := []struct {
		in   string
		want error // nil: any error
	}{
		{"", ErrEmpty},
		{"   ", ErrEmpty},
		{"10.0.0.300", ErrAddress},
		{"10.0.0", ErrAddress},
		{"1.2.3.4.5", ErrAddress},
		{"10.0.0.1:0", ErrPort},
		{"10.0.0.1:65536", ErrPort},
		{"10.0.0.1:", ErrPort},
		{"host:abc", ErrPort},
		{"host:-1", ErrPort},
		{"host:123456", ErrPort},
		{"10.0.0.0/33", ErrCIDR},
		{"10.0.0.0/", ErrCIDR},
		{"10.0.0.0/-1", ErrCIDR},
		{"2001:db8::/129", ErrCIDR},
		{"::ffff:10.0.0.0/120", ErrCIDR},
		{"host/24", ErrCIDR},
		{"10.0.0.5-3", ErrRangeDesc},
		{"10.0.0.5-10.0.0.1", ErrRangeDesc},
		{"10.0.0.1-256", ErrRange},
		{"10.0.0.1-", ErrRange},
		{"10.0.0.1-x", ErrRange},
		{"10.0.0.1-::5", ErrRange},
		{"10.0.0.300-5", ErrRange},
		{"-host", ErrHostname},
		{"host-", ErrHostname},
		{"ho st", ErrHostname},
		{"a..b", ErrHostname},
		{"smb://host", nil},
		{"h\x00st", ErrHostname},
		{"hòst", ErrHostname},
		{strings.Repeat("a", 64) + ".test", ErrHostname},
		{strings.Repeat("a.", 130) + "com", ErrHostname},
		{strings.Repeat("a", MaxEntryLen+1), ErrTooLong},
		{"[fe80::1", nil},
		{"[]:445", ErrEmpty},
		{"[10.0.0.1]:445", nil},
		{"[fe80::1]x", nil},
		{"[fe80::1]:99999", ErrPort},
		{"fe80::zz", ErrAddress},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			_, err := Parse(tc.in, "hosts.txt:7")
			if err == nil {
				t.Fatalf("Parse(%q) succeeded, want an error", tc.in)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("Parse(%q) = %v, want %v", tc.in, err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "hosts.txt:7: bad target ") {
				t.Errorf("error %q does not start with the source", err)
			}
			if strings.ContainsAny(err.Error(), "\n\x00") {
				t.Errorf("error %q is not one clean line", err)
			}
		})
	}
}

func TestReadHosts(t *testing.T) {
	in := "\xef\xbb\xbf# lab hosts\r\n" +
		"host1\r\n" +
		"\n" +
		"   10.0.0.1   # the DC\n" +
		"10.0.0.300\n" +
		"host1\n" + // duplicate
		"HOST1:445\n" + // duplicate through the default port
		"host1:4445\n" + // another endpoint
		"two hosts\n" +
		strings.Repeat("x", 5000) + "\n" +
		"10.0.0.0/30\n" + // 10.0.0.1 already listed
		"10.0.0.2-3" // no final newline
	l := &List{DefaultPort: 445}
	if err := l.ReadHosts(strings.NewReader(in), "hosts.txt"); err != nil {
		t.Fatal(err)
	}
	want := []string{"host1", "10.0.0.1", "host1:4445", "10.0.0.2", "10.0.0.3"}
	if got := collect(l); !slices.Equal(got, want) {
		t.Errorf("targets = %v, want %v", got, want)
	}
	if n := l.Count(); n != uint64(len(want)) {
		t.Errorf("Count = %d, want %d", n, len(want))
	}
	var bad []string
	for _, b := range l.Bad {
		bad = append(bad, b.Source)
	}
	if wantBad := []string{"hosts.txt:5", "hosts.txt:9", "hosts.txt:10"}; !slices.Equal(bad, wantBad) {
		t.Errorf("bad entries at %v, want %v (%v)", bad, wantBad, l.Bad)
	}
	for _, b := range l.Bad {
		if len(b.Error()) > 200 {
			t.Errorf("bad-entry message too long: %d bytes", len(b.Error()))
		}
	}
}

func TestDedupeOverlaps(t *testing.T) {
	tests := []struct {
		name    string
		entries []string
		want    []string
	}{
		{"range inside cidr", []string{"10.0.0.0/29", "10.0.0.2-4"}, []string{"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6"}},
		{"cidr around ranges", []string{"10.0.0.2", "10.0.0.5-6", "10.0.0.0/29"}, []string{"10.0.0.2", "10.0.0.5", "10.0.0.6", "10.0.0.1", "10.0.0.3", "10.0.0.4"}},
		{"network address explicit", []string{"10.0.0.0/30", "10.0.0.0", "10.0.0.3"}, []string{"10.0.0.1", "10.0.0.2", "10.0.0.0", "10.0.0.3"}},
		{"ports differ", []string{"10.0.0.1", "10.0.0.1:4445", "10.0.0.1-2"}, []string{"10.0.0.1", "10.0.0.1:4445", "10.0.0.2"}},
		{"adjacent merges", []string{"10.0.0.1-2", "10.0.0.3-4", "10.0.0.1-4", "10.0.0.5"}, []string{"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5"}},
		{"v4 and v6 apart", []string{"10.0.0.1", "::ffff:10.0.0.1", "::a00:1"}, []string{"10.0.0.1", "::a00:1"}},
		{"names case", []string{"Host", "host.", "HOST"}, []string{"host"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := &List{DefaultPort: 445}
			for i, s := range tc.entries {
				if err := l.Add(s, "argument "+string(rune('1'+i))); err != nil {
					t.Fatal(err)
				}
			}
			if got := collect(l); !slices.Equal(got, tc.want) {
				t.Errorf("targets = %v, want %v", got, tc.want)
			}
			if n := l.Count(); n != uint64(len(tc.want)) {
				t.Errorf("Count = %d, want %d", n, len(tc.want))
			}
		})
	}
}

// A /8 or an IPv6 /64 must be countable (and refusable) without expanding.
func TestCountHugeWithoutExpanding(t *testing.T) {
	tests := []struct {
		entries []string
		want    uint64
	}{
		{[]string{"10.0.0.0/8"}, 1<<24 - 2},
		{[]string{"10.0.0.0/8", "10.0.0.0/8", "10.1.0.0/16"}, 1<<24 - 2},
		{[]string{"0.0.0.0/0"}, 1<<32 - 2},
		{[]string{"2001:db8::/64"}, math.MaxUint64},
		{[]string{"::/0"}, math.MaxUint64},
		{[]string{"2001:db8::/65"}, 1 << 63},
	}
	for _, tc := range tests {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		l := &List{}
		for _, s := range tc.entries {
			if err := l.Add(s, "test"); err != nil {
				t.Fatal(err)
			}
		}
		n := l.Count()
		runtime.ReadMemStats(&after)
		if n != tc.want {
			t.Errorf("Count(%v) = %d, want %d", tc.entries, n, tc.want)
		}
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<20 {
			t.Errorf("Count(%v) allocated %d bytes; it must not expand", tc.entries, grew)
		}
	}
}

// Expansion is lazy: stopping early stops the work.
func TestAllStopsEarly(t *testing.T) {
	l := &List{}
	if err := l.Add("10.0.0.0/8", "test"); err != nil {
		t.Fatal(err)
	}
	n := 0
	for range l.All() {
		n++
		if n == 3 {
			break
		}
	}
	if n != 3 {
		t.Fatalf("got %d targets", n)
	}
}

func TestTooManyEntries(t *testing.T) {
	l := &List{entries: make([]Entry, MaxEntries)}
	if err := l.Add("host", "x"); !errors.Is(err, ErrTooManyEntries) {
		t.Fatalf("Add past MaxEntries = %v", err)
	}
	if err := l.ReadHosts(strings.NewReader("a\nb\n"), "f"); !errors.Is(err, ErrTooManyEntries) {
		t.Fatalf("ReadHosts past MaxEntries = %v", err)
	}
}

func TestReadHostsUTF16(t *testing.T) {
	for _, bom := range []string{"\xff\xfe", "\xfe\xff"} {
		l := &List{}
		err := l.ReadHosts(strings.NewReader(bom+"h\x00o\x00"), "hosts.txt")
		if !errors.Is(err, ErrUTF16) || !strings.HasPrefix(err.Error(), "hosts.txt: ") {
			t.Errorf("UTF-16 file with BOM % x: %v", bom, err)
		}
	}
}

func TestTargetAddr(t *testing.T) {
	tests := []struct {
		t    Target
		def  int
		want string
	}{
		{Target{Host: "h"}, 445, "h:445"},
		{Target{Host: "h", Port: 4445}, 445, "h:4445"},
		{Target{Host: "fe80::1"}, 5986, "[fe80::1]:5986"},
	}
	for _, tc := range tests {
		if got := tc.t.Addr(tc.def); got != tc.want {
			t.Errorf("%+v.Addr(%d) = %q, want %q", tc.t, tc.def, got, tc.want)
		}
	}
}
