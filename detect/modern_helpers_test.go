package detect_test

import (
	"strconv"

	"github.com/patchscan/patchscan/catalog"
	"github.com/patchscan/patchscan/detect/memhost"
	"github.com/patchscan/patchscan/facts"
	"github.com/patchscan/patchscan/internal/version"
)

// Cumulative-update Windows (Windows 10 / Server 2016 and later) for the
// format-v2 tests: products told apart by build, client or server and
// architecture, as catalogs imported from MSRC do; ProductName is never
// used (Windows 11 calls itself Windows 10 there).

const (
	envKey = `HKLM\SYSTEM\CurrentControlSet\Control\Session Manager\Environment`

	mServer2019  = 101
	mWin10_1809  = 102
	mServer2025  = 103
	mWin11_24H2  = 104
	mWin10_22H2  = 105
	mServer2016  = 106
	mWin11_24ARM = 107
)

// modernProduct is a product detected by build, ProductType and, when
// given, PROCESSOR_ARCHITECTURE.
func modernProduct(id int, name string, build int, client bool, arch string) catalog.Product {
	rules := []catalog.Rule{regValue(ntCV, "CurrentBuildNumber", catalog.OpEquals, strconv.Itoa(build))}
	if client {
		rules = append(rules, regValue(prodOpt, "ProductType", catalog.OpEquals, "WinNT"))
	} else {
		rules = append(rules, regValue(prodOpt, "ProductType", catalog.OpNotEquals, "WinNT"))
	}
	if arch != "" {
		rules = append(rules, regValue(envKey, "PROCESSOR_ARCHITECTURE", catalog.OpEquals, arch))
	}
	return catalog.Product{ID: id, Name: name, Detection: rules}
}

// modernCatalog has the modern products and the given bulletins.
func modernCatalog(bs ...catalog.Bulletin) *catalog.Catalog {
	return &catalog.Catalog{
		Source:        "<test>",
		FormatVersion: 2,
		Severities:    []catalog.Severity{{ID: 1, Name: "Critical"}, {ID: 2, Name: "Important"}, {ID: 3, Name: "Moderate"}},
		Products: []catalog.Product{
			modernProduct(mServer2019, "Windows Server 2019", 17763, false, ""),
			modernProduct(mWin10_1809, "Windows 10 Version 1809 for x64-based Systems", 17763, true, "AMD64"),
			modernProduct(mServer2025, "Windows Server 2025", 26100, false, ""),
			modernProduct(mWin11_24H2, "Windows 11 Version 24H2 for x64-based Systems", 26100, true, "AMD64"),
			modernProduct(mWin11_24ARM, "Windows 11 Version 24H2 for ARM64-based Systems", 26100, true, "ARM64"),
			modernProduct(mWin10_22H2, "Windows 10 Version 22H2 for x64-based Systems", 19045, true, "AMD64"),
			modernProduct(mServer2016, "Windows Server 2016", 14393, false, ""),
		},
		Bulletins: bs,
	}
}

// osPatch is a cumulative update: a FixedBuild for some products.
func osPatch(kb, fixedBuild string, products ...int) catalog.Patch {
	p := catalog.Patch{Name: kb + ".msu", SQNumber: kb, SeverityID: 2, SubType: "Security Update"}
	if fixedBuild != "" {
		p.FixedBuild = version.MustParse(fixedBuild)
	}
	for _, id := range products {
		p.Affected = append(p.Affected, catalog.AffectedProduct{ProductID: id})
	}
	return p
}

// modernHost is a host of a cumulative-update Windows: its identity
// values as Windows writes them (ProductName included, "Windows 10 Pro"
// on Windows 11) and ntoskrnl.exe at the build's version.
type hostSpec struct {
	product, edition, displayVersion string
	build, ubr                       int
	productType, installType, arch   string
}

var (
	server2019 = hostSpec{product: "Windows Server 2019 Datacenter", edition: "ServerDatacenter", displayVersion: "1809",
		build: 17763, ubr: 6660, productType: "ServerNT", installType: "Server", arch: "AMD64"}
	server2025 = hostSpec{product: "Windows Server 2025 Datacenter", edition: "ServerDatacenter", displayVersion: "24H2",
		build: 26100, ubr: 32370, productType: "ServerNT", installType: "Server", arch: "AMD64"}
	win11 = hostSpec{product: "Windows 10 Pro", edition: "Professional", displayVersion: "24H2",
		build: 26100, ubr: 7840, productType: "WinNT", installType: "Client", arch: "AMD64"}
	win10 = hostSpec{product: "Windows 10 Enterprise", edition: "Enterprise", displayVersion: "22H2",
		build: 19045, ubr: 6937, productType: "WinNT", installType: "Client", arch: "AMD64"}
)

func (hs hostSpec) with(f func(*hostSpec)) hostSpec { f(&hs); return hs }

func (hs hostSpec) host() *memhost.Host {
	h := memhost.New()
	h.SetValue(ntCV, "CurrentVersion", facts.SZ("6.3"))
	h.SetValue(ntCV, "CurrentMajorVersionNumber", facts.DWORD(10))
	h.SetValue(ntCV, "CurrentMinorVersionNumber", facts.DWORD(0))
	h.SetValue(ntCV, "CurrentBuildNumber", facts.SZ(strconv.Itoa(hs.build)))
	h.SetValue(ntCV, "CurrentBuild", facts.SZ(strconv.Itoa(hs.build)))
	if hs.ubr >= 0 {
		h.SetValue(ntCV, "UBR", facts.DWORD(uint32(hs.ubr)))
	}
	h.SetValue(ntCV, "ProductName", facts.SZ(hs.product))
	h.SetValue(ntCV, "EditionID", facts.SZ(hs.edition))
	if hs.displayVersion != "" {
		h.SetValue(ntCV, "DisplayVersion", facts.SZ(hs.displayVersion))
	}
	h.SetValue(ntCV, "InstallationType", facts.SZ(hs.installType))
	h.SetValue(ntCV, "SystemRoot", facts.SZ(`C:\Windows`))
	h.SetValue(winCV, "ProgramFilesDir", facts.SZ(`C:\Program Files`))
	h.SetValue(winCV, "CommonFilesDir", facts.SZ(`C:\Program Files\Common Files`))
	h.SetValue(prodOpt, "ProductType", facts.SZ(hs.productType))
	h.SetValue(nlsLang, "InstallLanguage", facts.SZ("0409"))
	h.SetValue(envKey, "PROCESSOR_ARCHITECTURE", facts.SZ(hs.arch))
	ver := "10.0." + strconv.Itoa(hs.build) + "." + strconv.Itoa(max(hs.ubr, 1))
	h.SetFile(`C:\Windows\System32\ntoskrnl.exe`, facts.FileInfo{Size: 1, Version: ver})
	h.SetFile(`C:\Windows\System32\localspl.dll`, facts.FileInfo{Size: 1, Version: ver})
	return h
}
