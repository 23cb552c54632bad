package history

import (
	"context"
	"fmt"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// Generated fleet for the benchmarks (issue 15's figures are for 10,000
// host results per run): every host has benchResults stored results (a
// monthly-catalog's worth of installed, superseded and missing patches),
// benchChecks configuration checks (issue 16) and a few open CVEs; 3% of
// hosts are unreachable.
const (
	benchHosts   = 10_000
	benchResults = 30
)

// benchChecks is a variable so a benchmark can leave checks out (a
// patches-only scan, --checks patches).
var benchChecks = 20

// genFleet builds a run's hosts; hosts whose index is a multiple of
// changeEvery (when > 0) get one result flipped, so a diff between
// genFleet(0) and genFleet(n) has hosts/n changes.
func genFleet(at time.Time, changeEvery int) []HostRecord {
	return genHosts(benchHosts, at, changeEvery)
}

func genHosts(n int, at time.Time, changeEvery int) []HostRecord {
	hosts := make([]HostRecord, n)
	for i := range hosts {
		h := &hosts[i]
		h.Name = fmt.Sprintf("ws%05d.corp.example", i)
		h.Address = fmt.Sprintf("10.%d.%d.%d", i>>16, (i>>8)&255, i&255)
		h.Target, h.Domain, h.Transport = h.Address, "CORP", "smb"
		h.Started, h.Finished = at, at.Add(2*time.Second)
		if i%33 == 0 {
			h.Status, h.Error = "unreachable", "no answer on port 445 within 1s"
			continue
		}
		h.Status = "scanned"
		h.OS = OSInfo{Product: "Windows Server 2019 Datacenter", Version: "6.3", Build: "17763", UBR: "6660"}
		for j := range benchResults {
			st := "installed"
			switch {
			case j%10 == 3:
				st = "superseded"
			case (i+j)%17 == 0:
				st = "missing"
			}
			if changeEvery > 0 && i%changeEvery == 0 && j == 5 {
				st = "missing"
			}
			r := ResultRecord{Kind: "patch", Bulletin: fmt.Sprintf("KB50%05d", j), KB: fmt.Sprintf("KB50%05d", j),
				Product: "Windows Server 2019", Title: fmt.Sprintf("%d-%02d Cumulative Update for Windows Server 2019", 2024+j/12, 1+j%12),
				Severity: []string{"Critical", "Important", "Moderate", "Low"}[j%4], Status: st, Released: "2024-01-09",
				CVEs: []string{fmt.Sprintf("CVE-2024-%05d", j*3), fmt.Sprintf("CVE-2024-%05d", j*3+1)}}
			if st == "missing" {
				r.Due, r.Overdue = day("2024-02-09"), true
				h.CVEs = append(h.CVEs, CVERecord{CVE: r.CVEs[0], Severity: r.Severity, FixedBy: []string{r.KB}})
			}
			h.Results = append(h.Results, r)
		}
		for j := range benchChecks {
			h.Checks = append(h.Checks, CheckRecord{ID: fmt.Sprintf("check-%02d", j), Status: []string{"pass", "pass", "fail", "warning"}[(i+j)%4], Severity: "Important"})
		}
		// As admin-count names a host's own administrators, one reason is
		// the host's own: every host has a result set of its own, the
		// worst case for recording (no two hosts share a set). Without
		// checks, a missing result's superseding note plays that part.
		if len(h.Checks) > 0 {
			h.Checks[0].Reason = fmt.Sprintf("3 members of Administrators: WS%05d\\Administrator, CORP\\Domain Admins, CORP\\helpdesk", i)
		} else {
			h.Results[0].SupersededBy = fmt.Sprintf("host %d", i)
		}
	}
	return hosts
}

// recordFleet records hosts as a scan does: through the sink, in batches.
func recordFleet(tb testing.TB, s *Store, info RunInfo, hosts []HostRecord) {
	rec, err := s.StartRun(context.Background(), info)
	if err != nil {
		tb.Fatal(err)
	}
	sink := NewRecordSink(rec)
	for _, h := range hosts {
		if err := sink.Add(h); err != nil {
			tb.Fatal(err)
		}
	}
	if err := sink.Close(); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkRecordRun10k: recording one run of 10,000 hosts in SQLite
// (budget: under 2 s). first: into an empty store, every result set new;
// weekly: the next run, 1 host in 20 changed, the other sets reused.
func BenchmarkRecordRun10k(b *testing.B) {
	base := genFleet(t0, 0)
	next := genFleet(t0.Add(time.Hour), 20)
	benchChecks = 0
	patchesOnly := genFleet(t0, 0)
	benchChecks = 20
	for _, tt := range []struct {
		name  string
		prior []HostRecord
		fleet []HostRecord
	}{{"first", nil, base}, {"weekly", base, next}, {"first-patches-only", nil, patchesOnly}} {
		b.Run(tt.name, func(b *testing.B) {
			var cpu time.Duration
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				path := filepath.Join(b.TempDir(), "h.db")
				s, err := Open(context.Background(), path, Options{})
				if err != nil {
					b.Fatal(err)
				}
				if tt.prior != nil {
					recordFleet(b, s, RunInfo{Started: t0}, tt.prior)
				}
				c0 := cpuTime()
				b.StartTimer()
				recordFleet(b, s, RunInfo{Started: t0.Add(time.Hour)}, tt.fleet)
				b.StopTimer()
				cpu += cpuTime() - c0
				s.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/op")
		})
	}
}

// BenchmarkDiff10k: diff between two runs of 10,000 hosts where 1 host in
// changeEvery changed (budget: under 1 s); every=1 is the worst case,
// every host changed.
//
// With checks, hosts share result sets (the results follow 17 patterns;
// each host's check set is its own): changed=1in1 then compares each host's
// check sets, equal, and a few dozen result sets. patches-only is the worst
// case for diff: no checks, every host's result set its own in both runs,
// so every host's results are read and compared.
func BenchmarkDiff10k(b *testing.B) {
	for _, tt := range []struct {
		every  int
		checks int
		suffix string
	}{{20, 20, ""}, {1, 20, ""}, {1, 0, "-patches-only"}} {
		b.Run(fmt.Sprintf("changed=1in%d%s", tt.every, tt.suffix), func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "h.db")
			s, err := Open(context.Background(), path, Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			benchChecks = tt.checks
			defer func() { benchChecks = 20 }()
			recordFleet(b, s, RunInfo{Started: t0}, genFleet(t0, 0))
			recordFleet(b, s, RunInfo{Started: t0.Add(time.Hour)}, genFleet(t0.Add(time.Hour), tt.every))
			b.ResetTimer()
			var n int
			c0 := cpuTime()
			for i := 0; i < b.N; i++ {
				rs, err := s.Runs(context.Background(), RunFilter{})
				if err != nil {
					b.Fatal(err)
				}
				changes, err := s.Diff(context.Background(), rs[1], rs[0])
				if err != nil {
					b.Fatal(err)
				}
				n = len(changes)
			}
			b.ReportMetric(float64((cpuTime()-c0).Milliseconds())/float64(b.N), "cpu-ms/op")
			b.ReportMetric(float64(n), "changes")
		})
	}
}

// TestBenchFleetDiffCounts keeps the benchmark honest: the generated
// change shows up as exactly one change per changed host.
func TestBenchFleetDiffCounts(t *testing.T) {
	const n = 2000 // the benchmark's fleet, smaller: this runs under -race
	s, _ := openSQLiteTest(t)
	recordFleet(t, s, RunInfo{Started: t0}, genHosts(n, t0, 0))
	recordFleet(t, s, RunInfo{Started: t0.Add(time.Hour)}, genHosts(n, t0.Add(time.Hour), 20))
	rs := runs(t, s, RunFilter{})
	changes, err := s.Diff(context.Background(), rs[1], rs[0])
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for i := 0; i < n; i += 20 {
		if i%33 != 0 && (i+5)%17 != 0 {
			want++
		}
	}
	if len(changes) != want {
		t.Errorf("%d changes, want %d", len(changes), want)
	}
	for _, c := range changes {
		if c.Kind != ChangeMissing || c.KB != "KB5000005" {
			t.Fatalf("unexpected change %s", brief(c))
		}
	}
	if rs[0].Hosts != n {
		t.Errorf("%d hosts recorded, want %d", rs[0].Hosts, n)
	}
}

// cpuTime is the process's user+system CPU time: on a shared 2-core
// machine it says more about the code than wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
