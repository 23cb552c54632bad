package msrc

import (
	"regexp"
	"strconv"

	"github.com/patchscan/patchscan/catalog"
	"github.com/patchscan/patchscan/internal/winkeys"
)

// notCoreEdition matches an EditionID that does not end in "Core"
// (RE2 has no negative look-ahead, so it spells out every way not to).
const notCoreEdition = `(?i)^(.{0,3}|.*([^e]|[^r]e|[^o]re|[^c]ore))$`

// detection returns the rules that tell this product apart from every
// other: its build (Windows 11 24H2 and Server 2025 are both 26100), client
// or server (ProductType WinNT, else ServerNT or LanmanNT), Server Core or
// not, and the processor architecture when the name gives one: values
// under the keys of package winkeys. ProductName is never used: Windows 11
// still says "Windows 10" there.
func detection(o OS) []catalog.Rule {
	rules := []catalog.Rule{buildRule(o)}
	if o.Client {
		rules = append(rules, regValue(winkeys.ProductOptions, "ProductType", catalog.OpEquals, "WinNT"))
	} else {
		rules = append(rules, regValue(winkeys.ProductOptions, "ProductType", catalog.OpNotEquals, "WinNT"))
		rules = append(rules, coreRule(o))
	}
	if o.Arch != "" {
		rules = append(rules, regValue(winkeys.Environment, "PROCESSOR_ARCHITECTURE", catalog.OpEquals, o.Arch))
	}
	return rules
}

// buildRule matches CurrentBuildNumber. Vista and Server 2008 SP2 report
// 6002, or 6003 once updated since 2019.
func buildRule(o OS) catalog.Rule {
	if o.Build == 6002 {
		return regValue(winkeys.NTCurrentVersion, "CurrentBuildNumber", catalog.OpMatches, `^600[23]$`)
	}
	return regValue(winkeys.NTCurrentVersion, "CurrentBuildNumber", catalog.OpEquals, strconv.Itoa(o.Build))
}

// coreRule tells a Server Core installation from a full one:
// InstallationType "Server Core" from Server 2012 on; before that Microsoft
// documents only the SKU (GetProductInfo), which the registry shows as an
// EditionID ending in "Core" (ServerStandardCore, ServerEnterpriseCore...).
func coreRule(o OS) catalog.Rule {
	if o.Build < 9200 {
		if o.Core {
			return regValue(winkeys.NTCurrentVersion, "EditionID", catalog.OpMatches, `(?i)core$`)
		}
		return regValue(winkeys.NTCurrentVersion, "EditionID", catalog.OpMatches, notCoreEdition)
	}
	if o.Core {
		return regValue(winkeys.NTCurrentVersion, "InstallationType", catalog.OpEquals, "Server Core")
	}
	return regValue(winkeys.NTCurrentVersion, "InstallationType", catalog.OpNotEquals, "Server Core")
}

func regValue(key, name string, op catalog.Op, value string) catalog.Rule {
	r := catalog.Rule{Kind: catalog.RuleRegValue, Key: key, Name: name, Op: op, Value: value}
	if op == catalog.OpMatches {
		r.Regexp = regexp.MustCompile(value)
	}
	return r
}
