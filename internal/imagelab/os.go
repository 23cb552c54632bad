package imagelab

import (
	"fmt"
	"strings"
)

// OS is the identity of a Windows installation as its registry tells it:
// the values of HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion, the
// product type and architecture in SYSTEM, the install language. Reg turns
// it into .reg content; Files makes system files carrying its version.
// Empty fields are left out of the registry (as on Windows versions that
// lack them); UBR < 0 means no UBR value.
type OS struct {
	ProductName        string // "Windows Server 2019 Datacenter"
	CurrentVersion     string // "6.3" on Windows 8.1 and later, "5.0" on Windows 2000
	CurrentBuildNumber string // "17763"
	CurrentBuild       string // usually = CurrentBuildNumber
	UBR                int    // update build revision; < 0: absent
	CSDVersion         string // "Service Pack 1"
	EditionID          string // "ServerDatacenter", "Professional"
	InstallationType   string // "Server", "Server Core", "Client"
	DisplayVersion     string // "24H2"
	ReleaseID          string // "1809"
	ProductType        string // "WinNT", "ServerNT", "LanmanNT"
	Arch               string // PROCESSOR_ARCHITECTURE: "AMD64", "x86", "ARM64"
	SystemRoot         string // default `C:\Windows`
	InstallLanguage    string // default "0409"
	ProgramFilesDir    string // default `C:\Program Files`
}

// Server2019 is Windows Server 2019 Datacenter (build 17763) at UBR ubr.
func Server2019(ubr int) OS {
	return OS{ProductName: "Windows Server 2019 Datacenter", CurrentVersion: "6.3", CurrentBuildNumber: "17763",
		UBR: ubr, EditionID: "ServerDatacenter", InstallationType: "Server", ReleaseID: "1809",
		ProductType: "ServerNT", Arch: "AMD64"}
}

// Server2025 is Windows Server 2025 Datacenter (build 26100) at UBR ubr.
func Server2025(ubr int) OS {
	return OS{ProductName: "Windows Server 2025 Datacenter", CurrentVersion: "6.3", CurrentBuildNumber: "26100",
		UBR: ubr, EditionID: "ServerDatacenter", InstallationType: "Server", DisplayVersion: "24H2",
		ProductType: "ServerNT", Arch: "AMD64"}
}

// Windows11 is Windows 11 24H2 Pro x64 (build 26100) at UBR ubr. Like the
// real thing, its ProductName still says "Windows 10".
func Windows11(ubr int) OS {
	return OS{ProductName: "Windows 10 Pro", CurrentVersion: "6.3", CurrentBuildNumber: "26100",
		UBR: ubr, EditionID: "Professional", InstallationType: "Client", DisplayVersion: "24H2",
		ProductType: "WinNT", Arch: "AMD64"}
}

// Windows10 is Windows 10 22H2 Pro x64 (build 19045) at UBR ubr.
func Windows10(ubr int) OS {
	return OS{ProductName: "Windows 10 Pro", CurrentVersion: "6.3", CurrentBuildNumber: "19045",
		UBR: ubr, EditionID: "Professional", InstallationType: "Client", DisplayVersion: "22H2", ReleaseID: "2009",
		ProductType: "WinNT", Arch: "AMD64"}
}

// Server2012R2 is Windows Server 2012 R2 Standard (6.3.9600), which has no UBR.
func Server2012R2() OS {
	return OS{ProductName: "Windows Server 2012 R2 Standard", CurrentVersion: "6.3", CurrentBuildNumber: "9600",
		UBR: -1, EditionID: "ServerStandard", InstallationType: "Server", ProductType: "ServerNT", Arch: "AMD64"}
}

// Server2008R2 is Windows Server 2008 R2 Standard SP1 x64 (6.1.7601), the
// system the Samba lab hosts stand in for.
func Server2008R2() OS {
	return OS{ProductName: "Windows Server 2008 R2 Standard", CurrentVersion: "6.1", CurrentBuildNumber: "7601",
		UBR: -1, CSDVersion: "Service Pack 1", EditionID: "ServerStandard", InstallationType: "Server",
		ProductType: "ServerNT", Arch: "AMD64"}
}

// Windows7x86 is Windows 7 Professional SP1, 32-bit (6.1.7601).
func Windows7x86() OS {
	return OS{ProductName: "Windows 7 Professional", CurrentVersion: "6.1", CurrentBuildNumber: "7601",
		UBR: -1, CSDVersion: "Service Pack 1", EditionID: "Professional", InstallationType: "Client",
		ProductType: "WinNT", Arch: "x86"}
}

// Windows2000 is Windows 2000 Professional (5.0.2195) at service pack sp
// (0 = none), as MBSA-era catalogs detect it.
func Windows2000(sp int) OS {
	o := OS{ProductName: "Microsoft Windows 2000", CurrentVersion: "5.0", CurrentBuildNumber: "2195",
		UBR: -1, ProductType: "WinNT", Arch: "x86", SystemRoot: `C:\WINNT`}
	if sp > 0 {
		o.CSDVersion = fmt.Sprintf("Service Pack %d", sp)
	}
	return o
}

// Reg is the OS's registry content as a .reg text.
func (o OS) Reg() string {
	var b strings.Builder
	b.WriteString("Windows Registry Editor Version 5.00\n\n")
	b.WriteString("[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion]\n")
	sz := func(name, v string) {
		if v != "" {
			fmt.Fprintf(&b, "%q=%s\n", name, regString(v))
		}
	}
	sz("ProductName", o.ProductName)
	sz("CurrentVersion", o.CurrentVersion)
	sz("CurrentBuildNumber", o.CurrentBuildNumber)
	build := o.CurrentBuild
	if build == "" {
		build = o.CurrentBuildNumber
	}
	sz("CurrentBuild", build)
	if o.UBR >= 0 {
		fmt.Fprintf(&b, "\"UBR\"=dword:%08x\n", o.UBR)
	}
	if o.modern() {
		// Windows 10 and later keep CurrentVersion at 6.3 for old
		// programs and say 10.0 here (catalogs detect them by it).
		b.WriteString("\"CurrentMajorVersionNumber\"=dword:0000000a\n\"CurrentMinorVersionNumber\"=dword:00000000\n")
	}
	sz("CSDVersion", o.CSDVersion)
	sz("EditionID", o.EditionID)
	sz("InstallationType", o.InstallationType)
	sz("DisplayVersion", o.DisplayVersion)
	sz("ReleaseId", o.ReleaseID)
	sz("SystemRoot", o.systemRoot())
	b.WriteString("\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion]\n")
	pf := o.ProgramFilesDir
	if pf == "" {
		pf = `C:\Program Files`
	}
	sz("ProgramFilesDir", pf)
	sz("CommonFilesDir", pf+`\Common Files`)
	if o.Arch == "AMD64" || o.Arch == "ARM64" {
		sz("ProgramFilesDir (x86)", pf+" (x86)")
		sz("CommonFilesDir (x86)", pf+` (x86)\Common Files`)
	}
	b.WriteString("\n[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\ProductOptions]\n")
	sz("ProductType", o.ProductType)
	b.WriteString("\n[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\Session Manager\\Environment]\n")
	sz("PROCESSOR_ARCHITECTURE", o.Arch)
	b.WriteString("\n[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\Nls\\Language]\n")
	lang := o.InstallLanguage
	if lang == "" {
		lang = "0409"
	}
	sz("InstallLanguage", lang)
	sz("Default", lang)
	return b.String()
}

func (o OS) systemRoot() string {
	if o.SystemRoot != "" {
		return o.SystemRoot
	}
	return `C:\Windows`
}

// Version is the OS's file version for its build: "10.0.17763.8388" (6.3
// CurrentVersion with a build of 10000 or more is Windows 10 and later,
// whose files say 10.0).
func (o OS) Version() string {
	major := o.CurrentVersion
	if o.modern() {
		major = "10.0"
	}
	return fmt.Sprintf("%s.%s.%d", major, o.CurrentBuildNumber, max(o.UBR, 0))
}

// modern: Windows 10 / Server 2016 or later (CurrentVersion 6.3 with a
// build of 10000 or more).
func (o OS) modern() bool { return o.CurrentVersion == "6.3" && len(o.CurrentBuildNumber) >= 5 }

// Files returns synthetic PE files carrying the OS's Version at paths
// under %SystemRoot% (`System32\ntoskrnl.exe`) or absolute on the system
// drive (`C:\...`).
func (o OS) Files(paths ...string) []File {
	root := strings.TrimPrefix(strings.TrimPrefix(o.systemRoot(), `C:\`), `c:\`)
	var out []File
	for _, p := range paths {
		if len(p) < 3 || p[1] != ':' {
			p = root + `\` + p
		}
		out = append(out, File{Path: p, Version: o.Version()})
	}
	return out
}

// Update is .reg content for an MBSA-style update key,
// HKLM\SOFTWARE\Microsoft\Updates\<product>\<sp>\<kb> with Type and
// Installed, as the update installers of that era wrote it.
func Update(product, sp, kb string) string {
	return fmt.Sprintf("Windows Registry Editor Version 5.00\n\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Updates\\%s\\%s\\%s]\n\"Type\"=\"Update\"\n\"Installed\"=dword:00000001\n", product, sp, kb)
}

// regString quotes a string for a .reg file.
func regString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// SambaView is .reg content that makes an image answer what the Samba lab
// serves over winreg (testdata/lab/README.md): Samba's own
// ...\Windows NT\CurrentVersion with only CurrentVersion "6.1" and
// SystemRoot "c:\Windows" (the values imported there are hidden), and
// ProductType "ServerNT" from the server role. An image built from a lab
// host's .reg files plus this answers as the lab host does, so an image
// scan and the SMB scan of the same content can be compared.
const SambaView = `Windows Registry Editor Version 5.00

[-HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion]

[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion]
"CurrentVersion"="6.1"
"SystemRoot"="c:\\Windows"

[HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\ProductOptions]
"ProductType"="ServerNT"
`
