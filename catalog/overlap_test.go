package catalog

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// overlapDoc is a catalog whose only bulletin holds patches, one per line;
// the first patch is on line overlapFirstLine. Service packs: Gold (ID 1,
// level 0), SP1 (2, level 1), SP2 (3, level 2), SP3 (4, level 3) and a
// second definition of level 1 (5), as mssecure had one per product.
func overlapDoc(patches ...string) string {
	return `<?xml version="1.0"?>
<BulletinDatastore DataVersion="1">
<ServicePacks><ServicePack ServicePackID="1" Name="Gold" Level="0"/><ServicePack ServicePackID="2" Name="SP1" Level="1"/><ServicePack ServicePackID="3" Name="SP2" Level="2"/><ServicePack ServicePackID="4" Name="SP3" Level="3"/><ServicePack ServicePackID="5" Name="Other SP1" Level="1"/></ServicePacks>
<MSSeverities><MSSeverity MSSeverityID="1" Name="Critical"/></MSSeverities>
<Products><Product ProductID="1" Name="Windows XP"><Detection><RegKey Key="HKLM\SOFTWARE\P1"/></Detection></Product><Product ProductID="2" Name="Windows Server 2003"><Detection><RegKey Key="HKLM\SOFTWARE\P2"/></Detection></Product></Products>
<Bulletins><Bulletin BulletinID="MS08-067" Title="T" DatePosted="2008-10-23"><Patches>
` + strings.Join(patches, "\n") + `
</Patches></Bulletin></Bulletins>
</BulletinDatastore>
`
}

const overlapFirstLine = 7

// pt writes a patch: name, KB, then AffectedProduct elements.
func pt(name, kb string, affected ...string) string {
	n := ""
	if name != "" {
		n = ` PatchName="` + name + `"`
	}
	return `<Patch` + n + ` SQNumber="` + kb + `" MSSeverityID="1">` + strings.Join(affected, "") +
		`<FileChecks><FileCheck Path="%SystemRoot%\System32\netapi32.dll" Version="5.1.2600.1"/></FileChecks></Patch>`
}

// ap writes an AffectedProduct: product, FixedInSP ("" = none) and
// AffectedServicePack IDs.
func ap(prod int, fixedIn string, sps ...int) string {
	f := ""
	if fixedIn != "" {
		f = ` FixedInSP="` + fixedIn + `"`
	}
	var b strings.Builder
	for _, sp := range sps {
		fmt.Fprintf(&b, `<AffectedServicePack ServicePackID="%d"/>`, sp)
	}
	return fmt.Sprintf(`<AffectedProduct ProductID="%d"%s>%s</AffectedProduct>`, prod, f, b.String())
}

// TestPatchOverlap: patches sharing SQNumber and PatchName in a bulletin are
// an error exactly when they could both apply to one host.
func TestPatchOverlap(t *testing.T) {
	const xp, xp2 = "WindowsXP-KB958644-x86-ENU.exe", "windowsxp-kb958644-x86-enu.EXE"
	tests := []struct {
		name    string
		patches []string
		want    []wantProblem // line offsets from overlapFirstLine; none = valid
	}{
		{"disjoint service packs", []string{
			pt(xp, "KB958644", ap(1, "0", 3)),
			pt(xp, "KB958644", ap(1, "0", 4)),
		}, nil},
		{"three service packs of one package", []string{
			pt(xp, "KB958644", ap(1, "0", 2)),
			pt(xp, "KB958644", ap(1, "0", 3)),
			pt(xp, "KB958644", ap(1, "0", 4)),
		}, nil},
		{"same service pack", []string{
			pt(xp, "KB958644", ap(1, "0", 3)),
			pt(xp, "KB958644", ap(1, "0", 3)),
		}, []wantProblem{{1, "bulletin MS08-067: duplicate patch KB958644 WindowsXP-KB958644-x86-ENU.exe (first defined at line 7): both apply to Windows XP (ProductID 1) at service pack level 2"}}},
		{"no service packs given", []string{
			pt("a.exe", "KB1", ap(1, "")),
			pt("a.exe", "KB1", ap(1, "")),
		}, []wantProblem{{1, "duplicate patch KB1 a.exe (first defined at line 7): both apply to Windows XP (ProductID 1) at any service pack level"}}},
		{"any level against one", []string{
			pt("a.exe", "KB1", ap(1, "")),
			pt("a.exe", "KB1", ap(1, "0", 3)),
		}, []wantProblem{{1, "at service pack level 2,"}}},
		{"FixedInSP below the other's level", []string{
			pt("a.exe", "KB1", ap(1, "2")), // levels 0 and 1
			pt("a.exe", "KB1", ap(1, "0", 3)),
		}, nil},
		{"FixedInSP above the other's level", []string{
			pt("a.exe", "KB1", ap(1, "2")),
			pt("a.exe", "KB1", ap(1, "0", 2, 3)),
		}, []wantProblem{{1, "at service pack level 1,"}}},
		{"FixedInSP against FixedInSP", []string{
			pt("a.exe", "KB1", ap(1, "3")),
			pt("a.exe", "KB1", ap(1, "2")),
		}, []wantProblem{{1, "at service pack levels 0, 1,"}}},
		{"two IDs for one level", []string{
			pt("a.exe", "KB1", ap(1, "0", 2)),
			pt("a.exe", "KB1", ap(1, "0", 5)),
		}, []wantProblem{{1, "at service pack level 1,"}}},
		{"different products", []string{
			pt("a.exe", "KB1", ap(1, "0", 3)),
			pt("a.exe", "KB1", ap(2, "0", 3)),
		}, nil},
		{"different package names", []string{
			pt("WindowsXP-KB1-x86-ENU.exe", "KB1", ap(1, "0", 3)),
			pt("WindowsServer2003-KB1-x86-ENU.exe", "KB1", ap(1, "0", 3)),
		}, nil},
		{"different KBs", []string{
			pt("a.exe", "KB1", ap(1, "0", 3)),
			pt("a.exe", "KB2", ap(1, "0", 3)),
		}, nil},
		{"names compared case-insensitively", []string{
			pt(xp, "KB958644", ap(1, "0", 3)),
			pt(xp2, "kb958644", ap(1, "0", 3)),
		}, []wantProblem{{1, "duplicate patch kb958644 windowsxp-kb958644-x86-enu.EXE (first defined at line 7)"}}},
		{"no PatchName", []string{
			pt("", "KB1", ap(1, "0", 3)),
			pt("", "KB1", ap(1, "0", 3)),
		}, []wantProblem{{1, "duplicate patch KB1 (unnamed) (first defined at line 7)"}}},
		{"third covers the first two: names the first", []string{
			pt("a.exe", "KB1", ap(1, "0", 2)),
			pt("a.exe", "KB1", ap(1, "0", 3)),
			pt("a.exe", "KB1", ap(1, "0", 3, 2)),
		}, []wantProblem{{2, "(first defined at line 7): both apply to Windows XP (ProductID 1) at service pack level 1,"}}},
		{"later overlap names the earliest overlapping patch", []string{
			pt("a.exe", "KB1", ap(1, "0", 2)),
			pt("a.exe", "KB1", ap(1, "0", 3)),
			pt("a.exe", "KB1", ap(1, "0", 3)),
		}, []wantProblem{{2, "(first defined at line 8)"}}},
		{"every overlap is reported", []string{
			pt("a.exe", "KB1", ap(1, "")),
			pt("a.exe", "KB1", ap(1, "0", 2)),
			pt("a.exe", "KB1", ap(1, "0", 3)),
		}, []wantProblem{{1, "(first defined at line 7)"}, {2, "(first defined at line 7)"}}},
		{"one patch, one product twice", []string{
			pt("a.exe", "KB1", ap(1, "0", 2), ap(1, "0", 2, 3)),
		}, nil},
		{"second product overlaps", []string{
			pt("a.exe", "KB1", ap(1, "0", 2), ap(2, "0", 2)),
			pt("a.exe", "KB1", ap(1, "0", 3), ap(2, "0", 2)),
		}, []wantProblem{{1, "both apply to Windows Server 2003 (ProductID 2) at service pack level 1"}}},
		{"unknown service pack is only a reference error", []string{
			pt("a.exe", "KB1", ap(1, "0", 9)),
			pt("a.exe", "KB1", ap(1, "0", 9)),
		}, []wantProblem{{0, "ServicePackID 9 is not defined"}, {1, "ServicePackID 9 is not defined"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(strings.NewReader(overlapDoc(tt.patches...)), "o.xml")
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("want the catalog accepted, got %v", err)
				}
				if n := len(c.Bulletins[0].Patches); n != len(tt.patches) {
					t.Fatalf("%d patches loaded, want %d", n, len(tt.patches))
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("want a *ValidationError, got %v", err)
			}
			want := make([]wantProblem, len(tt.want))
			for i, w := range tt.want {
				want[i] = wantProblem{overlapFirstLine + w.line, w.text}
			}
			assertProblems(t, ve, "o.xml", want)
		})
	}
}

// TestPatchOverlapHostile: many identical patches are reported up to the
// problem limit, quickly (the check is linear, not pairwise).
func TestPatchOverlapHostile(t *testing.T) {
	tests := []struct {
		name  string
		n     int
		prods int // products 1000, 1001, ... to define
		patch func(i int) string
		want  int // problems before the "more not shown" line
	}{
		{"identical", 50000, 0, func(int) string { return pt("a.exe", "KB1", ap(1, "")) }, maxProblems},
		{"many products then one overlap each", 20000, 10000, func(i int) string {
			return pt("a.exe", "KB1", ap(1000+i%10000, "0", 2))
		}, maxProblems},
		{"all disjoint", 20000, 20000, func(i int) string {
			return pt("a.exe", "KB1", ap(1000+i, "0", 2))
		}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := make([]string, tt.n)
			for i := range ps {
				ps[i] = tt.patch(i)
			}
			var prods strings.Builder
			for id := 1000; id < 1000+tt.prods; id++ {
				fmt.Fprintf(&prods, `<Product ProductID="%d" Name="P"><Detection><RegKey Key="HKLM\SOFTWARE\P"/></Detection></Product>`, id)
			}
			doc := strings.Replace(overlapDoc(ps...), "<Products>", "<Products>"+prods.String(), 1)
			// The checks after reading, timed: pairwise, the overlap check
			// takes seconds (a billion set operations for 50,000 identical
			// patches); linear, milliseconds. Reading is left out of the
			// time, so that a loaded machine cannot make this fail.
			l := newLoader("h.xml", newDocReader(newInput(strings.NewReader(doc), DefaultMaxBytes), DefaultMaxDepth), contentBudget(DefaultMaxBytes))
			l.document()
			l.doc.close()
			if l.doc.failed() {
				t.Fatal("the document does not read")
			}
			start := time.Now()
			_, err := l.result()
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("checking took %v", d)
			}
			if tt.want == 0 {
				if err != nil {
					t.Fatalf("want the catalog accepted, got %v", err)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) || len(ve.Problems) != tt.want+1 || !strings.Contains(ve.Problems[tt.want].Message, "more problems not shown") {
				t.Fatalf("got %v", err)
			}
			if !strings.Contains(ve.Problems[0].Message, "duplicate patch KB1 a.exe") {
				t.Errorf("first problem: %s", ve.Problems[0])
			}
		})
	}
}

func TestLevelSetString(t *testing.T) {
	var many levelSet
	for l := 10; l < 20; l++ {
		many.add(l)
	}
	tests := []struct {
		s    levelSet
		want string
	}{
		{allLevels, "any service pack level"},
		{coverage(AffectedProduct{FixedInSP: 1}, nil), "service pack level 0"},
		{coverage(AffectedProduct{FixedInSP: 3}, nil), "service pack levels 0, 1, 2"},
		{coverage(AffectedProduct{ServicePackIDs: []int{7, 8}, FixedInSP: 3}, map[int]int{7: 1, 8: 4}), "service pack level 1"},
		{coverage(AffectedProduct{ServicePackIDs: []int{7}}, map[int]int{}), "no service pack level"},
		{many, "service pack levels 10, 11, 12, 13, 14, 15 (and 4 more)"},
		{coverage(AffectedProduct{FixedInSP: 99}, nil), "service pack levels 0, 1, 2, 3, 4, 5 (and 93 more)"},
	}
	for _, tt := range tests {
		if got := tt.s.String(); got != tt.want {
			t.Errorf("%v: got %q, want %q", tt.s, got, tt.want)
		}
	}
}
