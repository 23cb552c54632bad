package history

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// TestShardsFormOneRun records two shards of a labelled run, then a retry
// of shard 1 that scans one host again: the run counts each host once, by
// its newest scan, and the older scan is marked replaced.
func TestShardsFormOneRun(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			s, _ := b.open(t)
			info := RunInfo{Label: "weekly-W48", ShardCount: 2, Started: t0}
			info.ShardIndex = 0
			record(t, s, info, host("a", "", t0, "MS17-010/KB4012212=missing"), host("b", "", t0))
			info.ShardIndex = 1
			record(t, s, info, host("c", "", t0, "MS17-010/KB4012212=missing"), host("d", "", t0))
			// The retried shard 1 finds c fixed.
			record(t, s, info, host("c", "", t0.Add(time.Hour), "MS17-010/KB4012212=installed"))

			rs := runs(t, s, RunFilter{})
			if len(rs) != 1 {
				t.Fatalf("%d logical runs, want 1", len(rs))
			}
			r := rs[0]
			if r.Hosts != 4 || r.Missing != 1 || r.Compliant != 3 || len(r.IDs) != 3 || len(r.MissingShards()) != 0 {
				t.Errorf("run %+v: want 4 hosts, 1 missing, 3 compliant, 3 invocations, no missing shard", r)
			}
			sn, err := s.Snapshot(context.Background(), r, true)
			if err != nil {
				t.Fatal(err)
			}
			if len(sn.Hosts) != 4 {
				t.Fatalf("%d hosts in the snapshot, want 4", len(sn.Hosts))
			}
			if c := sn.Host("c:c"); c.Results[0].Status != "installed" {
				t.Errorf("host c: %+v, want the retry's installed", c.Results)
			}
			var replaced int
			if err := s.db.QueryRow(`SELECT COUNT(*) FROM host_scans WHERE replaced = TRUE`).Scan(&replaced); err != nil || replaced != 1 {
				t.Errorf("%d replaced host scans (%v), want 1", replaced, err)
			}
		})
	}
}

func TestMissingShards(t *testing.T) {
	r := Run{ShardCount: 4, Shards: []int{0, 1, 3}}
	if got := r.MissingShards(); len(got) != 1 || got[0] != 2 {
		t.Errorf("missing shards %v, want [2]", got)
	}
	if got := (Run{ShardCount: 1, Shards: []int{0}}).MissingShards(); got != nil {
		t.Errorf("unsharded run: missing %v", got)
	}
}

// TestHostileStrings records strings no store should choke on: NUL (which
// PostgreSQL text cannot hold), invalid UTF-8, markup, bidi controls and
// megabytes; they come back valid and bounded.
func TestHostileStrings(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			s, _ := b.open(t)
			evil := "<script>alert(1)</script>\"'\x00\xff\xfe\u202egnp.exe"
			h := host(evil, "127.0.0.9", t0, "MS\x0017-010/KB\xff=missing")
			h.Error = strings.Repeat("é", 1<<20)
			h.Domain = strings.Repeat("\x00", 300)
			h.Results[0].Title = strings.Repeat("x", 1<<20)
			record(t, s, RunInfo{Started: t0, Scanner: evil, CatalogVersion: strings.Repeat("v", 5000)}, h)
			sn, err := s.Snapshot(context.Background(), runs(t, s, RunFilter{})[0], true)
			if err != nil {
				t.Fatal(err)
			}
			got := sn.Hosts[0]
			for name, v := range map[string]string{"name": got.Name, "error": got.Error, "domain": got.Domain,
				"bulletin": got.Results[0].Bulletin, "kb": got.Results[0].KB, "title": got.Results[0].Title} {
				if !utf8.ValidString(v) || strings.ContainsRune(v, 0) || len(v) > maxText {
					t.Errorf("%s came back unsafe or unbounded (%d bytes)", name, len(v))
				}
			}
			if !strings.HasPrefix(got.Name, "<script>alert(1)</script>\"'") || !strings.Contains(got.Name, "\u202e") {
				t.Errorf("name %q lost its printable content (escaping is the writers' job)", got.Name)
			}
			if !strings.HasSuffix(got.Error, truncMark) {
				t.Error("a megabyte error is not marked as cut")
			}
		})
	}
}

// TestHostileSQLiteStore reads stores patchscan did not write: a file that
// is not a database, and a database with values no patchscan writes. Each
// gives a clear error, never a panic.
func TestHostileSQLiteStore(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.db")
	if err := os.WriteFile(junk, []byte(strings.Repeat("not a database\n", 1000)), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(context.Background(), junk, Options{})
	if err == nil || !strings.Contains(err.Error(), "not a patchscan store or is damaged") || !strings.Contains(err.Error(), junk) {
		t.Errorf("junk file: %v", err)
	}

	for _, tt := range []struct {
		name, sql, want string
	}{
		{"run status", `UPDATE runs SET status = 'pwned'`, `status "pwned" is not one patchscan writes`},
		{"shard", `UPDATE runs SET shard_index = 7`, "shard 7/1"},
		{"host status", `UPDATE host_scans SET status = '<b>'`, `status "<b>" is not one patchscan writes`},
		{"time", `UPDATE host_scans SET started = 'yesterday'`, `"yesterday" is not a time`},
		{"far time", `UPDATE runs SET started = '99999-01-01 00:00:00+00:00'`, "is not a time"},
		{"result status", `UPDATE results SET status = 'fine'`, `result status "fine"`},
		{"dangling update", `PRAGMA foreign_keys = OFF; DELETE FROM updates`, "names update"},
		{"check status", `INSERT INTO config_checks (result_set_id, check_id, status) SELECT id, 'x', 'bad' FROM result_sets`, `config check status "bad"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, path := openSQLiteTest(t)
			record(t, s, RunInfo{Started: t0}, host("ws01", "", t0, "MS17-010/KB4012212=missing"))
			s.Close()
			raw, err := sql.Open("sqlite", path)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := raw.Exec(tt.sql); err != nil {
				t.Fatal(err)
			}
			raw.Close()
			s, err = Open(context.Background(), path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			rs, err := s.Runs(context.Background(), RunFilter{})
			if err == nil {
				_, err = s.Snapshot(context.Background(), rs[0], true)
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), path) {
				t.Errorf("error %v, want it to name the store and say %q", err, tt.want)
			}
		})
	}
}

// TestLockedSQLite: another writer holds the file longer than the busy
// timeout; recording fails with a StoreError that says the store is locked.
func TestLockedSQLite(t *testing.T) {
	path, _, rec := startSQLiteRun(t, 200*time.Millisecond)
	other, err := sql.Open("sqlite", "file:"+path+"?_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	tx, err := other.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	start := time.Now()
	err = rec.Add(context.Background(), []HostRecord{host("ws01", "", t0)})
	var se *StoreError
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "the store is locked") {
		t.Fatalf("recording into a locked store: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("gave up after %v; the busy timeout is 200ms", d)
	}
}

// TestFullSQLite: the store cannot grow (max_page_count stands in for a
// full disk: SQLite answers SQLITE_FULL either way).
func TestFullSQLite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.db")
	s, err := Open(context.Background(), "file:"+path+"?_pragma=max_page_count(40)", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var hosts []HostRecord
	for i := range 2000 {
		hosts = append(hosts, host("host"+itoa64(int64(i)), "", t0, "MS17-010/KB4012212=missing", "MS08-067/KB958644=installed"))
	}
	rec, err := s.StartRun(context.Background(), RunInfo{Started: t0})
	if err != nil {
		t.Fatal(err)
	}
	err = rec.Add(context.Background(), hosts)
	if err == nil || !strings.Contains(err.Error(), "the store is full") {
		t.Fatalf("recording into a full store: %v", err)
	}
	// The run's end is recorded as failed (or not at all on a full store);
	// either way the run's connection is released.
	_ = rec.Finish(context.Background(), RunFailed)
	// All or nothing: the failed batch left no host behind.
	if rs := runs(t, s, RunFilter{}); rs[0].Hosts != 0 {
		t.Errorf("%d hosts recorded by a failed batch", rs[0].Hosts)
	}
}

// TestUnreachablePostgres: nothing listens; Open fails fast, says the
// server is unreachable, and never shows the password.
func TestUnreachablePostgres(t *testing.T) {
	start := time.Now()
	_, err := Open(context.Background(), "postgres://scanner:S3cret-pw@127.0.0.1:1/patchscan?sslmode=disable", Options{ConnectTimeout: 2 * time.Second})
	var se *StoreError
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "unreachable") {
		t.Fatalf("unreachable server: %v", err)
	}
	if strings.Contains(err.Error(), "S3cret-pw") {
		t.Errorf("the error shows the password: %v", err)
	}
	if !strings.Contains(err.Error(), "postgres://scanner@127.0.0.1:1/patchscan") {
		t.Errorf("the error does not name the store: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
}

func TestCheckDSN(t *testing.T) {
	for dsn, want := range map[string]string{
		"":                            "--db is empty",
		"postgres://u:pw@/db":         "no host",
		"postgres://u:pw@h:99999x/db": "not a valid postgres:// URL",
		"/var/lib/patchscan/h.db":     "",
		"postgresql://u@h/db":         "",
	} {
		err := CheckDSN(dsn)
		if (want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), want) {
			t.Errorf("CheckDSN(%q) = %v, want %q", dsn, err, want)
		}
		if err != nil && strings.Contains(err.Error(), "pw") {
			t.Errorf("CheckDSN(%q) shows the password: %v", dsn, err)
		}
	}
}

// TestPostgresWrongPassword: a refused login is a StoreError with the
// hint to check PGPASSWORD.
func TestPostgresWrongPassword(t *testing.T) {
	srv := pgServer(t)
	if srv == nil {
		t.Skip("no PostgreSQL")
	}
	// The server lives as long as the test process: a name of its own
	// per run, or -count=2 finds the database there already.
	dsn, err := srv.CreateDB("wrongpw_" + itoa64(dbSeq.Add(1)))
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("PGPASSWORD", "not-the-password")
	_, err = Open(context.Background(), dsn, Options{})
	if err == nil || !strings.Contains(err.Error(), "refused the login") {
		t.Errorf("wrong password: %v", err)
	}
}

// TestSinkLosesNothingSilently: the store fails in the middle of a run;
// the sink keeps accepting hosts (the scan goes on), and Close says how
// many were lost.
func TestSinkLosesNothingSilently(t *testing.T) {
	path, s, rec := startSQLiteRun(t, 100*time.Millisecond)
	sink := NewRecordSink(rec)
	for i := range 3 {
		if err := sink.Add(host("ok"+itoa64(int64(i)), "", t0)); err != nil {
			t.Fatal(err)
		}
	}
	// Wait for the first batch (batchWait), then lock the store.
	deadline := time.Now().Add(10 * time.Second)
	for rec.Hosts() < 3 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if rec.Hosts() != 3 {
		t.Fatalf("%d hosts recorded before the lock, want 3", rec.Hosts())
	}
	other, _ := sql.Open("sqlite", "file:"+path+"?_txlock=immediate")
	defer other.Close()
	tx, err := other.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if err := sink.Add(host("late"+itoa64(int64(i)), "", t0)); err != nil {
			t.Fatalf("Add after a store failure: %v (the scan must go on)", err)
		}
	}
	// The next batch fails on the lock; then the lock goes, so the run's
	// end (failed) is recorded.
	for !sink.failed() && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	tx.Rollback()
	err = sink.Close()
	var lost *LostError
	if !errors.As(err, &lost) || lost.Lost != 5 || lost.Recorded != 3 {
		t.Fatalf("Close: %v, want 5 lost and 3 recorded", err)
	}
	if !strings.Contains(err.Error(), "5 host(s) of run") || !strings.Contains(err.Error(), "the report files hold them all") {
		t.Errorf("error text: %v", err)
	}
	rs := runs(t, s, RunFilter{})
	if rs[0].Hosts != 3 || rs[0].Status != RunFailed {
		t.Errorf("run after the failure: %d hosts, status %s; want 3, failed", rs[0].Hosts, rs[0].Status)
	}
}

func TestStoreFilePrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "dir", "history.db")
	s, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	record(t, s, RunInfo{Started: t0}, host("ws01", "", t0))
	s.Close()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("store file mode %v, want 0600", st.Mode().Perm())
	}
	dst, _ := os.Stat(filepath.Dir(path))
	if dst.Mode().Perm() != 0o700 {
		t.Errorf("store directory mode %v, want 0700", dst.Mode().Perm())
	}
}

// startSQLiteRun opens a store in a new SQLite file with the given busy
// timeout and starts a run in it; the store closes with the test.
func startSQLiteRun(t *testing.T, busy time.Duration) (string, *Store, *Recorder) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "h.db")
	s, err := Open(context.Background(), path, Options{BusyTimeout: busy})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	rec, err := s.StartRun(context.Background(), RunInfo{Started: t0})
	if err != nil {
		t.Fatal(err)
	}
	return path, s, rec
}
