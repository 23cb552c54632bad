package mssecure

import (
	"strconv"
	"strings"

	"github.com/patchscan/patchscan/catalog"
	"github.com/patchscan/patchscan/internal/winkeys"
)

// kinds is the table of product kinds, first match wins. Names are matched
// after normName (lower case, commas as spaces).
var kinds = []kind{
	// Windows NT 4.0. Terminal Server Edition has patches of its own, so
	// the other servers exclude it by its Terminal Server key, which only
	// it has among NT 4.0 editions.
	{name: "Windows NT 4.0 Terminal Server Edition", example: "Windows NT Server 4.0, Terminal Server Edition", match: re(`windows nt (server )?4\.0 (server )?terminal server( edition)?`), os: nt4,
		rules: rules(osRule(nt4), suite("Terminal Server"))},
	{name: "Windows NT 4.0 Server, Enterprise Edition", example: "Windows NT Server 4.0, Enterprise Edition", match: re(`windows nt (server )?4\.0 (server )?enterprise( edition)?`), os: nt4,
		rules: rules(osRule(nt4), server, suite("Enterprise"))},
	{name: "Windows NT 4.0 Server", example: "Windows NT Server 4.0", match: re(`windows nt (server 4\.0|4\.0 server)`), os: nt4,
		rules: rules(osRule(nt4), server, regKey(keyTS, catalog.OpAbsent))},
	{name: "Windows NT 4.0 Workstation", example: "Windows NT Workstation 4.0", match: re(`windows nt (workstation 4\.0|4\.0 workstation)`), os: nt4,
		rules: rules(osRule(nt4), workstation)},

	// Windows 2000, XP, Server 2003.
	{name: "Windows 2000 Datacenter Server", example: "Windows 2000 Datacenter Server", match: re(`windows 2000 datacenter( server)?`), os: w2k,
		rules: rules(osRule(w2k), server, suite("DataCenter"))},
	{name: "Windows 2000 Advanced Server", example: "Windows 2000 Advanced Server", match: re(`windows 2000 advanced server`), os: w2k,
		rules: rules(osRule(w2k), server, suite("Enterprise"))},
	{name: "Windows 2000 Server", example: "Windows 2000 Server", match: re(`windows 2000 server`), os: w2k, rules: rules(osRule(w2k), server)},
	{name: "Windows 2000 Professional", example: "Windows 2000 Professional", match: re(`windows 2000 professional`), os: w2k, rules: rules(osRule(w2k), workstation)},
	{name: "Windows XP 64-Bit Edition", example: "Windows XP 64-Bit Edition Version 2003", match: re(`windows xp 64-bit edition.*`), os: xp,
		rules: rules(regValue(winkeys.NTCurrentVersion, "CurrentVersion", catalog.OpMatches, `^5\.[12]$`), workstation,
			regValue(winkeys.Environment, "PROCESSOR_ARCHITECTURE", catalog.OpEquals, "IA64"))},
	{name: "Windows XP Home Edition", example: "Windows XP Home Edition", match: re(`windows xp home( edition)?`), os: xp,
		rules: rules(osRule(xp), workstation, suite("Personal"))},
	{name: "Windows XP (Professional, Media Center, Tablet PC)", example: "Windows XP Professional", match: re(`windows xp( professional| media center edition| tablet pc edition)?`), os: xp,
		rules: rules(osRule(xp), workstation)},
	{name: "Windows Server 2003, Datacenter Edition", example: "Windows Server 2003, Datacenter Edition", match: re(`windows (server 2003|\.net) datacenter( edition| server)?|windows server 2003 datacenter edition`), os: ws2003,
		rules: rules(osRule(ws2003), server, suite("DataCenter"))},
	{name: "Windows Server 2003, Enterprise Edition", example: "Windows Server 2003, Enterprise Edition", match: re(`windows (server 2003|\.net) enterprise( edition| server)?`), os: ws2003,
		rules: rules(osRule(ws2003), server, suite("Enterprise"))},
	{name: "Windows Server 2003, Web Edition", example: "Windows Server 2003, Web Edition", match: re(`windows (server 2003|\.net) web( edition| server)?`), os: ws2003,
		rules: rules(osRule(ws2003), server, suite("Blade"))},
	{name: "Windows Server 2003", example: "Windows Server 2003, Standard Edition", match: re(`windows (server 2003|\.net)( standard)?( edition| server)?`), os: ws2003,
		rules: rules(osRule(ws2003), server)},

	// Windows 95, 98 and Me: not Windows NT, never a scan target; their
	// rules are exact, so their patches are not applicable to any host
	// patchscan scans.
	{name: "Windows 98 Second Edition", example: "Windows 98 SE", match: re(`windows 98 ?se|windows 98 second edition`), os: win9x, offHost: true, rules: win9xRules(`^4\.10\.2222`)},
	{name: "Windows 98", example: "Windows 98", match: re(`windows 98`), os: win9x, offHost: true, rules: win9xRules(`^4\.10\.1998`)},
	{name: "Windows 95", example: "Windows 95", match: re(`windows 95`), os: win9x, offHost: true, rules: win9xRules(`^4\.00\.`)},
	{name: "Windows Me", example: "Windows Me", match: re(`windows (me|millennium edition)`), os: win9x, offHost: true, rules: win9xRules(`^4\.90\.`)},
	{name: "Macintosh software", example: "Office 98 for Macintosh", match: re(`.*(macintosh|for mac)( .*)?`), rules: notWindows, offHost: true},

	// Internet Information Server / Services.
	{name: "Internet Information Server 3.0", example: "Internet Information Server 3.0", match: re(`internet information serv(er|ices) 3\.0`),
		rules: rules(regValue(keyW3Params, "MajorVersion", catalog.OpEquals, "3"))},
	{name: "Internet Information Server 4.0", example: "Internet Information Server 4.0", match: re(`internet information serv(er|ices) 4\.0`),
		rules: rules(regValue(keyInetStp, "MajorVersion", catalog.OpEquals, "4"))},
	{name: "Internet Information Services 5.0", example: "Internet Information Services 5.0", match: re(`internet information serv(er|ices) 5\.0`),
		rules: rules(regValue(keyInetStp, "MajorVersion", catalog.OpEquals, "5"), regValue(keyInetStp, "MinorVersion", catalog.OpEquals, "0"))},
	{name: "Internet Information Services 5.1", example: "Internet Information Services 5.1", match: re(`internet information serv(er|ices) 5\.1`),
		rules: rules(regValue(keyInetStp, "MajorVersion", catalog.OpEquals, "5"), regValue(keyInetStp, "MinorVersion", catalog.OpEquals, "1"))},
	{name: "Internet Information Services 6.0", example: "Internet Information Services 6.0", match: re(`internet information serv(er|ices) 6\.0`),
		rules: rules(regValue(keyInetStp, "MajorVersion", catalog.OpEquals, "6"))},
	{name: "Personal Web Server 4.0 (Windows NT Workstation)", example: "Personal Web Server 4.0", match: re(`(microsoft )?personal web server 4\.0`),
		rules: rules(regValue(keyInetStp, "MajorVersion", catalog.OpEquals, "4"), workstation)},
	{name: "FrontPage Server Extensions 97, 98, 2000, 2002", example: "Front Page 2000 Server Extensions", match: re(`front ?page (97|98|2000|2002) server extensions`), derive: frontPageExtensions},
	{name: "Index Server 2.0 (Windows NT 4.0)", example: "Index Server 2.0", match: re(`index server 2\.0`), rules: rules(regKey(keyIndex, catalog.OpExists), osRule(nt4))},
	{name: "Indexing Service (Windows 2000)", example: "Indexing Services for Windows 2000", match: re(`indexing services? for windows 2000`), rules: rules(regKey(keyIndex, catalog.OpExists), osRule(w2k))},
	{name: "Indexing Service (Windows XP)", example: "Indexing Service for Windows XP", match: re(`indexing services? for windows xp`), rules: rules(regKey(keyIndex, catalog.OpExists), osRule(xp))},

	// Internet Explorer and Outlook Express, by IE's registry Version (KB
	// 164539 lists every build) and msimn.exe's file version.
	{name: "Internet Explorer 4.0", example: "Internet Explorer 4.0", match: re(`(microsoft )?internet explorer 4\.0`), rules: ieVersion("4.71", "4.72"), sps: ieSPs["4.0"]},
	{name: "Internet Explorer 4.01", example: "Internet Explorer 4.01", match: re(`(microsoft )?internet explorer 4\.01`), rules: ieVersion("4.72", "4.73"), sps: ieSPs["4.01"]},
	{name: "Internet Explorer 5", example: "Internet Explorer 5", match: re(`(microsoft )?internet explorer 5(\.0)?`), rules: ieVersion("5.0", "5.0.2900"), sps: ieSPs["5"]},
	{name: "Internet Explorer 5.01", example: "Internet Explorer 5.01", match: re(`(microsoft )?internet explorer 5\.01`), rules: ieVersion("5.0.2900", "5.50"), sps: ieSPs["5.01"]},
	{name: "Internet Explorer 5.5", example: "Internet Explorer 5.5", match: re(`(microsoft )?internet explorer 5\.5`), rules: ieVersion("5.50", "5.51"), sps: ieSPs["5.5"]},
	{name: "Internet Explorer 6", example: "Internet Explorer 6", match: re(`(microsoft )?internet explorer 6(\.0)?`), rules: ieVersion("6.0", "6.1"), sps: ieSPs["6"]},
	{name: "Outlook Express 4.01", example: "Outlook Express 4.01", match: re(`outlook express 4\.01`), rules: oeVersion("4.72", "4.73"), sps: ieSPs["4.01"]},
	{name: "Outlook Express 5", example: "Outlook Express 5", match: re(`outlook express 5(\.0)?`), rules: oeVersion("5.0", "5.0.2900"), sps: ieSPs["5"]},
	{name: "Outlook Express 5.01", example: "Outlook Express 5.01", match: re(`outlook express 5\.01`), rules: oeVersion("5.0.2900", "5.50"), sps: ieSPs["5.01"]},
	{name: "Outlook Express 5.5", example: "Outlook Express 5.5", match: re(`outlook express 5\.5`), rules: oeVersion("5.50", "5.51"), sps: ieSPs["5.5"]},
	{name: "Outlook Express 6", example: "Outlook Express 6", match: re(`outlook express 6(\.0)?`), rules: oeVersion("6.0", "6.1"), sps: ieSPs["6"]},

	// Windows Media Player, by its program's file version (6.4 is
	// mplayer2.exe, which later players keep beside wmplayer.exe).
	{name: "Windows Media Player 6.4", example: "Windows Media Player 6.4", match: re(`windows media player 6\.4`), rules: versionIn(file(dirWMP+"mplayer2.exe", "", ""), "6.4", "6.5")},
	{name: "Windows Media Player 7.0", example: "Windows Media Player 7.0", match: re(`windows media player 7(\.0)?`), rules: versionIn(file(dirWMP+"wmplayer.exe", "", ""), "7.0", "7.1")},
	{name: "Windows Media Player 7.1", example: "Windows Media Player 7.1", match: re(`windows media player 7\.1`), rules: versionIn(file(dirWMP+"wmplayer.exe", "", ""), "7.1", "7.2")},
	{name: "Windows Media Player for Windows XP (8)", example: "Windows Media Player for Windows XP", match: re(`windows media player (8(\.0)?|for windows xp)`), rules: versionIn(file(dirWMP+"wmplayer.exe", "", ""), "8.0", "8.1")},
	{name: "Windows Media Player 9 Series", example: "Windows Media Player 9 Series", match: re(`windows media player 9( series)?`), rules: versionIn(file(dirWMP+"wmplayer.exe", "", ""), "9.0", "9.1")},

	// SQL Server and MSDE (the same engine, recorded under the same key:
	// the default instance only; named instances have keys of their own
	// that a rule cannot enumerate).
	{name: "SQL Server 6.5", example: "SQL Server 6.5", match: re(`(microsoft )?sql server 6\.5`), rules: sqlVersion("6.50", "6.51")},
	{name: "SQL Server 7.0 / MSDE 1.0", example: "SQL Server Desktop Engine (MSDE) 1.0", match: re(`(microsoft )?sql server 7\.0|(microsoft )?sql server desktop engine \(msde\) 1\.0|msde 1\.0`), rules: sqlVersion("7.0", "7.1")},
	{name: "SQL Server 2000 / MSDE 2000", example: "SQL Server 2000", match: re(`(microsoft )?sql server 2000( (standard|enterprise|developer|personal|workgroup)( edition)?)?|(microsoft )?sql server desktop engine \(msde\) 2000|msde 2000`), rules: sqlVersion("8.0", "8.1")},

	// Exchange, by the build its setup records (NewestBuild, REG_DWORD).
	{name: "Exchange Server 4.0", example: "Exchange Server 4.0", match: re(`(microsoft )?exchange server 4\.0`), rules: exchangeBuild("800", "1456")},
	{name: "Exchange Server 5.0", example: "Exchange Server 5.0", match: re(`(microsoft )?exchange server 5\.0`), rules: exchangeBuild("1457", "1959"), sps: exchangeSPs(1457, 1458, 1460, 1959)},
	{name: "Exchange Server 5.5", example: "Exchange Server 5.5", match: re(`(microsoft )?exchange server 5\.5`), rules: exchangeBuild("1960", "2999"), sps: exchangeSPs(1960, 2232, 2448, 2650, 2653, 2999)},
	{name: "Exchange 2000 Server (and Enterprise Server)", example: "Exchange 2000 Enterprise Server", match: re(`(microsoft )?exchange 2000( enterprise)? server`), rules: exchangeBuild("4417", "6943"), sps: exchangeSPs(4417, 4712, 5762, 6249, 6943)},
	{name: "Exchange Server 2003", example: "Exchange Server 2003", match: re(`(microsoft )?exchange (server )?2003.*`), rules: exchangeBuild("6944", "7999")},

	// Office 97, 2000, XP, 2003 and their programs, by each one's
	// InstallRoot (the folder setup records). Their own service releases
	// (SR-1, SP2) are not told apart.
	{name: "Office 97", example: "Office 97", match: re(`(microsoft )?office 97`), rules: installRoot("8.0", "Common")},
	{name: "Office 2000", example: "Office 2000", match: re(`(microsoft )?office 2000`), rules: installRoot("9.0", "Common")},
	{name: "Office XP", example: "Office XP", match: re(`(microsoft )?office (xp|2002)`), rules: installRoot("10.0", "Common")},
	{name: "Office 2003", example: "Office 2003", match: re(`(microsoft )?office 2003`), rules: installRoot("11.0", "Common")},
	{name: "Word, Excel, PowerPoint, Access, Outlook 97/2000/2002/2003", example: "Word 2002", match: re(`(?:microsoft )?(word|excel|powerpoint|access|outlook) (97|2000|2002|xp|2003)`), derive: officeProgram},

	// Runtime components, by the file or key they install.
	{name: "Microsoft Virtual Machine", example: "Microsoft Virtual Machine (VM)", match: re(`microsoft virtual machine( \(vm\))?|microsoft vm|microsoft java virtual machine`),
		rules: rules(file(`%SystemRoot%\System32\msjava.dll`, catalog.OpExists, ""))},
	{name: "Windows Script 5.1, 5.5, 5.6", example: "Windows Script 5.5", match: re(`windows script(?: host)? 5\.([156])`), derive: windowsScript},
	{name: "NetMeeting", example: "NetMeeting", match: re(`(microsoft )?netmeeting( \d(\.\d+)*)?`), rules: rules(file(`%ProgramFiles%\NetMeeting\conf.exe`, catalog.OpExists, ""))},
	{name: "Data Access Components (MDAC) 2.x", example: "Microsoft Data Access Components 2.5", match: re(`(?:microsoft )?(?:data access components|mdac) (2\.\d+)`), derive: mdac},
	{name: ".NET Framework 1.0", example: ".NET Framework 1.0", match: re(`(microsoft )?\.net framework( version)? 1\.0`), rules: rules(regKey(`HKLM\SOFTWARE\Microsoft\.NETFramework\Policy\v1.0`, catalog.OpExists))},
	{name: ".NET Framework 1.1", example: ".NET Framework 1.1", match: re(`(microsoft )?\.net framework( version)? 1\.1`), rules: rules(regValue(`HKLM\SOFTWARE\Microsoft\NET Framework Setup\NDP\v1.1.4322`, "Install", catalog.OpEquals, "1"))},
	{name: "ISA Server 2000", example: "ISA Server 2000", match: re(`(microsoft )?isa server 2000`), rules: rules(regKey(`HKLM\SOFTWARE\Microsoft\Fpc`, catalog.OpExists))},
	{name: "Services for Unix 2.0", example: "Services for Unix 2.0 (Win2K)", match: re(`services for unix 2\.0 \((nt|win2k)\)`), derive: servicesForUnix},
	{name: "Visual Studio 6.0", example: "Visual Studio 6.0", match: re(`(microsoft )?visual studio 6\.0`), rules: rules(regKey(`HKLM\SOFTWARE\Microsoft\VisualStudio\6.0`, catalog.OpExists))},

	// What cannot be recognised remotely.
	{name: "MSXML", example: "MSXML 3.0", match: re(`(microsoft )?(msxml|xml (core services|parser)).*`),
		never: "MSXML parsers are installed side by side by many products and no registry value says which one is in use (MBSA could not confirm their patches either)"},
	{name: "Windows Media Services, Encoder, Rights Manager", example: "Windows Media Services 4.1", match: re(`windows media (services|encoder|rights manager).*`),
		never: "installs where the administrator chose and records no version in a registry value patchscan knows"},
	{name: "Server applications (Site Server, Commercial Internet System, SMS, BackOffice, Commerce Server, Proxy Server)", example: "Site Server 3.0, Commerce Edition",
		match: re(`(microsoft )?(site server|commercial internet system|systems management server|backoffice server|commerce server|proxy server).*`),
		never: "installs into a folder of the administrator's choosing and records no version in a registry value patchscan knows"},
	{name: "Resource kits", example: "BackOffice Resource Kit SE", match: re(`.*resource kit.*`),
		never: "a resource kit is a set of tools copied where the user chose, with no registry record of what was installed"},
	{name: "Home and small-business programs (Works, Money, Picture It!, Home Publishing, Greetings, PhotoDraw, Publisher)", example: "Works 2000",
		match: re(`(microsoft )?(works|money|picture ?it!?|home publishing|greetings|photo ?draw|publisher)( .*)?`),
		never: "a consumer program that records no registry value or fixed file patchscan knows for this release"},
	{name: "Office 95 programs", example: "Office 95", match: re(`(microsoft )?(office|word|excel|powerpoint|access) (95|7\.0)`),
		never: "Office 95 programs record no InstallRoot, the registry value later Office releases are recognised by"},
	{name: "Word, Excel, PowerPoint 98", example: "Word 98", match: re(`(microsoft )?(word|excel|powerpoint) 98`),
		never: "the 98 releases were Macintosh products (Word 98 also had a Japanese Windows edition) that patchscan cannot tell apart by the registry"},
	{name: "Outlook 98", example: "Outlook 98", match: re(`(microsoft )?outlook 98`),
		never: "Outlook 98 records no registry value patchscan knows that tells it apart from Office 97's Outlook"},
	{name: "FrontPage Personal Web Server", example: "FrontPage 98 Personal Web Server 1.0 ", match: re(`front ?page (97|98)( personal web server.*)`),
		never: "the FrontPage Personal Web Server records no version in a registry value patchscan knows"},
	{name: "Other applications (Project, FrontPage, Visual Basic)", example: "Project 98", match: re(`(microsoft )?(project|front ?page|visual basic)( \d[\d.]*| 9[5-8]| 20\d\d)?`),
		never: "records no registry value patchscan knows for this release"},
	{name: "Connection Manager", example: "Connection Manager", match: re(`(microsoft )?connection manager.*`),
		never: "Connection Manager is a part of Windows and of the dial-up profiles built with its administration kit, with no registry value that says which is installed"},
}

// frontPageExtensions: the FrontPage Server Extensions record their
// version's key (97 = 2.0, 98 = 3.0, 2000 = 4.0, 2002 = 5.0).
func frontPageExtensions(m []string) []catalog.Rule {
	v := map[string]string{"97": "2.0", "98": "3.0", "2000": "4.0", "2002": "5.0"}[m[1]]
	return rules(regKey(`HKLM\SOFTWARE\Microsoft\Shared Tools\Web Server Extensions\`+v, catalog.OpExists))
}

// officeProgram: Word, Excel, PowerPoint, Access or Outlook of an Office
// release, by its InstallRoot.
func officeProgram(m []string) []catalog.Rule {
	program := map[string]string{"word": "Word", "excel": "Excel", "powerpoint": "PowerPoint", "access": "Access", "outlook": "Outlook"}[m[1]]
	release := map[string]string{"97": "8.0", "2000": "9.0", "2002": "10.0", "xp": "10.0", "2003": "11.0"}[m[2]]
	return installRoot(release, program)
}

// windowsScript: the script engines' version is vbscript.dll's.
func windowsScript(m []string) []catalog.Rule {
	return versionIn(file(`%SystemRoot%\System32\vbscript.dll`, "", ""), "5."+m[1], "5."+string(rune(m[1][0]+1)))
}

// mdac: MDAC 2.5 is FullInstallVer 2.50.x to 2.53.x (its service packs),
// MDAC 2.51 exactly 2.51.x.
func mdac(m []string) []catalog.Rule {
	major, minor, _ := strings.Cut(m[1], ".")
	lo, hi := m[1]+"0", major+"."+string(rune(minor[0]+1))+"0"
	if len(minor) > 1 {
		n, _ := strconv.Atoi(minor)
		lo, hi = m[1], major+"."+strconv.Itoa(n+1)
	}
	return versionIn(regValue(`HKLM\SOFTWARE\Microsoft\DataAccess`, "FullInstallVer", "", ""), lo, hi)
}

// servicesForUnix: SFU 2.0 for Windows NT 4.0 or for Windows 2000.
func servicesForUnix(m []string) []catalog.Rule {
	f := w2k
	if m[1] == "nt" {
		f = nt4
	}
	return rules(regKey(`HKLM\SOFTWARE\Microsoft\Services for Unix`, catalog.OpExists), osRule(f))
}

// win9xRules: Windows 95/98/Me keep their version in VersionNumber and
// have no Windows NT key.
func win9xRules(versionPattern string) []catalog.Rule {
	return rules(regKey(winkeys.NTCurrentVersion, catalog.OpAbsent), regValue(winkeys.CurrentVersion, "VersionNumber", catalog.OpMatches, versionPattern))
}

// notWindows never holds on a Windows host, which always has both keys.
var notWindows = rules(regKey(winkeys.NTCurrentVersion, catalog.OpAbsent), regKey(winkeys.CurrentVersion, catalog.OpAbsent))

func ieVersion(lo, hi string) []catalog.Rule {
	return versionIn(regValue(keyIE, "Version", "", ""), lo, hi)
}

func oeVersion(lo, hi string) []catalog.Rule {
	return versionIn(file(`%ProgramFiles%\Outlook Express\msimn.exe`, "", ""), lo, hi)
}

func sqlVersion(lo, hi string) []catalog.Rule {
	return versionIn(regValue(keySQL, "CurrentVersion", "", ""), lo, hi)
}

func exchangeBuild(lo, hi string) []catalog.Rule {
	return numberIn(regValue(keyExchange, "NewestBuild", "", ""), lo, hi)
}

// installRoot: an Office program's InstallRoot Path.
func installRoot(officeVersion, program string) []catalog.Rule {
	return rules(regValue(keyOffice+officeVersion+`\`+program+`\InstallRoot`, "Path", catalog.OpExists, ""))
}

// ieSPs are Internet Explorer's service packs by its registry Version
// (KB 164539): level 0 is the release itself ("Gold").
var ieSPs = map[string]map[int][]catalog.Rule{
	"4.0":  {0: ieVersion("4.71", "4.72")},
	"4.01": {0: ieVersion("4.72", "4.72.3110"), 1: ieVersion("4.72.3110", "4.72.3612"), 2: ieVersion("4.72.3612", "4.73")},
	"5":    {0: ieVersion("5.0", "5.0.2900")},
	"5.01": {0: ieVersion("5.0.2900", "5.0.3103"), 1: ieVersion("5.0.3103", "5.0.3314"), 2: ieVersion("5.0.3314", "5.0.3502"),
		3: ieVersion("5.0.3502", "5.0.3700"), 4: ieVersion("5.0.3700", "5.50")},
	"5.5": {0: ieVersion("5.50", "5.50.4522"), 1: ieVersion("5.50.4522", "5.50.4807"), 2: ieVersion("5.50.4807", "5.51")},
	"6":   {0: ieVersion("6.0", "6.0.2800"), 1: ieVersion("6.0.2800", "6.0.2900"), 2: ieVersion("6.0.2900", "6.0.3000")},
}

// exchangeSPs turns the first builds of each service pack (Gold first) and
// the last build of the release into rules per level.
func exchangeSPs(builds ...int) map[int][]catalog.Rule {
	out := map[int][]catalog.Rule{}
	for i := 0; i+1 < len(builds); i++ {
		hi := builds[i+1] - 1
		if i+2 == len(builds) {
			hi = builds[i+1]
		}
		out[i] = exchangeBuild(itoa(builds[i]), itoa(hi))
	}
	return out
}

func itoa(n int) string { return strconv.Itoa(n) }
