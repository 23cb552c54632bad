package history

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// rowsPerStatement is how many rows one INSERT carries. Full statements
// are prepared once per run and reused (parsing a long VALUES list costs
// more than running it); the last, shorter one of a batch is not cached.
const rowsPerStatement = 200

// stmtCache holds a run's full-size statements, prepared on the store
// before any transaction (database/sql reuses a statement in a transaction
// on the connection it was prepared on; with SQLite's one connection that
// is always the case, and preparing inside the transaction would wait for
// that connection forever).
type stmtCache struct {
	m map[string]*sql.Stmt
}

// prepare prepares the full-size form of every statement a run uses.
func prepareRun(ctx context.Context, db *sql.DB, d dialect, label string) (*stmtCache, error) {
	c := &stmtCache{m: map[string]*sql.Stmt{}}
	for _, q := range fullStatements(d, label) {
		st, err := db.PrepareContext(ctx, d.q(q))
		if err != nil {
			c.close()
			return nil, err
		}
		c.m[d.q(q)] = st
	}
	return c, nil
}

// get returns query for use in tx: the prepared statement when it is a
// full-size one, else one prepared for this use only (done closes it).
func (c *stmtCache) get(ctx context.Context, tx *sql.Tx, query string) (st *sql.Stmt, done func(), err error) {
	if base, ok := c.m[query]; ok {
		st = tx.StmtContext(ctx, base)
	} else if st, err = tx.PrepareContext(ctx, query); err != nil {
		return nil, nil, err
	}
	return st, func() { _ = st.Close() }, nil
}

func (c *stmtCache) close() {
	for k, st := range c.m {
		_ = st.Close()
		delete(c.m, k)
	}
}

// perStatement is how many rows of cols columns one statement carries.
func perStatement(d dialect, cols int) int { return max(1, min(rowsPerStatement, d.maxParams/cols)) }

// The statements of a run, for n rows.
func hostsQuery(n int) string {
	return `INSERT INTO hosts (key, name, first_seen, last_seen) VALUES ` + values(n, 4) + `
		ON CONFLICT (key) DO UPDATE SET
			name = CASE WHEN excluded.last_seen >= hosts.last_seen AND excluded.name <> '' THEN excluded.name ELSE hosts.name END,
			last_seen = CASE WHEN excluded.last_seen > hosts.last_seen THEN excluded.last_seen ELSE hosts.last_seen END,
			first_seen = CASE WHEN excluded.first_seen < hosts.first_seen THEN excluded.first_seen ELSE hosts.first_seen END
		RETURNING id, key`
}

func updatesQuery(n int) string {
	return `INSERT INTO updates (kind, bulletin, kb, product, title, severity, released, cves) VALUES ` + values(n, 8) + `
		ON CONFLICT (kind, bulletin, kb, product) DO UPDATE SET
			title = excluded.title, severity = excluded.severity, released = excluded.released, cves = excluded.cves
		RETURNING id, kind, bulletin, kb, product`
}

func findSetsQuery(n int) string {
	return `SELECT id, digest FROM result_sets WHERE digest IN ` + values(1, n)
}

func createSetsQuery(n int) string {
	return `INSERT INTO result_sets (digest, created) VALUES ` + values(n, 2) + ` ON CONFLICT (digest) DO NOTHING RETURNING id, digest`
}

const (
	resultsInsert = `INSERT INTO results (result_set_id, update_id, status, due, superseded_by) VALUES `
	checksInsert  = `INSERT INTO config_checks (result_set_id, check_id, status, severity, reason) VALUES `
	cvesInsert    = `INSERT INTO open_cves (result_set_id, cve, severity, exploited, fixed_by) VALUES `
	detailCols    = 5
	hostScanCols  = 28
)

func hostScansQuery(n int) string {
	return `INSERT INTO host_scans (run_id, host_id, result_set_id, name, address, target, domain, transport, status, error,
		os_product, os_version, os_build, os_ubr, started, finished,
		missing, overdue, warning, note, errors, superseded, installed, not_applicable,
		config_failed, open_cves, computer_name, check_set_id) VALUES ` + values(n, hostScanCols)
}

// replaceGroup is the condition naming the scans of a run's logical run.
func replaceGroup(label string) string {
	if label != "" {
		return `run_id IN (SELECT id FROM runs WHERE label = ?)`
	}
	return `run_id = ?`
}

func markReplacedQuery(label string, n int) string {
	group := replaceGroup(label)
	return `UPDATE host_scans SET replaced = TRUE
		WHERE replaced = FALSE AND ` + group + ` AND host_id IN ` + values(1, n) + `
		AND EXISTS (SELECT 1 FROM host_scans n WHERE n.host_id = host_scans.host_id AND n.` + group + `
			AND n.id <> host_scans.id
			AND (n.finished > host_scans.finished OR (n.finished = host_scans.finished AND n.id > host_scans.id)))`
}

func fullStatements(d dialect, label string) []string {
	return []string{
		hostsQuery(perStatement(d, 4)),
		updatesQuery(perStatement(d, 8)),
		findSetsQuery(perStatement(d, 1)),
		createSetsQuery(perStatement(d, 2)),
		resultsInsert + values(perStatement(d, detailCols), detailCols),
		checksInsert + values(perStatement(d, detailCols), detailCols),
		cvesInsert + values(perStatement(d, detailCols), detailCols),
		hostScansQuery(perStatement(d, hostScanCols)),
		markReplacedQuery(label, perStatement(d, 1)),
		aliasQuery(perStatement(d, 1)),
	}
}

// txWriter writes one batch of hosts inside a transaction.
type txWriter struct {
	ctx   context.Context
	tx    *sql.Tx
	d     dialect
	stmts *stmtCache
}

// each calls f for successive slices of n items, perStatement rows at a
// time.
func (w *txWriter) each(n, cols int, f func(lo, hi int) error) error {
	per := perStatement(w.d, cols)
	for lo := 0; lo < n; lo += per {
		if err := f(lo, min(n, lo+per)); err != nil {
			return err
		}
	}
	return nil
}

// query runs a multi-row statement that returns rows.
func (w *txWriter) query(q string, args []any, scan func(*sql.Rows) error) error {
	st, done, err := w.stmts.get(w.ctx, w.tx, w.d.q(q))
	if err != nil {
		return err
	}
	defer done()
	rows, err := st.QueryContext(w.ctx, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// exec runs a multi-row statement that returns nothing.
func (w *txWriter) exec(q string, args []any) error {
	st, done, err := w.stmts.get(w.ctx, w.tx, w.d.q(q))
	if err != nil {
		return err
	}
	defer done()
	_, err = st.ExecContext(w.ctx, args...)
	return err
}

// upsertHosts returns the id of every host key in recs. Keys are written
// in sorted order, so concurrent scanners lock rows in the same order.
func (w *txWriter) upsertHosts(recs []HostRecord) (map[string]int64, error) {
	latest := map[string]*HostRecord{}
	for i := range recs {
		h := &recs[i]
		if cur, ok := latest[h.Key()]; !ok || h.Finished.After(cur.Finished) {
			latest[h.Key()] = h
		}
	}
	keys := sortedKeys(latest)
	ids := make(map[string]int64, len(keys))
	err := w.each(len(keys), 4, func(lo, hi int) error {
		args := make([]any, 0, 4*(hi-lo))
		for _, k := range keys[lo:hi] {
			h := latest[k]
			args = append(args, bound(k, maxShort+2), h.Name, h.Finished, h.Finished)
		}
		q := hostsQuery(hi - lo)
		return w.query(q, args, func(rows *sql.Rows) error {
			var id int64
			var key string
			if err := rows.Scan(&id, &key); err != nil {
				return err
			}
			ids[key] = id
			return nil
		})
	})
	if err == nil && len(ids) != len(keys) {
		err = fmt.Errorf("%d of %d hosts came back", len(ids), len(keys))
	}
	return ids, err
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// upsertUpdates returns the id of every update the results name. Those
// known from earlier batches of this run (known) are not written again;
// the new ones go to learned.
func (w *txWriter) upsertUpdates(recs []HostRecord, known, learned map[updateKey]int64) (map[updateKey]int64, error) {
	todo := map[updateKey]*ResultRecord{}
	for i := range recs {
		for j := range recs[i].Results {
			r := &recs[i].Results[j]
			if _, ok := known[r.ukey()]; !ok {
				todo[r.ukey()] = r
			}
		}
	}
	rs := make([]*ResultRecord, 0, len(todo))
	for _, r := range todo {
		rs = append(rs, r)
	}
	// In key order, so concurrent scanners lock rows in the same order.
	slices.SortFunc(rs, compareKeys)
	err := w.each(len(rs), 8, func(lo, hi int) error {
		args := make([]any, 0, 8*(hi-lo))
		for _, r := range rs[lo:hi] {
			args = append(args, r.Kind, r.Bulletin, r.KB, r.Product, r.Title, r.Severity, r.Released, joinList(r.CVEs))
		}
		q := updatesQuery(hi - lo)
		return w.query(q, args, func(rows *sql.Rows) error {
			var id int64
			var r ResultRecord
			if err := rows.Scan(&id, &r.Kind, &r.Bulletin, &r.KB, &r.Product); err != nil {
				return err
			}
			learned[r.ukey()] = id
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	if len(learned) != len(rs) {
		return nil, fmt.Errorf("%d of %d updates came back", len(learned), len(rs))
	}
	all := make(map[updateKey]int64, len(known)+len(learned))
	for k, v := range known {
		all[k] = v
	}
	for k, v := range learned {
		all[k] = v
	}
	return all, nil
}

// insertHostScans inserts one row per record.
func (w *txWriter) insertHostScans(runID int64, recs []HostRecord, hostIDs map[string]int64, sets []hostSets) error {
	return w.each(len(recs), hostScanCols, func(lo, hi int) error {
		args := make([]any, 0, hostScanCols*(hi-lo))
		for i := lo; i < hi; i++ {
			h := &recs[i]
			var set, checkSet any
			if sets[i].results != 0 {
				set, checkSet = sets[i].results, sets[i].checks
			}
			c := h.Counts
			args = append(args, runID, hostIDs[h.Key()], set, h.Name, h.Address, h.Target, h.Domain, h.Transport, h.Status, h.Error,
				h.OS.Product, h.OS.Version, h.OS.Build, h.OS.UBR, h.Started, h.Finished,
				c.Missing, c.Overdue, c.Warning, c.Note, c.Error, c.Superseded, c.Installed, c.NotApplicable,
				c.ConfigFailed, c.OpenCVEs, h.ComputerName, checkSet)
		}
		q := hostScansQuery(hi - lo)
		return w.exec(q, args)
	})
}

// markReplaced flags every scan of these hosts in the same logical run that
// a newer scan (by finished time, then id) replaces. Readers take the
// newest scan anyway; the flag keeps SQL over the store simple.
func (w *txWriter) markReplaced(runID int64, label string, hostIDs map[string]int64) error {
	ids := make([]int64, 0, len(hostIDs))
	for _, id := range hostIDs {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	groupArg := any(runID)
	if label != "" {
		groupArg = label
	}
	return w.each(len(ids), 1, func(lo, hi int) error {
		args := []any{groupArg}
		for _, id := range ids[lo:hi] {
			args = append(args, id)
		}
		args = append(args, groupArg)
		q := markReplacedQuery(label, hi-lo)
		return w.exec(q, args)
	})
}

// resolveAliases gives every record that did not say its name, and was
// reached at an address, the key of the host last seen at that address
// (if any): one indexed query per batch. And a host first recorded by its
// address (it could not say its name) that now says it keeps its history:
// its key becomes the name.
func (w *txWriter) resolveAliases(recs []HostRecord) error {
	if err := w.adoptAddressHosts(recs); err != nil {
		return err
	}
	byAddr := map[string][]int{}
	for i := range recs {
		if recs[i].ComputerName == "" && recs[i].Address != "" {
			byAddr[recs[i].Address] = append(byAddr[recs[i].Address], i)
		}
	}
	addrs := sortedKeys(byAddr)
	return w.each(len(addrs), 1, func(lo, hi int) error {
		args := make([]any, 0, hi-lo)
		for _, a := range addrs[lo:hi] {
			args = append(args, a)
		}
		latest := map[string]time.Time{}
		return w.query(aliasQuery(hi-lo), args, func(rows *sql.Rows) error {
			var addr, key string
			var at time.Time
			if err := rows.Scan(&addr, &key, nullTime{&at}); err != nil {
				return err
			}
			if t, ok := latest[addr]; ok && !at.After(t) {
				return nil
			}
			latest[addr] = at
			for _, i := range byAddr[addr] {
				recs[i].alias = bound(key, maxShort+2)
			}
			return nil
		})
	})
}

// aliasQuery finds, for n addresses, the hosts scanned at them.
func aliasQuery(n int) string {
	return `SELECT hs.address, h.key, MAX(hs.finished) FROM host_scans hs JOIN hosts h ON h.id = hs.host_id
		WHERE hs.address IN ` + values(1, n) + ` GROUP BY hs.address, h.key`
}

// adoptAddressHosts renames "a:ADDRESS" hosts to "c:NAME" for records that
// now say their name, unless a host of that name exists already.
func (w *txWriter) adoptAddressHosts(recs []HostRecord) error {
	named := map[string]string{} // a: key -> c: key
	for i := range recs {
		if recs[i].ComputerName != "" && recs[i].Address != "" {
			named["a:"+strings.ToLower(recs[i].Address)] = recs[i].Key()
		}
	}
	keys := sortedKeys(named)
	var found []string
	err := w.each(len(keys), 1, func(lo, hi int) error {
		args := make([]any, 0, hi-lo)
		for _, k := range keys[lo:hi] {
			args = append(args, k)
		}
		return w.query(`SELECT key FROM hosts WHERE key IN `+values(1, hi-lo), args, func(rows *sql.Rows) error {
			var k string
			if err := rows.Scan(&k); err != nil {
				return err
			}
			found = append(found, k)
			return nil
		})
	})
	if err != nil {
		return err
	}
	sort.Strings(found)
	for _, old := range found {
		if _, err := w.tx.ExecContext(w.ctx, w.d.q(`UPDATE hosts SET key = ? WHERE key = ? AND NOT EXISTS (SELECT 1 FROM hosts WHERE key = ?)`),
			named[old], old, named[old]); err != nil {
			return err
		}
	}
	return nil
}
