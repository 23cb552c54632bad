package report

import (
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/detect"
	"github.com/patchscan/patchscan/scan"
	"github.com/patchscan/patchscan/scan/transport"
)

// The rollup and the table must not keep whole host reports: feed many
// hosts with bulky results and check the live heap stays far below what
// keeping them would take.
func TestSinksKeepSummariesOnly(t *testing.T) {
	if testing.Short() {
		t.Skip("memory test skipped in -short mode")
	}
	const hosts, results = 1000, 40
	reason := strings.Repeat("r", 1024)
	host := func(i int) scan.HostResult {
		rep := &detect.Report{Products: []detect.ProductRef{{ID: 1, Name: "Windows"}}}
		for j := range results {
			st := detect.StatusInstalled
			if j < 3 {
				st = detect.StatusMissing
			}
			rep.Results = append(rep.Results, detect.Result{
				BulletinID: fmt.Sprintf("MS%02d-%03d", j%20, j), KB: fmt.Sprintf("KB%d", 4000000+j), Severity: "Critical",
				ProductID: 1, Status: st, Reasons: []string{reason},
				Checks: []detect.Check{{Kind: detect.CheckFile, Path: reason, Expected: "1", Found: "1", Result: detect.CheckPass}},
			})
		}
		return scan.HostResult{Name: fmt.Sprintf("HOST%05d", i), Address: "127.0.0.1", Status: transport.Scanned, Report: rep}
	}
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	r := NewRollup("", t0)
	tbl := NewTable(io.Discard, Show{detect.StatusMissing: true}, testMeta)
	for i := range hosts {
		h := host(i)
		r.Add(Summarize(testMeta, h))
		if err := tbl.Write(h); err != nil {
			t.Fatal(err)
		}
	}
	after := heap()
	// Keeping the reports would take hosts*results*~2 KiB = 80 MiB.
	const limit = 12 << 20
	if grown := int64(after) - int64(before); grown > limit {
		t.Errorf("live heap grew %d MiB for %d hosts; the sinks keep more than summaries", grown>>20, hosts)
	} else {
		t.Logf("live heap grew %.1f MiB for %d hosts × %d results", float64(grown)/(1<<20), hosts, results)
	}
	runtime.KeepAlive(r)
	if err := tbl.Close(); err != nil {
		t.Fatal(err)
	}
}
