package msrc

import (
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/patchscan/patchscan/catalog"
)

var (
	sharedOnce sync.Once
	sharedCat  *catalog.Catalog
	sharedWarn []Warning
	sharedErr  error
)

// sharedCatalog converts the four shared documents once for all tests.
func sharedCatalog(t *testing.T) (*catalog.Catalog, []Warning) {
	t.Helper()
	sharedOnce.Do(func() {
		var docs []*Document
		for _, id := range sharedIDs {
			d, err := ParseFile(shared(id), Limits{})
			if err != nil {
				sharedErr = err
				return
			}
			docs = append(docs, d)
		}
		sharedCat, sharedWarn, sharedErr = Convert(docs)
	})
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return sharedCat, sharedWarn
}

func bulletin(t *testing.T, c *catalog.Catalog, id string) *catalog.Bulletin {
	t.Helper()
	for i := range c.Bulletins {
		if c.Bulletins[i].ID == id {
			return &c.Bulletins[i]
		}
	}
	t.Fatalf("no bulletin %s", id)
	return nil
}

// patchesFor returns the patches of b that apply to product id.
func patchesFor(b *catalog.Bulletin, id int) []*catalog.Patch {
	var out []*catalog.Patch
	for i := range b.Patches {
		for _, a := range b.Patches[i].Affected {
			if a.ProductID == id {
				out = append(out, &b.Patches[i])
			}
		}
	}
	return out
}

func TestConvertShared(t *testing.T) {
	c, _ := sharedCatalog(t)
	var ids []string
	for _, b := range c.Bulletins {
		ids = append(ids, b.ID)
	}
	if !reflect.DeepEqual(ids, sharedIDs) {
		t.Errorf("bulletins %v, want one per document in release order %v", ids, sharedIDs)
	}
	if c.FormatVersion != 2 || c.LastDataUpdate != "2026-03-01" || c.DataVersion != "MSRC 2021-Jul to 2026-Feb (4 documents)" {
		t.Errorf("header: format %d, last update %q, version %q", c.FormatVersion, c.LastDataUpdate, c.DataVersion)
	}
	feb := bulletin(t, c, "2026-Feb")
	if feb.Title != "February 2026 Security Updates" || feb.DatePosted != "2026-02-10" || !feb.Baseline {
		t.Errorf("2026-Feb bulletin: %q %q baseline %v", feb.Title, feb.DatePosted, feb.Baseline)
	}
}

// TestConvertServer2019: the acceptance case at the catalog level.
// KB5075904 for Server 2019 checks 10.0.17763.8389 (so UBR 8388 is missing
// and 8389 installed, by the FixedBuild rule) and lists 24 CVEs.
func TestConvertServer2019(t *testing.T) {
	c, _ := sharedCatalog(t)
	feb := bulletin(t, c, "2026-Feb")
	for _, id := range []int{11571, 11572} { // Server 2019, and its Server Core installation
		ps := patchesFor(feb, id)
		if len(ps) != 1 {
			t.Fatalf("product %d: %d February patches, want 1", id, len(ps))
		}
		p := ps[0]
		if p.SQNumber != "KB5075904" || p.FixedBuild.String() != "10.0.17763.8389" || len(p.CVEs) != 24 || p.Note != "" || p.SubType != "Security Update" || p.ReleaseDate != "2026-02-10" {
			t.Errorf("product %d: %s fixed %s, %d CVEs, note %q, subtype %q, released %q", id, p.SQNumber, p.FixedBuild, len(p.CVEs), p.Note, p.SubType, p.ReleaseDate)
		}
		if !slices.Contains(p.CVEs, "CVE-2026-21519") {
			t.Errorf("KB5075904 lacks CVE-2026-21519")
		}
	}
	// Windows 10 1809 x64 gets the same KB with its own CVE list (22).
	if ps := patchesFor(feb, 11569); len(ps) != 1 || ps[0].SQNumber != "KB5075904" || len(ps[0].CVEs) != 22 {
		t.Errorf("1809 x64 patches: %v", ps)
	}
}

// TestConvertHotpatch: every February CVE of Server 2025 is fixed by some
// patch whose FixedBuild is reached at UBR 32313 (the hotpatch KB5075942),
// and the standard update names the hotpatch as its alternative.
func TestConvertHotpatch(t *testing.T) {
	c, _ := sharedCatalog(t)
	feb := bulletin(t, c, "2026-Feb")
	open := map[string]bool{}
	fixed := map[string]bool{}
	for _, p := range patchesFor(feb, 12436) {
		for _, cve := range p.CVEs {
			open[cve] = true
			if p.FixedBuild.Part(2) == 26100 && p.FixedBuild.Part(3) <= 32313 {
				fixed[cve] = true
			}
		}
		switch p.SQNumber {
		case "KB5075899":
			if p.FixedBuild.String() != "10.0.26100.32370" || !reflect.DeepEqual(p.Alternatives, []string{"KB5075942"}) {
				t.Errorf("KB5075899: fixed %s, alternatives %v", p.FixedBuild, p.Alternatives)
			}
		case "KB5075942":
			if p.SubType != "Security Hotpatch Update" || p.FixedBuild.String() != "10.0.26100.32313" {
				t.Errorf("KB5075942: %q %s", p.SubType, p.FixedBuild)
			}
		}
	}
	if len(open) == 0 {
		t.Fatal("no February patch for Server 2025")
	}
	for cve := range open {
		if !fixed[cve] {
			t.Errorf("%s stays open on Server 2025 at 26100.32313", cve)
		}
	}
}

// TestConvertWindows11: Windows 11 24H2 and Server 2025 share build 26100
// but never a patch; KB5077181 checks 10.0.26100.7840 on 24H2 and
// 10.0.26200.7840 on 25H2.
func TestConvertWindows11(t *testing.T) {
	c, _ := sharedCatalog(t)
	feb := bulletin(t, c, "2026-Feb")
	fixed := map[int]string{}
	for _, p := range feb.Patches {
		has := map[int]bool{}
		for _, a := range p.Affected {
			has[a.ProductID] = true
		}
		if has[12390] && (has[12436] || has[12437]) {
			t.Errorf("%s applies to both Windows 11 24H2 and Server 2025", p.SQNumber)
		}
		if p.SQNumber == "KB5077181" {
			for id := range has {
				fixed[id] = p.FixedBuild.String()
			}
		}
	}
	want := map[int]string{12389: "10.0.26100.7840", 12390: "10.0.26100.7840", 20437: "10.0.26200.7840", 20438: "10.0.26200.7840"}
	if !reflect.DeepEqual(fixed, want) {
		t.Errorf("KB5077181 fixed builds %v, want %v", fixed, want)
	}
}

func TestConvertProducts(t *testing.T) {
	c, _ := sharedCatalog(t)
	byID := map[int]catalog.Product{}
	for _, p := range c.Products {
		byID[p.ID] = p
	}
	for id, name := range map[int]string{
		10855: "Windows Server 2016 (Server Core installation)", // 2021-Jul said "2016  (Server": the newest name wins
		11923: "Windows Server 2022",
		12244: "Windows Server 2022, 23H2 Edition (Server Core installation)",
		20853: "Windows 11 version 26H1 for x64-based Systems",
		10051: "Windows Server 2008 R2 for x64-based Systems Service Pack 1",
		10484: "Windows RT 8.1",
		12099: "Windows 10 Version 22H2 for 32-bit Systems",
		12098: "Windows 10 Version 22H2 for ARM64-based Systems",
	} {
		if byID[id].Name != name {
			t.Errorf("product %d = %q, want %q", id, byID[id].Name, name)
		}
	}
	for _, p := range c.Products {
		if _, ok, _ := Identify(p.Name); !ok {
			t.Errorf("product %d %q is not a Windows OS", p.ID, p.Name)
		}
	}
	if _, ok := byID[20847]; ok {
		t.Error("Windows App for Mac became a product")
	}
}

// TestDetectionExclusive: a host built to match one product's rules matches
// no other product of the catalog, for every product.
func TestDetectionExclusive(t *testing.T) {
	c, _ := sharedCatalog(t)
	for _, p := range c.Products {
		o, _, _ := Identify(p.Name)
		host := hostFor(o)
		var matched []string
		for _, q := range c.Products {
			if matches(q.Detection, host) {
				matched = append(matched, q.Name)
			}
		}
		if len(matched) != 1 || matched[0] != p.Name {
			t.Errorf("a %s host matches %q", p.Name, matched)
		}
	}
}

// hostFor returns the registry values of a typical host of o.
func hostFor(o OS) map[string]string {
	h := map[string]string{
		"CurrentBuildNumber":     strconv.Itoa(o.Build),
		"ProductType":            "ServerNT",
		"InstallationType":       "Server",
		"EditionID":              "ServerDatacenter",
		"PROCESSOR_ARCHITECTURE": o.Arch,
	}
	if o.Arch == "" {
		h["PROCESSOR_ARCHITECTURE"] = "AMD64"
	}
	if o.Client {
		h["ProductType"], h["InstallationType"], h["EditionID"] = "WinNT", "Client", "Professional"
	}
	if o.Core {
		h["InstallationType"], h["EditionID"] = "Server Core", "ServerDatacenterCore"
	}
	if o.Build == 6002 {
		h["CurrentBuildNumber"] = "6003"
	}
	return h
}

// matches evaluates registry-value rules the way the engine does: a value
// that is absent fails whatever the operator.
func matches(rules []catalog.Rule, host map[string]string) bool {
	for _, r := range rules {
		v, ok := host[r.Name]
		if !ok || r.Kind != catalog.RuleRegValue {
			return false
		}
		switch r.Op {
		case catalog.OpEquals:
			ok = strings.EqualFold(v, r.Value)
		case catalog.OpNotEquals:
			ok = !strings.EqualFold(v, r.Value)
		case catalog.OpMatches:
			ok = r.Regexp.MatchString(v)
		default:
			ok = false
		}
		if !ok {
			return false
		}
	}
	return true
}

func TestConvertLegacyNotes(t *testing.T) {
	c, _ := sharedCatalog(t)
	jul := bulletin(t, c, "2021-Jul")
	ps := patchesFor(jul, 10051) // Windows Server 2008 R2 x64 SP1
	if len(ps) == 0 {
		t.Fatal("no July 2021 patch for Server 2008 R2")
	}
	for _, p := range ps {
		if p.Note == "" || p.FixedBuild.Len() != 0 || !strings.Contains(p.Note, "before 10") {
			t.Errorf("%s on 2008 R2: note %q, fixed %s", p.SQNumber, p.Note, p.FixedBuild)
		}
	}
}

func TestConvertSupersedence(t *testing.T) {
	c, _ := sharedCatalog(t)
	dec := bulletin(t, c, "2025-Dec")
	var found bool
	for _, p := range patchesFor(dec, 12390) {
		if p.SQNumber == "KB5068861" { // November's update, superseded by KB5072033 in the same document
			found = true
			want := catalog.Supersedence{BulletinID: "2025-Dec", SQNumber: "KB5072033"}
			if !reflect.DeepEqual(p.SupersededBy, []catalog.Supersedence{want}) {
				t.Errorf("KB5068861 superseded by %v, want %v", p.SupersededBy, want)
			}
		}
	}
	if !found {
		t.Error("KB5068861 not found for Windows 11 24H2 in 2025-Dec")
	}
}

func TestConvertVulnerabilities(t *testing.T) {
	c, _ := sharedCatalog(t)
	var row *catalog.Vulnerability
	for i := range c.Vulnerabilities {
		if c.Vulnerabilities[i].CVE == "CVE-2021-34527" {
			row = &c.Vulnerabilities[i]
		}
	}
	if row == nil {
		t.Fatal("no row for CVE-2021-34527")
	}
	if row.Title != "Windows Print Spooler Remote Code Execution Vulnerability" || !row.Exploited || row.SeverityID != 1 || row.Published != "2021-07-01" {
		t.Errorf("CVE-2021-34527 = %+v", *row)
	}
	if !sort.SliceIsSorted(c.Vulnerabilities, func(i, j int) bool { return c.Vulnerabilities[i].CVE < c.Vulnerabilities[j].CVE }) {
		t.Error("Vulnerabilities not sorted by CVE")
	}
}

// TestConvertSharedWarnings: the known errors of the shared documents give
// the warnings and notes the issue asks for.
func TestConvertSharedWarnings(t *testing.T) {
	c, warns := sharedCatalog(t)
	var texts []string
	for _, w := range warns {
		texts = append(texts, w.String())
	}
	all := strings.Join(texts, "\n")
	for _, want := range []string{
		// PrintNightmare out of band for 1607 / 2016: no FixedBuild.
		"2021-Jul KB5004948 (CVE-2021-34527) on Windows 10 Version 1607 for 32-bit Systems, Windows 10 Version 1607 for x64-based Systems, Windows Server 2016, Windows Server 2016 (Server Core installation): MSRC gives no fixed build for KB5004948",
		// 20H2 fixes carrying 2004's 19041 base build.
		"on Windows 10 Version 20H2 for 32-bit Systems, Windows 10 Version 20H2 for ARM64-based Systems, Windows 10 Version 20H2 for x64-based Systems, Windows 10 Version 21H1 for 32-bit Systems",
		"FixedBuild 10.0.19041.1107 is build 19041, another build of the same servicing branch",
		// KB5004945's FixedBuild 1803 contradicts its superseder's 1107.
		"2021-Jul KB5004945 (CVE-2021-34527) on Windows 10 Version 2004 for 32-bit Systems",
		"above 10.0.19041.1107 of KB5004237, which supersedes it",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("no warning containing %q in:\n%s", want, all)
		}
	}
	jul := bulletin(t, c, "2021-Jul")
	for _, p := range patchesFor(jul, 10816) { // Windows Server 2016
		if p.SQNumber == "KB5004948" && (p.Note == "" || p.FixedBuild.Len() != 0) {
			t.Errorf("KB5004948 on Server 2016 is checked: %+v", p)
		}
	}
	for _, p := range patchesFor(jul, 12097) {
		t.Errorf("2021-Jul names Windows 10 22H2 (%s)", p.SQNumber)
	}
}
