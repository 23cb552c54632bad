package history

import (
	"context"
	"reflect"
	"testing"
	"time"
)

// TestChecksInTheirOwnSet: hosts of one patch level share their result
// set whatever their checks, and a change of a check alone shows in diff as
// exactly that change.
func TestChecksInTheirOwnSet(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			s, _ := b.open(t)
			t1 := t0.Add(24 * time.Hour)
			fleet := func(at time.Time, ws02Admins string) []HostRecord {
				a := host("ws01", "127.0.0.21", at, "MS17-010/KB4012212=missing", "MS08-067/KB958644=installed")
				a.Checks = []CheckRecord{{ID: "admin-count", Status: "pass", Reason: "WS01\\Administrator"}}
				c := host("ws02", "127.0.0.22", at, "MS17-010/KB4012212=missing", "MS08-067/KB958644=installed")
				c.Checks = []CheckRecord{{ID: "admin-count", Status: ws02Admins, Reason: "WS02\\Administrator"}}
				return []HostRecord{a, c}
			}
			record(t, s, RunInfo{Started: t0}, fleet(t0, "pass")...)
			record(t, s, RunInfo{Started: t1}, fleet(t1, "fail")...)
			rs := runs(t, s, RunFilter{})
			sn, err := s.Snapshot(context.Background(), rs[1], false)
			if err != nil {
				t.Fatal(err)
			}
			ws01, ws02 := sn.Hosts[0], sn.Hosts[1]
			if ws01.SetID == 0 || ws01.SetID != ws02.SetID || ws01.CheckSetID == ws02.CheckSetID || ws01.CheckSetID == 0 {
				t.Errorf("sets ws01 %d/%d, ws02 %d/%d: want one result set and two check sets",
					ws01.SetID, ws01.CheckSetID, ws02.SetID, ws02.CheckSetID)
			}
			changes, err := s.Diff(context.Background(), rs[1], rs[0])
			if err != nil {
				t.Fatal(err)
			}
			want := []string{"check ws02 check admin-count pass->fail"}
			if got := briefs(changes); !reflect.DeepEqual(got, want) {
				t.Errorf("changes %q, want %q", got, want)
			}
		})
	}
}

// TestUpgradeFromCombinedSets: a store written before schema version 3
// holds results and checks in one set; after the upgrade its runs read the
// same, and diff against a new run shows only what changed.
func TestUpgradeFromCombinedSets(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			all := migrations
			migrations = migrations[:2]
			s, dsn := b.open(t)
			migrations = all
			writeVersion2Run(t, s)
			s.Close()

			s, err := Open(context.Background(), dsn, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if v, err := s.Version(context.Background()); err != nil || v != SchemaVersion() {
				t.Fatalf("version %d (%v) after upgrade, want %d", v, err, SchemaVersion())
			}
			old, err := s.Snapshot(context.Background(), runs(t, s, RunFilter{})[0], true)
			if err != nil {
				t.Fatal(err)
			}
			h := old.Hosts[0]
			wantChecks := []CheckRecord{{ID: "smb1", Status: "fail", Severity: "Important", Reason: "SMB1 server is on"}}
			if len(h.Results) != 1 || h.Results[0].KB != "KB4012212" || h.Results[0].Status != "missing" || !reflect.DeepEqual(h.Checks, wantChecks) {
				t.Fatalf("version 2 host read back as results %+v, checks %+v", h.Results, h.Checks)
			}
			now := host("ws01", "127.0.0.21", t0.Add(24*time.Hour), "MS17-010/KB4012212=missing")
			now.Checks = []CheckRecord{{ID: "smb1", Status: "pass", Severity: "Important"}}
			record(t, s, RunInfo{Started: t0.Add(24 * time.Hour)}, now)
			rs := runs(t, s, RunFilter{})
			changes, err := s.Diff(context.Background(), rs[1], rs[0])
			if err != nil {
				t.Fatal(err)
			}
			want := []string{"check ws01 check smb1 fail->pass"}
			if got := briefs(changes); !reflect.DeepEqual(got, want) {
				t.Errorf("changes %q, want %q", got, want)
			}
		})
	}
}

// writeVersion2Run writes one run as schema version 2 did: host ws01, one
// missing result and one failed check, in one set.
func writeVersion2Run(t *testing.T, s *Store) {
	t.Helper()
	ctx := context.Background()
	q := func(query string, args ...any) int64 {
		t.Helper()
		var id int64
		if err := s.db.QueryRowContext(ctx, s.dialect.q(query+` RETURNING id`), args...).Scan(&id); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		return id
	}
	run := q(`INSERT INTO runs (status, started, finished) VALUES ('complete', ?, ?)`, t0, t0.Add(time.Minute))
	hostID := q(`INSERT INTO hosts (key, name, first_seen, last_seen) VALUES ('c:ws01', 'ws01', ?, ?)`, t0, t0)
	upd := q(`INSERT INTO updates (kind, bulletin, kb, product, severity) VALUES ('patch', 'MS17-010', 'KB4012212', '', 'Critical')`)
	r := []ResultRecord{{Kind: "patch", Bulletin: "MS17-010", KB: "KB4012212", Status: "missing"}}
	c := []CheckRecord{{ID: "smb1", Status: "fail", Severity: "Important", Reason: "SMB1 server is on"}}
	set := q(`INSERT INTO result_sets (digest, created) VALUES (?, ?)`, setDigest(r, c, nil), t0)
	if _, err := s.db.ExecContext(ctx, s.dialect.q(`INSERT INTO results (result_set_id, update_id, status) VALUES (?, ?, 'missing')`), set, upd); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.ExecContext(ctx, s.dialect.q(`INSERT INTO config_checks (result_set_id, check_id, status, severity, reason)
		VALUES (?, 'smb1', 'fail', 'Important', 'SMB1 server is on')`), set); err != nil {
		t.Fatal(err)
	}
	q(`INSERT INTO host_scans (run_id, host_id, result_set_id, name, address, target, status, started, finished, missing, config_failed, computer_name)
		VALUES (?, ?, ?, 'ws01', '127.0.0.21', '127.0.0.21', 'scanned', ?, ?, 1, 1, 'ws01')`, run, hostID, set, t0, t0.Add(3*time.Second))
}

func briefs(cs []Change) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = brief(c)
	}
	return out
}
