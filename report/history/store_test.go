package history

import (
	"context"
	"errors"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

var pgDir string

func isCI() bool { return os.Getenv("CI") == "true" }

// TestMain shares one PostgreSQL server between the package's tests; each
// test gets its own database.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "history-pg-")
	if err != nil {
		panic(err)
	}
	pgDir = dir
	code := m.Run()
	if pgSingleton.srv != nil {
		if err := pgSingleton.srv.Stop(); err != nil {
			println("stopping postgresql:", err.Error())
			code = 1
		}
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

func TestRecordAndReadBack(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			s, _ := b.open(t)
			ws := host("WS01", "127.0.0.21", t0, "MS17-010/KB4012212=missing", "MS08-067/KB958644=installed",
				"MS09-050/KB975517=not-applicable", "MS10-061/KB2347290=warning")
			ws.Domain = "LAB"
			ws.Results[0].SupersededBy = ""
			srv := host("srv02", "127.0.0.22", t0, "MS17-010/KB4012212=superseded")
			srv.Results[0].SupersededBy = "MS17-012 KB4013389"
			down := unreachable("ws03", "127.0.0.23", t0)
			id := record(t, s, RunInfo{ToolVersion: "patchscan test", CatalogVersion: "2026.11", Scanner: "scanner1",
				Deadlines: "critical=1d", Planned: 3, Started: t0}, ws, srv, down)

			rs := runs(t, s, RunFilter{})
			if len(rs) != 1 {
				t.Fatalf("%d runs, want 1", len(rs))
			}
			r := rs[0]
			want := Run{Ref: itoa64(id), IDs: []int64{id}, Status: RunComplete, ShardCount: 1, Shards: []int{0},
				Scanners: []string{"scanner1"}, Catalogs: []string{"2026.11"}, Source: "scan", Planned: 3, Deadlines: "critical=1d",
				Hosts: 3, Scanned: 2, Compliant: 1, Missing: 1, Overdue: 1}
			r.Started, r.Finished = time.Time{}, time.Time{}
			if !reflect.DeepEqual(r, want) {
				t.Errorf("run\n got %+v\nwant %+v", r, want)
			}
			if !rs[0].Started.Equal(t0) || rs[0].Finished.IsZero() {
				t.Errorf("run started %v finished %v, want %v and a time", rs[0].Started, rs[0].Finished, t0)
			}

			sn, err := s.Snapshot(context.Background(), rs[0], true)
			if err != nil {
				t.Fatal(err)
			}
			if len(sn.Hosts) != 3 {
				t.Fatalf("%d hosts, want 3", len(sn.Hosts))
			}
			got := sn.Host("c:ws01")
			if got == nil {
				t.Fatal("no host n:ws01")
			}
			if got.Name != "WS01" || got.Domain != "LAB" || got.Address != "127.0.0.21" || got.OS.Product != "Windows Server 2008 R2" || !got.Started.Equal(t0) {
				t.Errorf("host read back as %+v", got.HostRecord)
			}
			wantCounts := Counts{Set: true, Missing: 1, Overdue: 1, Warning: 1, Installed: 1, NotApplicable: 1}
			if got.Counts != wantCounts {
				t.Errorf("counts %+v, want %+v", got.Counts, wantCounts)
			}
			// not-applicable is not stored; the rest come back with their update's data.
			statuses := map[string]ResultRecord{}
			for _, r := range got.Results {
				statuses[r.KB] = r
			}
			if len(statuses) != 3 || statuses["KB958644"].Status != "installed" || statuses["KB2347290"].Status != "warning" {
				t.Errorf("results %+v", got.Results)
			}
			m := statuses["KB4012212"]
			if m.Status != "missing" || !m.Due.Equal(day("2017-03-15")) || !m.Overdue || m.Title != "Title of MS17-010" ||
				m.Severity != "Critical" || m.Released != "2017-03-14" || !reflect.DeepEqual(m.CVEs, []string{"CVE-2017-0144"}) {
				t.Errorf("missing result read back as %+v", m)
			}
			if w := statuses["KB2347290"]; !w.Due.IsZero() || w.Overdue {
				t.Errorf("a warning has a due date: %+v", w)
			}
			if sp := sn.Host("c:srv02"); sp.Results[0].SupersededBy != "MS17-012 KB4013389" {
				t.Errorf("superseded by %q", sp.Results[0].SupersededBy)
			}
			if d := sn.Host("a:127.0.0.23"); d == nil || d.Status != "unreachable" || d.Error != "no answer on port 445" || len(d.Results) != 0 {
				t.Errorf("unreachable host read back as %+v", d.HostRecord)
			}
		})
	}
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

func TestChecksAndCVEsRoundTrip(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			s, _ := b.open(t)
			h := host("ws01", "127.0.0.21", t0, "KB5075904/KB5075904=missing")
			h.Checks = []CheckRecord{{ID: "smb1", Status: "fail", Severity: "Important", Reason: "SMB1 server is on"},
				{ID: "autologon", Status: "pass"}, {ID: "bogus", Status: "maybe"}, {ID: "smb1", Status: "pass"}}
			h.CVEs = []CVERecord{{CVE: "CVE-2026-21510", Severity: "Important", Exploited: true, FixedBy: []string{"KB5075904", "KB5075999"}}}
			record(t, s, RunInfo{Started: t0}, h)
			sn, err := s.Snapshot(context.Background(), runs(t, s, RunFilter{})[0], true)
			if err != nil {
				t.Fatal(err)
			}
			got := sn.Hosts[0]
			// Unknown statuses and duplicate ids are dropped; checks sorted by id.
			wantChecks := []CheckRecord{{ID: "autologon", Status: "pass"}, {ID: "smb1", Status: "fail", Severity: "Important", Reason: "SMB1 server is on"}}
			if !reflect.DeepEqual(got.Checks, wantChecks) {
				t.Errorf("checks %+v, want %+v", got.Checks, wantChecks)
			}
			if !reflect.DeepEqual(got.CVEs, h.CVEs) {
				t.Errorf("CVEs %+v, want %+v", got.CVEs, h.CVEs)
			}
			if got.Counts.ConfigFailed != 1 || got.Counts.OpenCVEs != 1 {
				t.Errorf("counts %+v, want 1 failed check and 1 open CVE", got.Counts)
			}
		})
	}
}

func TestMigrations(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			s, dsn := b.open(t)
			ctx := context.Background()
			v, err := s.Version(ctx)
			if err != nil || v != SchemaVersion() {
				t.Fatalf("version %d (%v), want %d", v, err, SchemaVersion())
			}
			record(t, s, RunInfo{Started: t0}, host("ws01", "127.0.0.21", t0))
			s.Close()
			// Opening again migrates nothing and keeps the data.
			s2, err := Open(ctx, dsn, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if n := len(runs(t, s2, RunFilter{})); n != 1 {
				t.Errorf("%d runs after reopening, want 1", n)
			}
			// A store from a newer patchscan is refused, saying so.
			if _, err := s2.db.Exec(s2.dialect.q(`INSERT INTO patchscan_schema (version, description, applied) VALUES (?, ?, ?)`), 99, "future", time.Now().UTC()); err != nil {
				t.Fatal(err)
			}
			s2.Close()
			_, err = Open(ctx, dsn, Options{})
			var se *StoreError
			if !errors.As(err, &se) || !strings.Contains(err.Error(), "version 99, newer than this patchscan knows") {
				t.Errorf("opening a newer store: %v", err)
			}
		})
	}
}

func TestFindRun(t *testing.T) {
	s, _ := openSQLiteTest(t)
	a := record(t, s, RunInfo{Started: t0}, host("ws01", "", t0))
	b1 := record(t, s, RunInfo{Label: "weekly-W46", ShardIndex: 0, ShardCount: 2, Started: t0.Add(7 * 24 * time.Hour)}, host("ws01", "", t0))
	b2 := record(t, s, RunInfo{Label: "weekly-W46", ShardIndex: 1, ShardCount: 2, Started: t0.Add(7*24*time.Hour + time.Minute)}, host("ws02", "", t0))
	rs := runs(t, s, RunFilter{})
	if len(rs) != 2 || rs[0].Ref != "weekly-W46" || rs[1].Ref != itoa64(a) {
		t.Fatalf("runs %+v", rs)
	}
	if rs[0].Hosts != 2 || !reflect.DeepEqual(rs[0].IDs, []int64{b1, b2}) || !reflect.DeepEqual(rs[0].Shards, []int{0, 1}) {
		t.Errorf("labelled run %+v", rs[0])
	}
	for ref, want := range map[string]string{itoa64(b2): "weekly-W46", "#" + itoa64(b1): "weekly-W46", "weekly-W46": "weekly-W46", itoa64(a): itoa64(a)} {
		r, err := FindRun(rs, ref)
		if err != nil || r.Ref != want {
			t.Errorf("FindRun(%q) = %q, %v; want %q", ref, r.Ref, err, want)
		}
	}
	for _, ref := range []string{"999", "weekly-W47"} {
		if _, err := FindRun(rs, ref); err == nil || !strings.Contains(err.Error(), "patchscan history lists them") {
			t.Errorf("FindRun(%q): %v", ref, err)
		}
	}
	if r, ok := RunBefore(rs, t0.Add(24*time.Hour)); !ok || r.Ref != itoa64(a) {
		t.Errorf("RunBefore a day after the first: %q %v", r.Ref, ok)
	}
	if _, ok := RunBefore(rs, t0); ok {
		t.Error("a run before the first one")
	}
	if got := runs(t, s, RunFilter{Label: "weekly-*"}); len(got) != 1 || got[0].Label != "weekly-W46" {
		t.Errorf("--label weekly-*: %+v", got)
	}
	if got := runs(t, s, RunFilter{Limit: 1}); len(got) != 1 || got[0].Ref != "weekly-W46" {
		t.Errorf("limit 1: %+v", got)
	}
	if _, err := s.Runs(context.Background(), RunFilter{Label: "[bad"}); err == nil {
		t.Error("a bad pattern is accepted")
	}
}

func TestValidLabel(t *testing.T) {
	for l, ok := range map[string]bool{"": true, "weekly-2026-W48": true, "patchscan-weekly-28912345": true, "site.a:b@c+d_e": true,
		"2026-11-28": false, "17": false, "-x": false, "a b": false, "a/b": false, strings.Repeat("a", 101): false, "<script>": false} {
		if err := ValidLabel(l); (err == nil) != ok {
			t.Errorf("ValidLabel(%q) = %v, want ok=%v", l, err, ok)
		}
	}
}
