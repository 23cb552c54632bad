package htmlreport

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/patchscan/patchscan/report/history"
)

// benchStore records weeks runs of n hosts, each with 30 results (a few
// missing, some overdue), 20 checks and the open CVEs of what is missing;
// every host has a result set of its own.
func benchStore(tb testing.TB, n, weeks int) *history.Store {
	ctx := context.Background()
	s, err := history.Open(ctx, filepath.Join(tb.TempDir(), "h.db"), history.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	for w := range weeks {
		at := t0.Add(time.Duration(w) * 7 * 24 * time.Hour)
		rec, err := s.StartRun(ctx, history.RunInfo{Started: at})
		if err != nil {
			tb.Fatal(err)
		}
		hosts := make([]history.HostRecord, 0, n)
		for i := range n {
			h := history.HostRecord{Name: fmt.Sprintf("ws%05d.corp.example", i), Address: fmt.Sprintf("10.1.%d.%d", i>>8, i&255),
				Domain: "CORP", Status: "scanned", Started: at, Finished: at.Add(time.Second),
				OS: history.OSInfo{Product: "Windows Server 2019 Datacenter", Build: "17763", UBR: "6660"}}
			if i%40 == 0 {
				h.Status, h.Error = "unreachable", "no answer on port 445"
			}
			for j := range 30 {
				st := "installed"
				if (i+j+w)%23 == 0 {
					st = "missing"
				}
				r := history.ResultRecord{Kind: "patch", Bulletin: fmt.Sprintf("KB50%05d", j), KB: fmt.Sprintf("KB50%05d", j),
					Product: "Windows Server 2019", Title: fmt.Sprintf("Cumulative Update %d for Windows Server 2019", j),
					Severity: "Critical", Status: st, Released: "2026-01-13", CVEs: []string{fmt.Sprintf("CVE-2026-%05d", j)}}
				if st == "missing" {
					r.Due, r.Overdue = time.Date(2026, 1, 14, 0, 0, 0, 0, time.UTC), true
					h.CVEs = append(h.CVEs, history.CVERecord{CVE: r.CVEs[0], Severity: "Critical", FixedBy: []string{r.KB}})
				}
				h.Results = append(h.Results, r)
			}
			for j := range 20 {
				h.Checks = append(h.Checks, history.CheckRecord{ID: fmt.Sprintf("check-%02d", j), Status: "pass", Reason: fmt.Sprintf("host %d", i)})
			}
			hosts = append(hosts, h)
		}
		if err := rec.Add(ctx, hosts); err != nil {
			tb.Fatal(err)
		}
		if err := rec.Finish(ctx, history.RunComplete); err != nil {
			tb.Fatal(err)
		}
	}
	return s
}

type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// BenchmarkReport10k: `report html` over a store of 4 weekly runs of
// 10,000 hosts: reading the store and writing the page (budget: under 3 s
// and under 5 MB).
func BenchmarkReport10k(b *testing.B) {
	s := benchStore(b, 10_000, 4)
	defer s.Close()
	b.ResetTimer()
	var size int64
	c0 := cpuTime()
	for i := 0; i < b.N; i++ {
		in, err := Load(context.Background(), s, history.RunFilter{}, 0)
		if err != nil {
			b.Fatal(err)
		}
		w := &countingWriter{}
		if err := Write(io.Writer(w), in); err != nil {
			b.Fatal(err)
		}
		size = w.n
	}
	b.ReportMetric(float64((cpuTime()-c0).Milliseconds())/float64(b.N), "cpu-ms/op")
	b.ReportMetric(float64(size)/1e6, "MB")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
