package msrctest

import (
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/patchscan/patchscan/catalog"
	"github.com/patchscan/patchscan/catalog/msrc"
)

// Recent are the IDs of the three most recent shared documents, the base
// of RecentMonths.
var Recent = []string{"2025-Dec", "2026-Jan", "2026-Feb"}

// Path is the file of the shared MSRC document id ("2026-Feb"): Microsoft's
// own, kept in catalog/default/msrc (provenance in its README), found from
// this source file so that tests of any package read the same one.
func Path(id string) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "default", "msrc", "cvrfDocument-"+id+".xml.gz")
}

var (
	sharedMu   sync.Mutex
	sharedDocs = map[string]*msrc.Document{}
)

// Shared parses the shared documents ids, each once per test binary
// (callers must not change them), and fails tb if one does not parse.
func Shared(tb testing.TB, ids ...string) []*msrc.Document {
	tb.Helper()
	sharedMu.Lock()
	defer sharedMu.Unlock()
	out := make([]*msrc.Document, len(ids))
	for i, id := range ids {
		if sharedDocs[id] == nil {
			d, err := msrc.ParseFile(Path(id), msrc.Limits{})
			if err != nil {
				tb.Fatal(err)
			}
			sharedDocs[id] = d
		}
		out[i] = sharedDocs[id]
	}
	return out
}

// RecentMonths is n monthly documents ending with February 2026 made
// (SynthMonths) from the Recent shared ones: a catalog of the size and
// shape of an n-month import, for benchmarks only.
func RecentMonths(tb testing.TB, n int) []*msrc.Document {
	tb.Helper()
	return SynthMonths(Shared(tb, Recent...), n, time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC))
}

var (
	febOnce sync.Once
	febCat  *catalog.Catalog
	febErr  error
)

// February2026 is the shared February 2026 document converted by the
// importer, once per test binary (callers must not change it): the
// catalog the acceptance tests judge modern Windows with.
func February2026(tb testing.TB) *catalog.Catalog {
	tb.Helper()
	febOnce.Do(func() {
		var d *msrc.Document
		if d, febErr = msrc.ParseFile(Path("2026-Feb"), msrc.Limits{}); febErr == nil {
			febCat, _, febErr = msrc.Convert([]*msrc.Document{d})
		}
	})
	if febErr != nil {
		tb.Fatal(febErr)
	}
	return febCat
}
