package detect_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/catalog"
	"github.com/patchscan/patchscan/detect"
	"github.com/patchscan/patchscan/detect/memhost"
	"github.com/patchscan/patchscan/facts"
	"github.com/patchscan/patchscan/internal/version"
	"github.com/patchscan/patchscan/internal/winkeys"
)

// Test catalogs are built as catalog.Catalog values, so these tests don't
// depend on the XML loader.

const (
	ntCV    = winkeys.NTCurrentVersion
	winCV   = winkeys.CurrentVersion
	prodOpt = winkeys.ProductOptions
	nlsLang = winkeys.NlsLanguage

	srvSys  = `%SystemRoot%\System32\drivers\srv.sys`
	srvPath = `C:\Windows\System32\drivers\srv.sys`

	pServer = 10 // Windows Server 2008 R2
	pWin7   = 11 // Windows 7
	pApp    = 20 // an application detected by a file
	pOld    = 30 // Windows XP: never present on the test host

	spGold, spSP1, spSP2 = 1, 2, 3
)

func regValue(key, name string, op catalog.Op, val string) catalog.Rule {
	r := catalog.Rule{Kind: catalog.RuleRegValue, Key: key, Name: name, Op: op, Value: val}
	if op == catalog.OpMatches {
		r.Regexp = regexp.MustCompile(val)
	}
	return r
}

func regKey(key string, op catalog.Op) catalog.Rule {
	return catalog.Rule{Kind: catalog.RuleRegKey, Key: key, Op: op}
}

func fileRule(path string, op catalog.Op, val string) catalog.Rule {
	return catalog.Rule{Kind: catalog.RuleFile, Path: path, Op: op, Value: val}
}

func fc(path, ver string) catalog.FileCheck {
	return catalog.FileCheck{Path: path, Version: version.MustParse(ver)}
}

// testCatalog has products and service packs; bulletins are added per test.
func testCatalog(bs ...catalog.Bulletin) *catalog.Catalog {
	return &catalog.Catalog{
		Source: "<test>",
		ServicePacks: []catalog.ServicePack{
			{ID: spGold, Name: "Gold", Level: 0},
			{ID: spSP1, Name: "Service Pack 1", Level: 1},
			{ID: spSP2, Name: "Service Pack 2", Level: 2},
		},
		Severities: []catalog.Severity{{ID: 1, Name: "Critical"}, {ID: 2, Name: "Important"}},
		Products: []catalog.Product{
			{ID: pServer, Name: "Windows Server 2008 R2", CurrentServicePackID: spSP1, Detection: []catalog.Rule{
				regValue(ntCV, "CurrentVersion", catalog.OpEquals, "6.1"),
				regValue(prodOpt, "ProductType", catalog.OpNotEquals, "WinNT"),
			}},
			{ID: pWin7, Name: "Windows 7", CurrentServicePackID: spSP1, Detection: []catalog.Rule{
				regValue(ntCV, "CurrentVersion", catalog.OpEquals, "6.1"),
				regValue(prodOpt, "ProductType", catalog.OpEquals, "WinNT"),
			}},
			{ID: pApp, Name: "Test App", Detection: []catalog.Rule{
				regKey(`HKLM\SOFTWARE\TestApp`, catalog.OpExists),
				fileRule(`%ProgramFiles%\TestApp\app.exe`, catalog.OpVersionGE, "2.0"),
			}},
			{ID: pOld, Name: "Windows XP", CurrentServicePackID: spSP2, Detection: []catalog.Rule{
				regValue(ntCV, "CurrentVersion", catalog.OpEquals, "5.1"),
			}},
		},
		Bulletins: bs,
	}
}

func bulletin(id string, ps ...catalog.Patch) catalog.Bulletin {
	return catalog.Bulletin{ID: id, Title: id + " title", Patches: ps}
}

// patch builds a patch for the server product with the given checks.
func patch(kb string, checks ...any) catalog.Patch {
	p := catalog.Patch{Name: kb + ".msu", SQNumber: kb, SeverityID: 1,
		Affected: []catalog.AffectedProduct{{ProductID: pServer}}}
	for _, c := range checks {
		switch c := c.(type) {
		case catalog.Rule:
			p.RegChecks = append(p.RegChecks, c)
		case catalog.FileCheck:
			p.FileChecks = append(p.FileChecks, c)
		case catalog.AffectedProduct:
			p.Affected = []catalog.AffectedProduct{c}
		case []catalog.AffectedProduct:
			p.Affected = c
		case catalog.Supersedence:
			p.SupersededBy = append(p.SupersededBy, c)
		default:
			panic("patch: unknown check type")
		}
	}
	return p
}

// serverHost is Windows Server 2008 R2 SP1, English, x64, with srv.sys at
// the pre-MS17-010 version.
func serverHost() *memhost.Host {
	h := memhost.New()
	h.SetValue(ntCV, "CurrentVersion", facts.SZ("6.1"))
	h.SetValue(ntCV, "CurrentBuildNumber", facts.SZ("7601"))
	h.SetValue(ntCV, "ProductName", facts.SZ("Windows Server 2008 R2 Standard"))
	h.SetValue(ntCV, "CSDVersion", facts.SZ("Service Pack 1"))
	h.SetValue(ntCV, "EditionID", facts.SZ("ServerStandard"))
	h.SetValue(ntCV, "SystemRoot", facts.SZ(`C:\Windows`))
	h.SetValue(winCV, "ProgramFilesDir", facts.SZ(`C:\Program Files`))
	h.SetValue(winCV, "ProgramFilesDir (x86)", facts.SZ(`C:\Program Files (x86)`))
	h.SetValue(winCV, "CommonFilesDir", facts.SZ(`C:\Program Files\Common Files`))
	h.SetValue(prodOpt, "ProductType", facts.SZ("ServerNT"))
	h.SetValue(nlsLang, "InstallLanguage", facts.SZ("0409"))
	h.SetFile(srvPath, facts.FileInfo{Size: 1000, Version: "6.1.7601.17514", SHA256: strings.Repeat("a", 64)})
	return h
}

func scan(t *testing.T, cat *catalog.Catalog, opts detect.Options, h facts.Host) *detect.Report {
	t.Helper()
	rep, err := detect.New(cat, opts).Scan(context.Background(), h)
	if err != nil {
		t.Fatalf("Scan: %v", err)
	}
	return rep
}

// byKB indexes patch results by KB (service packs by "SP:" + name).
func byKB(rep *detect.Report) map[string]detect.Result {
	m := map[string]detect.Result{}
	for _, r := range rep.Results {
		k := r.KB
		if r.Kind == detect.KindServicePack {
			k = "SP:" + k
		}
		m[k] = r
	}
	return m
}
