package version

import "testing"

func TestCompare(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"6.1", "6.1.0.0", 0},
		{"6.1.7601.17514", "6.1.7601.23689", -1},
		{"10.0.17763.1", "6.3.9600.1", 1},
		{"1.10", "1.9", 1},
		{"1.0.0.1", "1", 1},
	}
	for _, tt := range tests {
		got := MustParse(tt.a).Compare(MustParse(tt.b))
		if got != tt.want {
			t.Errorf("Compare(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, s := range []string{"", "1..2", "a.b", "1.2.3.4.5.6.7.8.9", "99999999999999999999999", "1.-2", " . "} {
		if _, err := Parse(s); err == nil {
			t.Errorf("Parse(%q) succeeded, want error", s)
		}
	}
}

func TestString(t *testing.T) {
	for _, s := range []string{"6.1", "6.1.7601.23689", "0"} {
		if got := MustParse(s).String(); got != s {
			t.Errorf("String(%q) = %q", s, got)
		}
	}
	if got := FromParts(1, 2, 3, 4).String(); got != "1.2.3.4" {
		t.Errorf("FromParts = %q", got)
	}
}

func TestParts(t *testing.T) {
	for _, tc := range []struct {
		in    string
		n     int
		parts []uint64 // parts 0..len-1; the next one must be 0
	}{
		{"10.0.17763.8389", 4, []uint64{10, 0, 17763, 8389}},
		{"6.1", 2, []uint64{6, 1}},
		{"", 0, nil},
	} {
		var v Version
		if tc.in != "" {
			v = MustParse(tc.in)
		}
		if v.Len() != tc.n {
			t.Errorf("Len(%q) = %d, want %d", tc.in, v.Len(), tc.n)
		}
		for i, want := range tc.parts {
			if got := v.Part(i); got != want {
				t.Errorf("Part(%q, %d) = %d, want %d", tc.in, i, got, want)
			}
		}
		if got := v.Part(len(tc.parts)); got != 0 {
			t.Errorf("Part(%q, %d) past the end = %d, want 0", tc.in, len(tc.parts), got)
		}
		if got := v.Part(-1) + v.Part(MaxParts); got != 0 {
			t.Errorf("Part(%q) out of range = %d, want 0", tc.in, got)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"6.1.7601.23689", "", "1..", "9999999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := Parse(s)
		if err != nil {
			return
		}
		w, err := Parse(v.String())
		if err != nil || v.Compare(w) != 0 {
			t.Fatalf("round trip of %q: %v %v", s, w, err)
		}
	})
}
