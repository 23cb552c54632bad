package detect_test

import (
	"testing"

	"github.com/patchscan/patchscan/catalog"
	"github.com/patchscan/patchscan/detect"
	"github.com/patchscan/patchscan/facts"
)

// TestComparison: the operators configuration baselines use are the
// engine's, with its semantics.
func TestComparison(t *testing.T) {
	for _, tc := range []struct {
		op    catalog.Op
		value string
		v     facts.RegValue
		found bool
		want  bool
	}{
		{catalog.OpExists, "", facts.DWORD(0), true, true},
		{catalog.OpExists, "", facts.RegValue{}, false, false},
		{catalog.OpAbsent, "", facts.RegValue{}, false, true},
		{catalog.OpNumberGE, "5", facts.DWORD(5), true, true},
		{catalog.OpNumberGE, "5", facts.SZ(" 4 "), true, false},
		{catalog.OpNumberLE, "0x2", facts.DWORD(2), true, true},
		{catalog.OpNumberGE, "1", facts.RegValue{}, false, false}, // absent: comparisons fail
		{catalog.OpNotEquals, "0", facts.RegValue{}, false, false},
		{catalog.OpEquals, "winnt", facts.SZ("WinNT"), true, true},
		{catalog.OpNotEquals, "b", facts.MultiSZ("a", "b"), true, false},
		{catalog.OpMatches, "^(3|4)$", facts.DWORD(4), true, true},
		{catalog.OpVersionLT, "6.3", facts.SZ("6.1"), true, true},
		{catalog.OpVersionLT, "6.3", facts.SZ("6.3"), true, false},
	} {
		c, err := detect.NewComparison(&catalog.Rule{Op: tc.op, Value: tc.value})
		if err != nil {
			t.Fatalf("%s %q: %v", tc.op, tc.value, err)
		}
		if got := c.Holds(tc.v, tc.found); got != tc.want {
			t.Errorf("%s %q on %q (found %v) = %v, want %v", tc.op, tc.value, tc.v.Text(), tc.found, got, tc.want)
		}
	}
	for _, bad := range []catalog.Rule{{Op: catalog.OpNumberGE, Value: "five"}, {Op: catalog.OpVersionGE, Value: "x.y"}, {Op: catalog.OpMatches, Value: "("}} {
		if _, err := detect.NewComparison(&bad); err == nil {
			t.Errorf("%s %q accepted", bad.Op, bad.Value)
		}
	}
	c, _ := detect.NewComparison(&catalog.Rule{Op: catalog.OpNumberGE, Value: "5"})
	if got := c.Requirement(); got != "5 or greater" {
		t.Errorf("Requirement = %q", got)
	}
}
