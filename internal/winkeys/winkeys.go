// Package winkeys names the registry keys where Windows says which Windows
// it is (version, build, product type, environment, language, name). The
// engine reads a host's identity from them (detect), and the catalog's
// generator and importers write Windows products' detection rules against
// them (catalog/internal/mkdefault, catalog/msrc, catalog/mssecure): one
// spelling, so that a rule and the engine cannot drift apart.
package winkeys

const (
	// NTCurrentVersion holds CurrentVersion, CurrentBuildNumber, UBR,
	// CSDVersion, ProductName, EditionID, DisplayVersion, SystemRoot...
	NTCurrentVersion = `HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion`
	// CurrentVersion holds ProgramFilesDir and CommonFilesDir.
	CurrentVersion = `HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion`
	// ProductOptions holds ProductType: WinNT, ServerNT or LanmanNT.
	ProductOptions = `HKLM\SYSTEM\CurrentControlSet\Control\ProductOptions`
	// Environment holds PROCESSOR_ARCHITECTURE.
	Environment = `HKLM\SYSTEM\CurrentControlSet\Control\Session Manager\Environment`
	// NlsLanguage holds InstallLanguage.
	NlsLanguage = `HKLM\SYSTEM\CurrentControlSet\Control\Nls\Language`
	// ComputerName holds the name the host gives itself (the NetBIOS name
	// as set, in effect after the next boot; what the image reader names
	// an image by too).
	ComputerName = `HKLM\SYSTEM\CurrentControlSet\Control\ComputerName\ComputerName`
)
