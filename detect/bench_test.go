package detect_test

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/patchscan/patchscan/catalog"
	"github.com/patchscan/patchscan/catalog/msrc"
	"github.com/patchscan/patchscan/catalog/msrc/msrctest"
	"github.com/patchscan/patchscan/detect"
	"github.com/patchscan/patchscan/detect/memhost"
	"github.com/patchscan/patchscan/facts"
)

// mapHost answers from a map keyed by the exact request, so a benchmark
// measures the engine, not a host implementation: its only allocation per
// batch is the answer slice a real transport would allocate too.
type mapHost map[facts.Request]facts.Answer

func (m mapHost) Facts(_ context.Context, reqs []facts.Request) ([]facts.Answer, error) {
	out := make([]facts.Answer, len(reqs))
	for i, r := range reqs {
		r.SHA256 = false
		out[i] = m[r]
	}
	return out, nil
}

// snapshot records every answer a memhost gives to the engine's requests,
// so the benchmark host answers the same.
func snapshot(tb testing.TB, e *detect.Engine, h *memhost.Host) mapHost {
	tb.Helper()
	if _, err := e.Scan(context.Background(), h); err != nil {
		tb.Fatal(err)
	}
	m := mapHost{}
	for _, batch := range h.Batches() {
		ans, err := h.Facts(context.Background(), batch)
		if err != nil {
			tb.Fatal(err)
		}
		for i, r := range batch {
			r.SHA256 = false
			m[r] = ans[i]
		}
	}
	return m
}

// genCatalog builds a catalog of n bulletins in the shape of the real one:
// each with a patch per OS (Windows 7, Server 2008 R2, Windows 10), a
// registry check and two file checks, every tenth superseded by the next.
// On benchHost the server patches of even bulletins below 400 are
// installed, odd ones miss their key (those ending in 9 are superseded by
// the next, installed one), and from 400 on the files are too old.
func genCatalog(n int) *catalog.Catalog {
	cat := testCatalog()
	cat.Products = append(cat.Products, catalog.Product{ID: 40, Name: "Windows 10", Detection: []catalog.Rule{
		regValue(ntCV, "CurrentVersion", catalog.OpEquals, "6.3"),
		regValue(ntCV, "CurrentMajorVersionNumber", catalog.OpNumberGE, "10"),
	}})
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("MS%02d-%03d", 10+i/1000, i%1000)
		b := catalog.Bulletin{ID: id, Title: "Bulletin " + id, Baseline: i%3 == 0}
		for j, prod := range []int{pWin7, pServer, 40} {
			kb := fmt.Sprintf("KB%d", 3000000+i*3+j)
			p := patch(kb,
				catalog.AffectedProduct{ProductID: prod, ServicePackIDs: []int{spSP1}},
				regKey(`HKLM\SOFTWARE\Microsoft\Updates\Windows\`+kb, catalog.OpExists),
				fc(fmt.Sprintf(`%%SystemRoot%%\System32\file%d.dll`, i%400), fmt.Sprintf("6.1.7601.%d", 17000+i%400+i/400)),
				fc(srvSys, "6.1.7601.17514"),
			)
			if i%10 == 9 {
				p.SupersededBy = []catalog.Supersedence{{SQNumber: fmt.Sprintf("KB%d", 3000000+(i+1)*3+j)}}
			}
			b.Patches = append(b.Patches, p)
		}
		cat.Bulletins = append(cat.Bulletins, b)
	}
	return cat
}

func benchHost() *memhost.Host {
	h := serverHost()
	for i := 0; i < 400; i++ {
		h.SetFile(fmt.Sprintf(`C:\Windows\System32\file%d.dll`, i), facts.FileInfo{Size: 1, Version: fmt.Sprintf("6.1.7601.%d", 17000+i)})
	}
	for i := 0; i < 1000; i += 2 {
		h.SetKey(fmt.Sprintf(`HKLM\SOFTWARE\Microsoft\Updates\Windows\KB%d`, 3000000+i*3+1))
	}
	return h
}

// BenchmarkScan is the engine's cost per host: one op = one host scanned.
// Run with: make bench-detect (go test -run='^$' -bench=BenchmarkScan -benchmem ./detect)
func BenchmarkScan(b *testing.B) {
	type bc struct {
		name string
		cat  *catalog.Catalog
		host func() *memhost.Host
	}
	cases := []bc{
		{"generated-1000-bulletins", genCatalog(1000), benchHost},
		{"generated-10000-bulletins", genCatalog(10000), benchHost},
	}
	if def, err := catalog.Default(); err == nil {
		cases = append([]bc{
			{"embedded-default", def, benchHost},
			{"embedded-default/server2019", def, server2019.host},
		}, cases...)
	} else {
		b.Logf("embedded catalog not usable (%v); generated catalogs only", err)
	}
	msrc24 := msrcMonths(b, 24)
	cases = append(cases,
		bc{"msrc-24-months/server2019-behind", msrc24, server2019.with(func(h *hostSpec) { h.ubr = 8388 }).host},
		bc{"msrc-24-months/server2025-hotpatch", msrc24, server2025.with(func(h *hostSpec) { h.ubr = 32313 }).host},
		bc{"msrc-24-months/windows11", msrc24, win11.host},
	)
	for _, c := range cases {
		for _, skip := range []bool{false, true} {
			name := c.name
			if skip {
				name += "/skip-not-applicable"
			}
			b.Run(name, func(b *testing.B) {
				e := detect.New(c.cat, detect.Options{SkipNotApplicable: skip})
				h := snapshot(b, e, c.host())
				ctx := context.Background()
				b.ReportAllocs()
				b.ResetTimer()
				cpu0 := cpuTime()
				var rep *detect.Report
				for i := 0; i < b.N; i++ {
					var err error
					if rep, err = e.Scan(ctx, h); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				// CPU time (user+system, GC included) is steadier than wall
				// time on a machine shared with other work.
				b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/host")
				b.ReportMetric(float64(rep.Facts), "facts/host")
				b.ReportMetric(float64(rep.Batches), "batches/host")
				b.ReportMetric(float64(len(rep.Results)), "results/host")
				b.ReportMetric(float64(len(rep.Vulnerabilities)), "open-cves/host")
			})
		}
	}
}

// msrcMonths is a catalog imported from n monthly MSRC documents in the
// shape of the real ones: the three most recent shared documents
// (../catalog/default/msrc), repeated month by month with KBs, CVEs and
// UBRs of their own (msrctest.RecentMonths), converted by the importer.
func msrcMonths(tb testing.TB, n int) *catalog.Catalog {
	tb.Helper()
	cat, _, err := msrc.Convert(msrctest.RecentMonths(tb, n))
	if err != nil {
		tb.Fatal(err)
	}
	return cat
}

// BenchmarkNew is the one-off cost of preparing a large catalog.
func BenchmarkNew(b *testing.B) {
	cat := genCatalog(10000)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		detect.New(cat, detect.Options{})
	}
}

func TestGeneratedCatalogScan(t *testing.T) {
	e := detect.New(genCatalog(200), detect.Options{})
	h := benchHost()
	rep, err := e.Scan(context.Background(), h)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[detect.Status]int{}
	for _, r := range rep.Results {
		counts[r.Status]++
	}
	// 200 bulletins x 3 patches: 400 not applicable (Windows 7, 10); of
	// the 200 for the server, the 100 even ones are installed, 19 odd ones
	// ending in 9 superseded (199's superseder is not in the catalog), the
	// other 81 missing.
	want := map[detect.Status]int{detect.StatusNotApplicable: 400, detect.StatusInstalled: 100, detect.StatusSuperseded: 19, detect.StatusMissing: 81}
	if fmt.Sprint(counts) != fmt.Sprint(want) {
		t.Errorf("counts = %v, want %v", counts, want)
	}
	if rep.Batches != 2 || len(h.Repeated()) != 0 {
		t.Errorf("batches = %d, repeated = %v", rep.Batches, h.Repeated())
	}
}

// cpuTime is the process's user+system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
