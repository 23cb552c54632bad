package catalog_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/catalog"
	"github.com/patchscan/patchscan/detect"
	"github.com/patchscan/patchscan/detect/memhost"
	"github.com/patchscan/patchscan/facts"
)

// TestDefaultOlderServicePacks scans the embedded catalog with hosts at the
// older service packs whose file versions share a package with a later
// service pack (docs/default-catalog.md): each host gets its own service
// pack's version, installed when the file is at it and missing one build
// below, the same package's other service packs are not applicable, and no
// result is a note.
func TestDefaultOlderServicePacks(t *testing.T) {
	cat, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		version     string // CurrentVersion
		productType string
		sp          string // CSDVersion, "" = Gold
		bulletin    string
		kb          string
		file        string // under C:\Windows\System32
		want        string // the version that service pack needs
	}{
		{"MS08-067 XP SP2", "5.1", "WinNT", "Service Pack 2", "MS08-067", "KB958644", "netapi32.dll", "5.1.2600.3462"},
		{"MS08-067 XP SP3", "5.1", "WinNT", "Service Pack 3", "MS08-067", "KB958644", "netapi32.dll", "5.1.2600.5694"},
		{"MS08-067 2003 SP1", "5.2", "ServerNT", "Service Pack 1", "MS08-067", "KB958644", "netapi32.dll", "5.2.3790.3229"},
		{"MS08-067 2003 SP2", "5.2", "ServerNT", "Service Pack 2", "MS08-067", "KB958644", "netapi32.dll", "5.2.3790.4392"},
		{"MS08-067 Vista Gold", "6.0", "WinNT", "", "MS08-067", "KB958644", "netapi32.dll", "6.0.6000.16764"},
		{"MS08-067 Vista SP1", "6.0", "WinNT", "Service Pack 1", "MS08-067", "KB958644", "netapi32.dll", "6.0.6001.18157"},
		{"MS09-050 Vista Gold", "6.0", "WinNT", "", "MS09-050", "KB975517", `drivers\srv2.sys`, "6.0.6000.16927"},
		{"MS09-050 Vista SP1", "6.0", "WinNT", "Service Pack 1", "MS09-050", "KB975517", `drivers\srv2.sys`, "6.0.6001.18331"},
		{"MS09-050 2008 SP1", "6.0", "ServerNT", "Service Pack 1", "MS09-050", "KB975517", `drivers\srv2.sys`, "6.0.6001.18331"},
		{"MS09-050 2008 SP2", "6.0", "LanmanNT", "Service Pack 2", "MS09-050", "KB975517", `drivers\srv2.sys`, "6.0.6002.18112"},
		{"MS10-061 2008 SP1", "6.0", "ServerNT", "Service Pack 1", "MS10-061", "KB2347290", "spoolsv.exe", "6.0.6001.18511"},
		{"MS10-061 Vista SP2", "6.0", "WinNT", "Service Pack 2", "MS10-061", "KB2347290", "spoolsv.exe", "6.0.6002.18294"},
		{"MS12-020 7 Gold", "6.1", "WinNT", "", "MS12-020", "KB2621440", `drivers\rdpwd.sys`, "6.1.7600.16963"},
		{"MS12-020 2008 R2 Gold", "6.1", "ServerNT", "", "MS12-020", "KB2621440", `drivers\rdpwd.sys`, "6.1.7600.16963"},
		{"MS12-020 2008 R2 SP1", "6.1", "ServerNT", "Service Pack 1", "MS12-020", "KB2621440", `drivers\rdpwd.sys`, "6.1.7601.17779"},
	}
	eng := detect.New(cat, detect.Options{})
	for _, tt := range tests {
		for _, patched := range []bool{true, false} {
			name := tt.name + "/unpatched"
			fileVersion := below(t, tt.want)
			wantStatus := detect.StatusMissing
			if patched {
				name, fileVersion, wantStatus = tt.name+"/patched", tt.want, detect.StatusInstalled
			}
			t.Run(name, func(t *testing.T) {
				h := memhost.New()
				h.SetValue(ntCV, "CurrentVersion", facts.SZ(tt.version))
				if tt.sp != "" {
					h.SetValue(ntCV, "CSDVersion", facts.SZ(tt.sp))
				}
				h.SetValue(ntCV, "SystemRoot", facts.SZ(`C:\Windows`))
				h.SetValue(prodOpt, "ProductType", facts.SZ(tt.productType))
				path := `C:\Windows\System32\` + tt.file
				h.SetFile(path, facts.FileInfo{Size: 1000, Version: fileVersion})
				rep, err := eng.Scan(context.Background(), h)
				if err != nil {
					t.Fatal(err)
				}
				applied := 0
				for _, r := range rep.Results {
					if r.Status == detect.StatusNote {
						t.Errorf("note: %s %s %s: %q", r.BulletinID, r.KB, r.PatchName, r.Reasons)
					}
					if r.BulletinID != tt.bulletin || r.KB != tt.kb || r.Status == detect.StatusNotApplicable {
						continue
					}
					applied++
					if r.Status != wantStatus || len(r.Checks) != 1 || r.Checks[0].Expected != tt.want || !strings.EqualFold(r.Checks[0].Path, path) {
						t.Errorf("%s %s (%s): %s, checks %+v; want %s against %s %s", r.BulletinID, r.KB, r.PatchName, r.Status, r.Checks, wantStatus, path, tt.want)
					}
				}
				if applied != 1 {
					t.Errorf("%d patches of %s %s apply to this host, want exactly 1 (products %v, OS %+v)", applied, tt.bulletin, tt.kb, rep.Products, rep.OS)
				}
			})
		}
	}
}

// below returns the version one build below v (the last part minus one).
func below(t *testing.T, v string) string {
	t.Helper()
	i := strings.LastIndexByte(v, '.')
	n, err := strconv.Atoi(v[i+1:])
	if err != nil || n == 0 {
		t.Fatalf("cannot go below %s", v)
	}
	return v[:i+1] + strconv.Itoa(n-1)
}
