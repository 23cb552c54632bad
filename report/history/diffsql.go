package history

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"
)

// deltas are what differs between pairs of sets (earlier, newer), as the
// store compares them: for result sets, the results whose status differs
// or that only one set holds; for check sets, the same of checks.
type deltas struct {
	updates map[int64]*update
	results map[[2]int64][]resultDelta
	checks  map[[2]int64][]checkDelta
}

type resultDelta struct {
	update        int64
	before, after string // Absent when the set lacks the result
	due           time.Time
}

type checkDelta struct{ id, before, after string }

// setDeltas compares, in the store, the sets of the hosts scanned in both
// runs whose sets differ: each distinct pair of sets once, in one query
// per few thousand pairs, so only the differences cross to patchscan (a
// fleet where every host changed reads ~10,000 rows, not 600,000).
func (s *Store) setDeltas(ctx context.Context, a, b *Snapshot) (*deltas, error) {
	d := &deltas{results: map[[2]int64][]resultDelta{}, checks: map[[2]int64][]checkDelta{}}
	var resultPairs, checkPairs [][2]int64
	for i := range b.Hosts {
		hb := &b.Hosts[i]
		ha := a.Host(hb.Key)
		if ha == nil || ha.Status != HostScanned || hb.Status != HostScanned {
			continue
		}
		if p := [2]int64{ha.SetID, hb.SetID}; p[0] != p[1] && d.results[p] == nil {
			d.results[p] = []resultDelta{}
			resultPairs = append(resultPairs, p)
		}
		if p := [2]int64{ha.CheckSetID, hb.CheckSetID}; p[0] != p[1] && d.checks[p] == nil {
			d.checks[p] = []checkDelta{}
			checkPairs = append(checkPairs, p)
		}
	}
	if len(resultPairs) > 0 {
		var err error
		if d.updates, err = s.readUpdates(ctx); err != nil {
			return nil, err
		}
		if err := s.readResultDeltas(ctx, resultPairs, d); err != nil {
			return nil, err
		}
	}
	if err := s.readCheckDeltas(ctx, checkPairs, d); err != nil {
		return nil, err
	}
	return d, nil
}

// changes are the result and check changes of a host scanned in both runs.
func (d *deltas) changes(ha, hb *HostState) []Change {
	var out []Change
	for _, r := range d.results[[2]int64{ha.SetID, hb.SetID}] {
		u := d.updates[r.update]
		rec := ResultRecord{Kind: u.kind, Bulletin: u.bulletin, KB: u.kb, Product: u.product, Severity: u.severity, Status: r.after, Due: r.due}
		// As a snapshot reads it: overdue in a scan that finished on or
		// after the due date.
		rec.Overdue = r.after == "missing" && !r.due.IsZero() && !hb.Finished.Before(r.due)
		out = append(out, resultChange(hb, &rec, r.before, r.after))
	}
	for _, c := range d.checks[[2]int64{ha.CheckSetID, hb.CheckSetID}] {
		out = append(out, Change{Kind: ChangeCheck, Host: hb.Display(), Address: hb.Address, Check: c.id,
			Before: c.before, After: c.after, hostKey: hb.Key})
	}
	return out
}

// pairsCTE names the pairs (a, b) of sets a delta query compares.
func pairsCTE(pairs int) string {
	var p strings.Builder
	p.WriteString(`WITH p (a, b) AS (VALUES `)
	for i := range pairs {
		if i > 0 {
			p.WriteByte(',')
		}
		p.WriteString(`(CAST(? AS BIGINT), CAST(? AS BIGINT))`)
	}
	p.WriteString(`) `)
	return p.String()
}

// A delta of table (results or config_checks, rows named by key within a
// set) is found in up to three queries, each by primary key: the rows of
// b that a lacks or holds with another status (extra: one more column of
// b); how many rows each set has; and, only for the pairs where a has rows
// b lacks (a's count is more than the rows of b it holds), those rows.
// Rows seldom disappear between two runs, so the last query is usually
// short, and a fleet that changed everywhere costs one lookup per row.
func changedRowsQuery(table, key, extra string, pairs int) string {
	return pairsCTE(pairs) + `SELECT p.a, p.b, nb.` + key + `, na.status, nb.status, nb.` + extra + `
	FROM p JOIN ` + table + ` nb ON nb.result_set_id = p.b
	LEFT JOIN ` + table + ` na ON na.result_set_id = p.a AND na.` + key + ` = nb.` + key + `
	WHERE na.status IS NULL OR na.status <> nb.status`
}

func countRowsQuery(table string, pairs int) string {
	return pairsCTE(pairs) + `SELECT p.a, p.b,
	(SELECT COUNT(*) FROM ` + table + ` n WHERE n.result_set_id = p.a),
	(SELECT COUNT(*) FROM ` + table + ` n WHERE n.result_set_id = p.b) FROM p`
}

func goneRowsQuery(table, key string, pairs int) string {
	return pairsCTE(pairs) + `SELECT p.a, p.b, na.` + key + `, na.status, NULL, NULL
	FROM p JOIN ` + table + ` na ON na.result_set_id = p.a
	WHERE NOT EXISTS (SELECT 1 FROM ` + table + ` nb WHERE nb.result_set_id = p.b AND nb.` + key + ` = na.` + key + `)`
}

// rowsGone returns the pairs whose earlier set has rows the newer one
// lacks. added counts, per pair, the rows of b that a lacks.
func (s *Store) rowsGone(ctx context.Context, table string, pairs [][2]int64, added map[[2]int64]int64) ([][2]int64, error) {
	var gone [][2]int64
	err := s.eachPairs(ctx, pairs, func(n int) string { return countRowsQuery(table, n) }, func(rows *sql.Rows) error {
		var p [2]int64
		var na, nb int64
		if err := rows.Scan(&p[0], &p[1], &na, &nb); err != nil {
			return err
		}
		// b holds nb - added[p] rows that a has too: a has others when it
		// has more.
		if na > nb-added[p] {
			gone = append(gone, p)
		}
		return nil
	})
	return gone, err
}

// eachPairs runs f on successive chunks of pairs (sorted, for repeatable
// queries) with their arguments.
func (s *Store) eachPairs(ctx context.Context, pairs [][2]int64, query func(n int) string, row func(*sql.Rows) error) error {
	slices.SortFunc(pairs, func(x, y [2]int64) int {
		if x[0] != y[0] {
			return compareInt(x[0], y[0])
		}
		return compareInt(x[1], y[1])
	})
	per := s.dialect.maxParams / 2
	for lo := 0; lo < len(pairs); lo += per {
		part := pairs[lo:min(len(pairs), lo+per)]
		args := make([]any, 0, 2*len(part))
		for _, p := range part {
			args = append(args, p[0], p[1])
		}
		if err := s.queryRows(ctx, s.dialect.q(query(len(part))), args, row); err != nil {
			return err
		}
	}
	return nil
}

func compareInt(x, y int64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

func (s *Store) queryRows(ctx context.Context, query string, args []any, row func(*sql.Rows) error) error {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := row(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (s *Store) readResultDeltas(ctx context.Context, pairs [][2]int64, d *deltas) error {
	total := 0
	added := map[[2]int64]int64{}
	row := func(rows *sql.Rows) error {
		var p [2]int64
		var r resultDelta
		var before, after sql.NullString
		if err := rows.Scan(&p[0], &p[1], &r.update, &before, &after, nullTime{&r.due}); err != nil {
			return fmt.Errorf("results: %w", err)
		}
		if d.updates[r.update] == nil {
			return fmt.Errorf("a result of result set %d or %d names update %d, which the store lacks", p[0], p[1], r.update)
		}
		var err error
		if r.before, err = deltaStatus(before, resultStatuses, "result", p[0]); err != nil {
			return err
		}
		if r.after, err = deltaStatus(after, resultStatuses, "result", p[1]); err != nil {
			return err
		}
		list, ok := d.results[p]
		if !ok {
			return fmt.Errorf("results of result sets %d and %d, which were not asked for", p[0], p[1])
		}
		if total++; total > maxResultRows {
			return fmt.Errorf("more than %d changed results: too many to load at once", maxResultRows)
		}
		if r.before == Absent {
			added[p]++
		}
		d.results[p] = append(list, r)
		return nil
	}
	if err := s.eachPairs(ctx, pairs, func(n int) string { return changedRowsQuery("results", "update_id", "due", n) }, row); err != nil {
		return err
	}
	gone, err := s.rowsGone(ctx, "results", pairs, added)
	if err != nil {
		return err
	}
	return s.eachPairs(ctx, gone, func(n int) string { return goneRowsQuery("results", "update_id", n) }, row)
}

func (s *Store) readCheckDeltas(ctx context.Context, pairs [][2]int64, d *deltas) error {
	total := 0
	added := map[[2]int64]int64{}
	row := func(rows *sql.Rows) error {
		var p [2]int64
		var c checkDelta
		var before, after, unused sql.NullString
		if err := rows.Scan(&p[0], &p[1], &c.id, &before, &after, &unused); err != nil {
			return fmt.Errorf("config checks: %w", err)
		}
		c.id = bound(c.id, maxShort)
		var err error
		if c.before, err = deltaStatus(before, checkStatuses, "config check", p[0]); err != nil {
			return err
		}
		if c.after, err = deltaStatus(after, checkStatuses, "config check", p[1]); err != nil {
			return err
		}
		list, ok := d.checks[p]
		if !ok {
			return fmt.Errorf("checks of sets %d and %d, which were not asked for", p[0], p[1])
		}
		if total++; total > maxResultRows {
			return fmt.Errorf("more than %d changed checks: too many to load at once", maxResultRows)
		}
		if c.before == Absent {
			added[p]++
		}
		d.checks[p] = append(list, c)
		return nil
	}
	if err := s.eachPairs(ctx, pairs, func(n int) string { return changedRowsQuery("config_checks", "check_id", "check_id", n) }, row); err != nil {
		return err
	}
	gone, err := s.rowsGone(ctx, "config_checks", pairs, added)
	if err != nil {
		return err
	}
	return s.eachPairs(ctx, gone, func(n int) string { return goneRowsQuery("config_checks", "check_id", n) }, row)
}

// deltaStatus checks a status read back (NULL: the set lacks the row).
func deltaStatus(v sql.NullString, valid map[string]bool, what string, set int64) (string, error) {
	if !v.Valid {
		return Absent, nil
	}
	if !valid[v.String] {
		return "", fmt.Errorf("result set %d: %s status %q is not one patchscan writes", set, what, bound(v.String, 40))
	}
	return v.String, nil
}
