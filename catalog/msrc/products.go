package msrc

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// OS is a Windows operating system product as MSRC names it, with what a
// host's registry must say to be it.
type OS struct {
	Name    string // MSRC's FullProductName, verbatim
	Line    string // "windows 10", "windows server 2019", "windows server sac", "windows 7", ...
	Release string // "24h2", "1809", "23h2 edition"; "" when the name has none
	Client  bool   // ProductType WinNT (else ServerNT or LanmanNT)
	Core    bool   // a Server Core installation
	Arch    string // PROCESSOR_ARCHITECTURE: AMD64, x86, ARM64, IA64, ARM; "" = not named
	SP      int    // service pack level named ("Service Pack 2"), 0 if none
	// Build is the CurrentBuildNumber of the release, 0 when patchscan's
	// table does not know the release (the converter then infers it from
	// the documents' FixedBuilds).
	Build int
}

// Modern reports whether the product is Windows 10 / Server 2016 or later,
// whose updates are cumulative and judged by build and UBR.
func (o OS) Modern() bool {
	switch o.Line {
	case "windows 10", "windows 11", "windows server sac":
		return true
	case "windows server":
		y, _ := strconv.Atoi(strings.Fields(o.Release + " 0")[0])
		return y >= 2016
	}
	return o.Build >= 10240
}

var (
	nameSpace = regexp.MustCompile(`\s+`)
	// "Windows 10 Version 1809 for 32-bit Systems", "Windows 10 for
	// x64-based Systems" (1507), "Windows 11 version 26H1 for x64-based Systems".
	reClient = regexp.MustCompile(`^windows (1\d) (?:version (\w+) )?for (32-bit|x64-based|arm64-based) systems$`)
	// "Windows Server 2008 R2 for x64-based Systems Service Pack 1 (Server Core installation)"
	reServer2008 = regexp.MustCompile(`^windows server 2008( r2)? for (32-bit|x64-based|itanium-based) systems service pack (\d)( \(server core installation\))?$`)
	// "Windows Server 2012 R2", "Windows Server 2022, 23H2 Edition (Server Core installation)"
	reServer = regexp.MustCompile(`^windows server (20\d\d(?: r2)?)(?:, (\w+ edition))?( \(server core installation\))?$`)
	// "Windows Server, version 20H2 (Server Core Installation)" (semi-annual channel)
	reServerSAC = regexp.MustCompile(`^windows server,? version (\w+)( \(server core installation\))?$`)
	reWin7      = regexp.MustCompile(`^windows 7 for (32-bit|x64-based) systems service pack (\d)$`)
	reWin8      = regexp.MustCompile(`^windows (8|8\.1) for (32-bit|x64-based) systems$`)
	reRT        = regexp.MustCompile(`^windows rt( 8\.1)?$`)
	reVista     = regexp.MustCompile(`^windows vista( x64 edition)? service pack (\d)$`)
	// looksLikeOS catches names that resemble a Windows release but match
	// none of the shapes above, so an unfamiliar one is reported rather
	// than silently left out.
	looksLikeOS = regexp.MustCompile(`^windows (\d|server|rt|vista|xp)`)
)

var archOf = map[string]string{
	"32-bit": "x86", "x64-based": "AMD64", "arm64-based": "ARM64", "itanium-based": "IA64",
}

// builds maps line + release to CurrentBuildNumber. Windows 10 1903/1909,
// 2004-22H2, Windows 11 22H2/23H2 and 24H2/25H2 share a servicing branch
// through enablement packages (see branches); each still has its own build.
var builds = map[string]int{
	"windows 10": 10240, "windows 10 1511": 10586, "windows 10 1607": 14393, "windows 10 1703": 15063,
	"windows 10 1709": 16299, "windows 10 1803": 17134, "windows 10 1809": 17763, "windows 10 1903": 18362,
	"windows 10 1909": 18363, "windows 10 2004": 19041, "windows 10 20h2": 19042, "windows 10 21h1": 19043,
	"windows 10 21h2": 19044, "windows 10 22h2": 19045,
	"windows 11 21h2": 22000, "windows 11 22h2": 22621, "windows 11 23h2": 22631, "windows 11 24h2": 26100,
	"windows 11 25h2": 26200, "windows 11 26h1": 28000,
	"windows server 2016": 14393, "windows server 2019": 17763, "windows server 2022": 20348,
	"windows server 2022 23h2 edition": 25398, "windows server 2025": 26100,
	"windows server sac 1709": 16299, "windows server sac 1803": 17134, "windows server sac 1809": 17763,
	"windows server sac 1903": 18362, "windows server sac 1909": 18363, "windows server sac 2004": 19041,
	"windows server sac 20h2": 19042,
	"windows server 2012":     9200, "windows server 2012 r2": 9600, "windows 8": 9200, "windows 8.1": 9600,
	"windows rt": 9200, "windows rt 8.1": 9600, "windows 7": 7601, "windows server 2008 r2": 7601,
	// Vista / Server 2008: 6000 + service pack; SP2 hosts updated since
	// 2019 say 6003 (see buildRule).
	"windows vista": 6000, "windows server 2008": 6000,
}

// Identify recognises a Windows operating system in an MSRC product name.
// ok is false for other products (Office, Edge on Windows, .NET, Windows
// Admin Center, ...). unfamiliar is true for a name that looks like a
// Windows release but has a shape patchscan does not know.
func Identify(name string) (o OS, ok, unfamiliar bool) {
	n := strings.ToLower(strings.TrimSpace(nameSpace.ReplaceAllString(name, " ")))
	o = OS{Name: name}
	switch {
	case match(reClient, n, func(m []string) { o.Line, o.Release, o.Client, o.Arch = "windows "+m[1], m[2], true, archOf[m[3]] }):
	case match(reServer2008, n, func(m []string) {
		o.Line, o.Arch, o.SP, o.Core = "windows server 2008"+m[1], archOf[m[2]], atoi(m[3]), m[4] != ""
	}):
	case match(reServer, n, func(m []string) { o.Line, o.Release, o.Core = "windows server", join(m[1], m[2]), m[3] != "" }):
	case match(reServerSAC, n, func(m []string) { o.Line, o.Release, o.Core = "windows server sac", m[1], m[2] != "" }):
	case match(reWin7, n, func(m []string) { o.Line, o.Client, o.Arch, o.SP = "windows 7", true, archOf[m[1]], atoi(m[2]) }):
	case match(reWin8, n, func(m []string) { o.Line, o.Client, o.Arch = "windows "+m[1], true, archOf[m[2]] }):
	case match(reRT, n, func(m []string) { o.Line, o.Client, o.Arch = "windows rt"+m[1], true, "ARM" }):
	case match(reVista, n, func(m []string) {
		o.Line, o.Client, o.Arch, o.SP = "windows vista", true, "x86", atoi(m[2])
		if m[1] != "" {
			o.Arch = "AMD64"
		}
	}):
	default:
		return OS{}, false, looksLikeOS.MatchString(n)
	}
	o.Build = builds[join(o.Line, o.Release)]
	if o.Build == 6000 {
		o.Build += o.SP
	}
	return o, true, false
}

func match(re *regexp.Regexp, s string, set func([]string)) bool {
	m := re.FindStringSubmatch(s)
	if m != nil {
		set(m)
	}
	return m != nil
}

func join(a, b string) string { return strings.TrimSpace(a + " " + b) }

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// branches lists builds that share one servicing branch through enablement
// packages: the same cumulative update brings each to the same UBR (e.g.
// KB5075912 is 10.0.19044.6937 and 10.0.19045.6937; KB5077181 is
// 10.0.26100.7840 and 10.0.26200.7840 in the 2026-Feb document). clientOnly
// branches do not extend to servers of the same build (Windows Server 2025
// is 26100 with UBRs of its own since January 2026).
var branches = []struct {
	builds     []int
	clientOnly bool
}{
	{builds: []int{18362, 18363}},
	{builds: []int{19041, 19042, 19043, 19044, 19045}},
	{builds: []int{22621, 22631}},
	{builds: []int{26100, 26200}, clientOnly: true},
}

// sameBranch reports whether a FixedBuild of build b can stand for product
// o: the same build, or a build of o's enablement-package branch.
func sameBranch(o OS, b int) bool {
	if b == o.Build {
		return true
	}
	for _, br := range branches {
		if br.clientOnly && !o.Client {
			continue
		}
		if slices.Contains(br.builds, b) && slices.Contains(br.builds, o.Build) {
			return true
		}
	}
	return false
}
