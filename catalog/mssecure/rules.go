package mssecure

import (
	"regexp"
	"strings"

	"github.com/patchscan/patchscan/catalog"
	"github.com/patchscan/patchscan/internal/winkeys"
)

// HFNetChk decided in its own code which products a host runs; mssecure.xml
// only names them. This is patchscan's table of those decisions: a kind of
// product, recognised by a pattern on its name, with the registry values
// and files that tell it is installed. The first matching kind wins, so
// specific names come before general ones. A kind with a reason in never
// cannot be recognised remotely: its patches become notes on the hosts
// that could run it. docs/catalog-format.md ("Importing mssecure.xml")
// lists the table with the evidence for each rule.

// osFamily is a Windows release, whose service packs a host reports in
// CSDVersion.
type osFamily string

const (
	noOS   osFamily = ""
	nt4    osFamily = "nt4"
	w2k    osFamily = "w2k"
	xp     osFamily = "xp"
	ws2003 osFamily = "ws2003"
	win9x  osFamily = "win9x" // never a scan target: its products are never present
)

// osFamilies says how each family is named and told apart.
var osFamilies = map[osFamily]struct {
	name           string
	currentVersion string // HKLM\...\Windows NT\CurrentVersion CurrentVersion
}{
	nt4:    {"Windows NT 4.0", "4.0"},
	w2k:    {"Windows 2000", "5.0"},
	xp:     {"Windows XP", "5.1"},
	ws2003: {"Windows Server 2003", "5.2"},
}

// ntFamilies are the families a scan can meet, oldest first.
var ntFamilies = []osFamily{nt4, w2k, xp, ws2003}

// kind is a kind of product and how to recognise it.
type kind struct {
	name    string         // the kind, in docs and tests
	example string         // a name of the kind, as mssecure.xml writes it
	match   *regexp.Regexp // on the product's name (normName)
	os      osFamily       // Windows itself: the family whose service packs it takes
	rules   []catalog.Rule // all hold when the product is installed
	// sps tells the product's own service packs apart (Internet Explorer's
	// version, Exchange's build): extra rules per service pack level.
	sps map[int][]catalog.Rule
	// derive makes the rules from the name's submatches, for kinds that
	// cover several releases (Word 97 to 2003).
	derive func(m []string) []catalog.Rule
	never  string // cannot be recognised remotely, and why
	// offHost: never present on a host patchscan scans (Windows 9x, Mac
	// software), so its service packs need no mapping.
	offHost bool
}

const (
	keyTS       = `HKLM\SYSTEM\CurrentControlSet\Control\Terminal Server`
	keyInetStp  = `HKLM\SOFTWARE\Microsoft\InetStp`
	keyW3Params = `HKLM\SYSTEM\CurrentControlSet\Services\W3SVC\Parameters`
	keyIE       = `HKLM\SOFTWARE\Microsoft\Internet Explorer`
	keySQL      = `HKLM\SOFTWARE\Microsoft\MSSQLServer\MSSQLServer\CurrentVersion`
	keyExchange = `HKLM\SOFTWARE\Microsoft\Exchange\Setup`
	keyOffice   = `HKLM\SOFTWARE\Microsoft\Office\`
	keyIndex    = `HKLM\SYSTEM\CurrentControlSet\Control\ContentIndex`
	dirWMP      = `%ProgramFiles%\Windows Media Player\`
)

func regValue(key, name string, op catalog.Op, value string) catalog.Rule {
	return catalog.Rule{Kind: catalog.RuleRegValue, Key: key, Name: name, Op: op, Value: value}
}

func regKey(key string, op catalog.Op) catalog.Rule {
	return catalog.Rule{Kind: catalog.RuleRegKey, Key: key, Op: op}
}

func file(path string, op catalog.Op, v string) catalog.Rule {
	return catalog.Rule{Kind: catalog.RuleFile, Path: path, Op: op, Value: v}
}

// osRule is the family's CurrentVersion.
func osRule(f osFamily) catalog.Rule {
	return regValue(winkeys.NTCurrentVersion, "CurrentVersion", catalog.OpEquals, osFamilies[f].currentVersion)
}

// Product types: WinNT is a workstation, ServerNT and LanmanNT (a domain
// controller) are servers.
var (
	workstation = regValue(winkeys.ProductOptions, "ProductType", catalog.OpEquals, "WinNT")
	server      = regValue(winkeys.ProductOptions, "ProductType", catalog.OpNotEquals, "WinNT")
)

// suite is a ProductSuite flag (REG_MULTI_SZ; equals holds when one
// element is the flag). A missing flag cannot be tested (the value may be
// absent), so a base edition's rules match its flagged editions too: a
// Windows 2000 Advanced Server is also a Windows 2000 Server, as patches
// for the one apply to the other.
func suite(flag string) catalog.Rule {
	return regValue(winkeys.ProductOptions, "ProductSuite", catalog.OpEquals, flag)
}

// versionIn holds when a registry value or a file's version is in [lo, hi).
func versionIn(r catalog.Rule, lo, hi string) []catalog.Rule {
	a, b := r, r
	a.Op, a.Value = catalog.OpVersionGE, lo
	b.Op, b.Value = catalog.OpVersionLT, hi
	return []catalog.Rule{a, b}
}

// numberIn holds when a number is in [lo, hi] (inclusive).
func numberIn(r catalog.Rule, lo, hi string) []catalog.Rule {
	a, b := r, r
	a.Op, a.Value = catalog.OpNumberGE, lo
	b.Op, b.Value = catalog.OpNumberLE, hi
	return []catalog.Rule{a, b}
}

func rules(parts ...any) []catalog.Rule {
	var out []catalog.Rule
	for _, p := range parts {
		switch r := p.(type) {
		case catalog.Rule:
			out = append(out, r)
		case []catalog.Rule:
			out = append(out, r...)
		}
	}
	return out
}

// normName is a product name as patterns see it: lower case, runs of white
// space and commas as one space, trimmed (real names end in spaces).
func normName(s string) string {
	s = strings.ToLower(strings.NewReplacer(",", " ", "\t", " ").Replace(s))
	return strings.Join(strings.Fields(s), " ")
}

// detection is how a product is recognised: its kind and rules, or why it
// cannot be.
type detection struct {
	kind  *kind
	rules []catalog.Rule
	never string
}

// recognise returns the first kind whose pattern matches name, with its
// rules, or the catch-all that cannot be recognised.
func recognise(name string) detection {
	n := normName(name)
	for i := range kinds {
		k := &kinds[i]
		m := k.match.FindStringSubmatch(n)
		if m == nil {
			continue
		}
		d := detection{kind: k, rules: k.rules, never: k.never}
		if k.derive != nil {
			d.rules = k.derive(m)
		}
		return d
	}
	return detection{kind: &unknownKind, never: unknownKind.never}
}

var unknownKind = kind{name: "(any other product)", example: "SQL Server 2000 Analysis Services", never: "patchscan has no detection rule for this product: HFNetChk recognised it in its own code, and no registry value or file known to patchscan identifies it"}

func re(s string) *regexp.Regexp { return regexp.MustCompile("^(?:" + s + ")$") }
