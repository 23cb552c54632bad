package history

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/patchscan/patchscan/internal/pglab"
)

// backend opens fresh stores of one kind for a test.
type backend struct {
	name string
	open func(t testing.TB) (*Store, string)
}

// backends returns SQLite and, when the PostgreSQL lab can start (it must
// under CI=true), PostgreSQL.
func backends(t *testing.T) []backend {
	out := []backend{{"sqlite", openSQLiteTest}}
	srv := pgServer(t)
	if srv != nil {
		out = append(out, backend{"postgres", func(t testing.TB) (*Store, string) { return openPGTest(t, srv) }})
	}
	return out
}

var pgSingleton struct {
	srv *pglab.Server
	err error
}

// pgServer starts one PostgreSQL server for the package's tests (cleaned
// up in TestMain) and a fresh database per test.
func pgServer(t *testing.T) *pglab.Server {
	t.Helper()
	if pgSingleton.srv == nil && pgSingleton.err == nil {
		pgSingleton.srv, pgSingleton.err = pglab.Run(pgDir)
	}
	if pgSingleton.err != nil {
		if isCI() {
			t.Fatalf("postgresql lab: %v", pgSingleton.err)
		}
		t.Logf("PostgreSQL part skipped (set CI=true to make this fatal): %v", pgSingleton.err)
		return nil
	}
	return pgSingleton.srv
}

var dbSeq atomic.Int64

func openSQLiteTest(t testing.TB) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "history.db")
	s, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func openPGTest(t testing.TB, srv *pglab.Server) (*Store, string) {
	t.Helper()
	dsn, err := srv.CreateDB(fmt.Sprintf("t%d_%d", time.Now().UnixNano()%1e9, dbSeq.Add(1)))
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("PGPASSWORD", srv.Password)
	s, err := Open(context.Background(), dsn, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, dsn
}

var t0 = time.Date(2026, 11, 2, 3, 0, 0, 0, time.UTC)

func day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

// host builds a scanned host record; results are "BULLETIN/KB=status".
func host(name, addr string, at time.Time, results ...string) HostRecord {
	h := HostRecord{Name: name, ComputerName: name, Address: addr, Target: addr, Transport: "smb", Status: "scanned",
		Started: at, Finished: at.Add(3 * time.Second), OS: OSInfo{Product: "Windows Server 2008 R2", Version: "6.1"}}
	for _, r := range results {
		id, st, _ := strings.Cut(r, "=")
		b, kb, _ := strings.Cut(id, "/")
		rr := ResultRecord{Kind: "patch", Bulletin: b, KB: kb, Title: "Title of " + b, Severity: "Critical", Status: st, Released: "2017-03-14", CVEs: []string{"CVE-2017-0144"}}
		if st == "missing" {
			rr.Due = day("2017-03-15")
			rr.Overdue = true
		}
		h.Results = append(h.Results, rr)
	}
	return h
}

func unreachable(name, addr string, at time.Time) HostRecord {
	return HostRecord{Name: name, Address: addr, Target: addr, Status: "unreachable", Error: "no answer on port 445",
		Started: at, Finished: at.Add(time.Second)}
}

// record records one complete run of hosts and returns its id.
func record(t testing.TB, s *Store, info RunInfo, hosts ...HostRecord) int64 {
	t.Helper()
	ctx := context.Background()
	rec, err := s.StartRun(ctx, info)
	if err != nil {
		t.Fatal(err)
	}
	if err := rec.Add(ctx, hosts); err != nil {
		t.Fatal(err)
	}
	if err := rec.Finish(ctx, RunComplete); err != nil {
		t.Fatal(err)
	}
	return rec.ID()
}

func runs(t testing.TB, s *Store, f RunFilter) []Run {
	t.Helper()
	rs, err := s.Runs(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}
