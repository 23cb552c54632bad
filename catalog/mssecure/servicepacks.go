package mssecure

import (
	"regexp"
	"strconv"

	"github.com/patchscan/patchscan/catalog"
)

// mssecure.xml numbers service packs across all products: ServicePackID 1
// is "Windows 2000 Service Pack 1", 4 "Windows NT4 Service Pack 4", 75
// "Internet Explorer 5.01 SP2". A host reports only Windows' own service
// pack (CSDVersion), which is what native FixedInSP and AffectedServicePack
// compare with; so each service pack is classified by its name: Windows'
// own, with its family and level, or a product's own, with its level among
// that product's releases (0 = Gold, the release itself).

// spInfo is what a service pack's name says.
type spInfo struct {
	os    osFamily // the Windows family it belongs to; noOS for a product's own
	level int      // service pack level: 0 Gold, 1 SP1 (SR-1), ...; -1 unknown
}

var (
	// "Windows NT4 Service Pack 6a", "Windows NT 4 Terminal Server Gold",
	// "Windows 2000 Service Pack 3 (when available)", "Windows XP SP1".
	osSPName = regexp.MustCompile(`(?i)^windows\s*(nt\s*4(?:\.0)?(?:\s+terminal server)?|2000|xp|\.net(?:\s+server)?|server\s+2003)\b(.*)$`)
	// The level in the rest of a name: Gold/RTM, Service Pack N, SP N,
	// SR-N (Office's service releases).
	goldName  = regexp.MustCompile(`(?i)\b(gold|rtm|original release)\b`)
	levelName = regexp.MustCompile(`(?i)\b(?:service pack|sp|sr)[\s-]*(\d{1,2})`)
)

// classifySP reads a service pack's name.
func classifySP(name string) spInfo {
	info := spInfo{level: -1}
	rest := name
	if m := osSPName.FindStringSubmatch(name); m != nil {
		info.os = familyOfSP(m[1])
		rest = m[2]
	}
	switch {
	case levelName.MatchString(rest):
		n, _ := strconv.Atoi(levelName.FindStringSubmatch(rest)[1])
		if n <= maxLevel {
			info.level = n
		}
	case goldName.MatchString(rest):
		info.level = 0
	}
	return info
}

// maxLevel is the highest service pack level native catalogs take.
const maxLevel = catalog.MaxServicePackLevel

func familyOfSP(s string) osFamily {
	switch n := normName(s); {
	case n == "2000":
		return w2k
	case n == "xp":
		return xp
	case n[0] == 'n' && n[1] == 't':
		return nt4
	}
	return ws2003
}
