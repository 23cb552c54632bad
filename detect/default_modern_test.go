package detect_test

import (
	"testing"

	"github.com/patchscan/patchscan/catalog"
	"github.com/patchscan/patchscan/detect"
	"github.com/patchscan/patchscan/facts"
)

// TestDefaultCatalogServer2019 is issue 11's first bug: a fully patched
// Windows Server 2019 (build 17763, UBR 6660, its files at
// 10.0.17763.6660) got "warning" from the embedded catalog for Zerologon
// and PrintNightmare ("file version greater than what is expected"). Since
// Windows 10 updates are cumulative, the embedded catalog's Windows 10+
// file checks say Cumulative, and those patches are installed.
func TestDefaultCatalogServer2019(t *testing.T) {
	def, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	e := detect.New(def, detect.Options{})
	for _, tt := range []struct {
		name string
		file string // ntoskrnl.exe and localspl.dll
		want map[string]detect.Status
	}{
		{"patched: a later build of the branch", "10.0.17763.6660", map[string]detect.Status{
			"KB4565349": detect.StatusInstalled, "KB5004947": detect.StatusInstalled}},
		{"August 2020 only: Zerologon fixed, PrintNightmare missing", "10.0.17763.1397", map[string]detect.Status{
			"KB4565349": detect.StatusInstalled, "KB5004947": detect.StatusMissing}},
		{"older: both missing", "10.0.17763.1000", map[string]detect.Status{
			"KB4565349": detect.StatusMissing, "KB5004947": detect.StatusMissing}},
		{"files of another branch: MBSA's warning stays", "10.0.18362.9999", map[string]detect.Status{
			"KB4565349": detect.StatusWarning, "KB5004947": detect.StatusWarning}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := server2019.host()
			for _, f := range []string{`C:\Windows\System32\ntoskrnl.exe`, `C:\Windows\System32\localspl.dll`} {
				h.SetFile(f, facts.FileInfo{Size: 1, Version: tt.file})
			}
			rep, err := e.Scan(t.Context(), h)
			if err != nil {
				t.Fatal(err)
			}
			// The legacy bulletins' patches (file checks); the MSRC
			// bulletins of the default list KB5004947 too, judged by the
			// host's build.
			got := map[string]detect.Result{}
			for _, r := range rep.Results {
				if r.BulletinID == "CVE-2020-1472" || r.BulletinID == "CVE-2021-34527" {
					got[r.KB] = r
				}
			}
			for kb, st := range tt.want {
				if got[kb].Status != st {
					t.Errorf("%s = %s, want %s (%q)", kb, got[kb].Status, st, got[kb].Reasons)
				}
			}
			if len(rep.Products) != 1 || rep.Products[0].Name != "Windows Server 2019" {
				t.Errorf("products %+v", rep.Products)
			}
			for _, r := range rep.Results {
				if r.Status == detect.StatusWarning && tt.file == "10.0.17763.6660" {
					t.Errorf("%s %s: %s %q", r.BulletinID, r.KB, r.Status, r.Reasons)
				}
			}
		})
	}
}
