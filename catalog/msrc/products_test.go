package msrc

import "testing"

func TestIdentify(t *testing.T) {
	for _, tc := range []struct {
		name   string
		client bool
		core   bool
		arch   string
		build  int
		modern bool
	}{
		// Every Windows OS name of the four shared documents (and older
		// shapes from the 2017 documents), verbatim, spacing quirks included.
		{"Windows 10 for 32-bit Systems", true, false, "x86", 10240, true},
		{"Windows 10 Version 1607 for x64-based Systems", true, false, "AMD64", 14393, true},
		{"Windows 10 Version 1809 for ARM64-based Systems", true, false, "ARM64", 17763, true},
		{"Windows 10 Version 1909 for 32-bit Systems", true, false, "x86", 18363, true},
		{"Windows 10 Version 20H2 for x64-based Systems", true, false, "AMD64", 19042, true},
		{"Windows 10 Version 22H2 for ARM64-based Systems", true, false, "ARM64", 19045, true},
		{"Windows 11 Version 24H2 for x64-based Systems", true, false, "AMD64", 26100, true},
		{"Windows 11 Version 25H2 for ARM64-based Systems", true, false, "ARM64", 26200, true},
		{"Windows 11 version 26H1 for x64-based Systems", true, false, "AMD64", 28000, true},
		{"Windows 11 Version 27H2 for x64-based Systems", true, false, "AMD64", 0, true}, // unknown release
		{"Windows Server 2016  (Server Core installation)", false, true, "", 14393, true},
		{"Windows Server 2019", false, false, "", 17763, true},
		{"Windows Server 2022, 23H2 Edition (Server Core installation)", false, true, "", 25398, true},
		{"Windows Server 2025", false, false, "", 26100, true},
		{"Windows Server 2025 (Server Core installation)", false, true, "", 26100, true},
		{"Windows Server, version 20H2 (Server Core Installation)", false, true, "", 19042, true},
		{"Windows Server, version 1909 (Server Core installation)", false, true, "", 18363, true},
		{"Windows Server 2012", false, false, "", 9200, false},
		{"Windows Server 2012 R2 (Server Core installation)", false, true, "", 9600, false},
		{"Windows 8.1 for 32-bit systems", true, false, "x86", 9600, false},
		{"Windows RT 8.1", true, false, "ARM", 9600, false},
		{"Windows 7 for x64-based Systems Service Pack 1", true, false, "AMD64", 7601, false},
		{"Windows Server 2008 R2 for x64-based Systems Service Pack 1 (Server Core installation)", false, true, "AMD64", 7601, false},
		{"Windows Server 2008 R2 for Itanium-Based Systems Service Pack 1", false, false, "IA64", 7601, false},
		{"Windows Server 2008 for 32-bit Systems Service Pack 2", false, false, "x86", 6002, false},
		{"Windows Vista x64 Edition Service Pack 2", true, false, "AMD64", 6002, false},
		{"Windows Vista Service Pack 2", true, false, "x86", 6002, false},
	} {
		o, ok, _ := Identify(tc.name)
		if !ok {
			t.Errorf("Identify(%q): not recognised", tc.name)
			continue
		}
		if o.Client != tc.client || o.Core != tc.core || o.Arch != tc.arch || o.Build != tc.build || o.Modern() != tc.modern || o.Name != tc.name {
			t.Errorf("Identify(%q) = client %v core %v arch %q build %d modern %v name %q; want %v %v %q %d %v",
				tc.name, o.Client, o.Core, o.Arch, o.Build, o.Modern(), o.Name, tc.client, tc.core, tc.arch, tc.build, tc.modern)
		}
	}
}

func TestIdentifyOthers(t *testing.T) {
	for _, tc := range []struct {
		name       string
		unfamiliar bool
	}{
		{"Windows Admin Center", false},
		{"Windows App for Mac", false},
		{"Windows Notepad", false},
		{"Windows SDK", false},
		{".NET 8.0 installed on Windows", false},
		{"Microsoft Edge (EdgeHTML-based) on Windows 10 for x64-based Systems", false},
		{"Internet Explorer 11 on Windows Server 2012 R2", false},
		{"Windows Server 2031 Datacenter: Azure Edition Hotpatch", true},
		{"Windows 12 for RISC-V Systems", true},
	} {
		_, ok, unfamiliar := Identify(tc.name)
		if ok || unfamiliar != tc.unfamiliar {
			t.Errorf("Identify(%q) = ok %v unfamiliar %v; want false %v", tc.name, ok, unfamiliar, tc.unfamiliar)
		}
	}
}

func TestSameBranch(t *testing.T) {
	win10_20H2, _, _ := Identify("Windows 10 Version 20H2 for x64-based Systems")
	win11_25H2, _, _ := Identify("Windows 11 Version 25H2 for x64-based Systems")
	server2025, _, _ := Identify("Windows Server 2025")
	server2019, _, _ := Identify("Windows Server 2019")
	for _, tc := range []struct {
		o     OS
		build int
		want  bool
	}{
		{win10_20H2, 19042, true},
		{win10_20H2, 19041, true}, // 2004 base build, shared through the enablement package
		{win10_20H2, 19045, true},
		{win10_20H2, 18363, false},
		{win11_25H2, 26100, true},
		{server2025, 26100, true},
		{server2025, 26200, false}, // the 24H2/25H2 branch is client-only
		{server2019, 17763, true},
		{server2019, 14393, false},
	} {
		if got := sameBranch(tc.o, tc.build); got != tc.want {
			t.Errorf("sameBranch(%s, %d) = %v, want %v", tc.o.Name, tc.build, got, tc.want)
		}
	}
}
