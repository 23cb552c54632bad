package detect_test

import (
	"testing"

	"github.com/patchscan/patchscan/detect"
)

// TestReleased: a result carries its patch's ReleaseDate, else its
// bulletin's DatePosted; a missing service pack carries the service
// pack's ReleaseDate. Reports derive due dates from it.
func TestReleased(t *testing.T) {
	own := patch("KB2", fc(srvSys, "6.1.7601.23689"))
	own.ReleaseDate = "2017-04-11"
	b := bulletin("MS17-010", patch("KB1", fc(srvSys, "6.1.7601.23689")), own)
	b.DatePosted = "2017-03-14"
	cat := testCatalog(b)
	cat.ServicePacks[2].ReleaseDate = "2011-02-22" // Service Pack 2 ...
	cat.Products[0].CurrentServicePackID = spSP2   // ... is the server's current one
	h := serverHost()
	rep := scan(t, cat, detect.Options{}, h)
	got := map[string]string{}
	for _, r := range rep.Results {
		got[r.KB] = r.Released
	}
	want := map[string]string{"KB1": "2017-03-14", "KB2": "2017-04-11", "Service Pack 2": "2011-02-22"}
	for kb, w := range want {
		if got[kb] != w {
			t.Errorf("%s released %q, want %q (results %v)", kb, got[kb], w, got)
		}
	}
}
