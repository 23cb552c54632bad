package detect_test

import (
	"testing"

	"github.com/patchscan/patchscan/detect"
	"github.com/patchscan/patchscan/facts"
)

// TestModernIdentity: detection goes by build (Windows 11 is never the
// Windows 10 product), and the OS gets the name Windows shows.
func TestModernIdentity(t *testing.T) {
	tests := []struct {
		name string
		hs   hostSpec
		want detect.OS
	}{
		{"Windows 11 24H2 says Windows 10 in ProductName", win11, detect.OS{
			Product: "Windows 10 Pro", Name: "Windows 11 Pro", Version: "6.3", Build: "26100", UBR: "7840", DisplayVersion: "24H2",
			EditionID: "Professional", InstallationType: "Client", ProductType: "WinNT", Architecture: "AMD64",
			Language: "1033", SystemRoot: `C:\Windows`, ProgramFiles: `C:\Program Files`}},
		{"Windows 10 22H2 keeps its name", win10, detect.OS{
			Product: "Windows 10 Enterprise", Name: "Windows 10 Enterprise", Version: "6.3", Build: "19045", UBR: "6937", DisplayVersion: "22H2",
			EditionID: "Enterprise", InstallationType: "Client", ProductType: "WinNT", Architecture: "AMD64",
			Language: "1033", SystemRoot: `C:\Windows`, ProgramFiles: `C:\Program Files`}},
		{"Server 2025 Core on ARM64", server2025.with(func(h *hostSpec) { h.installType, h.arch = "Server Core", "ARM64" }), detect.OS{
			Product: "Windows Server 2025 Datacenter", Name: "Windows Server 2025 Datacenter", Version: "6.3", Build: "26100", UBR: "32370", DisplayVersion: "24H2",
			EditionID: "ServerDatacenter", InstallationType: "Server Core", ProductType: "ServerNT", Architecture: "ARM64",
			Language: "1033", SystemRoot: `C:\Windows`, ProgramFiles: `C:\Program Files`}},
		{"Windows 10 1809 LTSC: ReleaseId when DisplayVersion is absent", hostSpec{product: "Windows 10 Enterprise LTSC 2019", edition: "EnterpriseS",
			build: 17763, ubr: 8389, productType: "WinNT", installType: "Client", arch: "x86"}, detect.OS{
			Product: "Windows 10 Enterprise LTSC 2019", Name: "Windows 10 Enterprise LTSC 2019", Version: "6.3", Build: "17763", UBR: "8389", DisplayVersion: "1809",
			EditionID: "EnterpriseS", InstallationType: "Client", ProductType: "WinNT", Architecture: "x86",
			Language: "1033", SystemRoot: `C:\Windows`, ProgramFiles: `C:\Program Files`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := tt.hs.host()
			if tt.hs.displayVersion == "" {
				h.SetValue(ntCV, "ReleaseId", facts.SZ("1809"))
			}
			rep := scan(t, modernCatalog(), detect.Options{}, h)
			if rep.OS != tt.want {
				t.Errorf("OS =\n %+v\nwant\n %+v", rep.OS, tt.want)
			}
			if rep.Batches != 1 {
				t.Errorf("batches = %d, want 1: the OS facts join the identity batch", rep.Batches)
			}
		})
	}
}

// TestOSName: only a client ProductName of "Windows 10 ..." at a Windows 11
// build (22000 and later) is renamed; everything else is shown as written.
func TestOSName(t *testing.T) {
	for _, tt := range []struct {
		product, build, productType, want string
	}{
		{"Windows 10 Pro", "26100", "WinNT", "Windows 11 Pro"},
		{"Windows 10 Home", "22000", "WinNT", "Windows 11 Home"},
		{"Windows 10 Enterprise", "22631", "", "Windows 11 Enterprise"}, // ProductType unreadable: the name decides
		{"Windows 10 Pro", "21999", "WinNT", "Windows 10 Pro"},
		{"Windows 10 Pro", "19045", "WinNT", "Windows 10 Pro"},
		{"Windows 10 Pro", "", "WinNT", "Windows 10 Pro"},
		{"Windows 10 Pro", "x", "WinNT", "Windows 10 Pro"},
		{"Windows 10 Server", "26100", "ServerNT", "Windows 10 Server"},
		{"Windows Server 2025 Standard", "26100", "ServerNT", "Windows Server 2025 Standard"},
		{"Windows 11 Pro", "26100", "WinNT", "Windows 11 Pro"},
		{"Windows 7 Professional", "7601", "WinNT", "Windows 7 Professional"},
	} {
		h := win11.host()
		h.SetValue(ntCV, "ProductName", facts.SZ(tt.product))
		h.SetValue(ntCV, "CurrentBuildNumber", facts.SZ(tt.build))
		if tt.build == "" {
			h.DeleteValue(ntCV, "CurrentBuildNumber")
			h.DeleteValue(ntCV, "CurrentBuild")
		}
		if tt.productType == "" {
			h.DeleteValue(prodOpt, "ProductType")
		} else {
			h.SetValue(prodOpt, "ProductType", facts.SZ(tt.productType))
		}
		if rep := scan(t, modernCatalog(), detect.Options{}, h); rep.OS.Name != tt.want || rep.OS.Product != tt.product {
			t.Errorf("%q build %q %q: name %q (product %q), want %q", tt.product, tt.build, tt.productType, rep.OS.Name, rep.OS.Product, tt.want)
		}
	}
}
