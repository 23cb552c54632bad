package history

import (
	"context"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Bounds on what is read back from a store (outside data): past them the
// store is not one patchscan wrote, or holds more than one command should
// load, and reading stops with an error saying so.
const (
	maxRunRows    = 200_000   // run rows (invocations)
	maxHostScans  = 1 << 20   // host scans of one logical run
	maxResultRows = 8_000_000 // results loaded by one command
	maxUpdates    = 1_000_000 // rows of the updates table
)

// Run is a logical run: one scan, or every shard that shares a label.
type Run struct {
	// Ref names the run on the command line and in output: its label, or
	// the run's number when unlabelled.
	Ref   string
	Label string
	IDs   []int64 // the invocations, oldest first
	// Started is the earliest start; Finished the latest end, zero while
	// an invocation has not finished.
	Started, Finished time.Time
	// Status: running when any invocation is, else failed, interrupted,
	// complete in that order.
	Status     string
	ShardCount int
	Shards     []int // shard indices present, sorted, distinct
	Scanners   []string
	Catalogs   []string // catalog versions, distinct
	Source     string
	Planned    int
	Deadlines  string

	// Totals over the run's hosts (a host scanned twice counts once).
	Hosts, Scanned, Compliant, Missing, Overdue int
}

// MissingShards lists the shards of a sharded run that never recorded.
func (r Run) MissingShards() []int {
	var out []int
	have := map[int]bool{}
	for _, s := range r.Shards {
		have[s] = true
	}
	for i := 0; i < r.ShardCount && r.ShardCount > 1; i++ {
		if !have[i] {
			out = append(out, i)
		}
	}
	return out
}

// RunFilter selects logical runs.
type RunFilter struct {
	// Label is a shell pattern (path.Match) the label must match; "" = all
	// runs, labelled or not.
	Label string
	// Limit keeps the newest Limit runs; 0 = all.
	Limit int
}

type runRow struct {
	id                                         int64
	label, scanner, catalog, source, deadlines string
	status                                     string
	shardIndex, shardCount, planned            int
	started, finished                          time.Time
}

// Runs returns the logical runs, newest first, with their totals.
func (s *Store) Runs(ctx context.Context, f RunFilter) ([]Run, error) {
	if f.Label != "" {
		if _, err := path.Match(f.Label, ""); err != nil {
			return nil, fmt.Errorf("--label %q: not a valid pattern: %v", bound(f.Label, 40), err)
		}
	}
	rows, err := s.readRunRows(ctx)
	if err != nil {
		return nil, s.wrap("reading runs", err)
	}
	runs := groupRuns(rows)
	out := runs[:0]
	for _, r := range runs {
		if f.Label != "" {
			if ok, _ := path.Match(f.Label, r.Label); !ok {
				continue
			}
		}
		out = append(out, r)
	}
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	if err := s.addTotals(ctx, out); err != nil {
		return nil, s.wrap("reading run totals", err)
	}
	return out, nil
}

func (s *Store) readRunRows(ctx context.Context) ([]runRow, error) {
	rows, err := s.db.QueryContext(ctx, s.dialect.q(`SELECT id, label, shard_index, shard_count, scanner, catalog_version,
		deadlines, source, planned, status, started, finished FROM runs ORDER BY id LIMIT ?`), maxRunRows+1)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []runRow
	for rows.Next() {
		var r runRow
		if err := rows.Scan(&r.id, &r.label, &r.shardIndex, &r.shardCount, &r.scanner, &r.catalog, &r.deadlines,
			&r.source, &r.planned, &r.status, nullTime{&r.started}, nullTime{&r.finished}); err != nil {
			return nil, fmt.Errorf("run row %d: %w", len(out)+1, err)
		}
		if err := r.check(); err != nil {
			return nil, err
		}
		out = append(out, r)
		if len(out) > maxRunRows {
			return nil, fmt.Errorf("more than %d runs: not a store patchscan wrote, or prune it", maxRunRows)
		}
	}
	return out, rows.Err()
}

// check bounds and validates a run row read back.
func (r *runRow) check() error {
	r.label, r.scanner, r.catalog = bound(r.label, maxShort), bound(r.scanner, maxShort), bound(r.catalog, maxShort)
	r.source, r.deadlines = bound(r.source, maxShort), bound(r.deadlines, maxShort)
	switch {
	case !runStatuses[r.status]:
		return fmt.Errorf("run %d: status %q is not one patchscan writes", r.id, bound(r.status, 40))
	case r.shardCount < 1 || r.shardCount > 1<<16 || r.shardIndex < 0 || r.shardIndex >= r.shardCount:
		return fmt.Errorf("run %d: shard %d/%d is not one patchscan writes", r.id, r.shardIndex, r.shardCount)
	case r.planned < 0:
		return fmt.Errorf("run %d: %d planned hosts", r.id, r.planned)
	}
	return nil
}

// groupRuns joins labelled invocations into logical runs, newest first.
func groupRuns(rows []runRow) []Run {
	byLabel := map[string]int{}
	var runs []Run
	for _, r := range rows {
		i, ok := byLabel[r.label]
		if r.label == "" || !ok {
			i = len(runs)
			ref := r.label
			if ref == "" {
				ref = strconv.FormatInt(r.id, 10)
			} else {
				byLabel[r.label] = i
			}
			runs = append(runs, Run{Ref: ref, Label: r.label, Started: r.started, Finished: r.finished,
				Status: r.status, ShardCount: r.shardCount, Source: r.source, Deadlines: r.deadlines})
		}
		runs[i].add(r)
	}
	sort.SliceStable(runs, func(a, b int) bool {
		if !runs[a].Started.Equal(runs[b].Started) {
			return runs[a].Started.After(runs[b].Started)
		}
		return runs[a].IDs[0] > runs[b].IDs[0]
	})
	return runs
}

func (g *Run) add(r runRow) {
	g.IDs = append(g.IDs, r.id)
	if r.started.Before(g.Started) {
		g.Started = r.started
	}
	switch {
	case r.finished.IsZero() || (len(g.IDs) > 1 && g.Finished.IsZero()):
		g.Finished = time.Time{}
	case r.finished.After(g.Finished):
		g.Finished = r.finished
	}
	g.Status = worseStatus(g.Status, r.status)
	g.ShardCount = max(g.ShardCount, r.shardCount)
	g.Shards = addDistinctInt(g.Shards, r.shardIndex)
	g.Scanners = addDistinct(g.Scanners, r.scanner)
	g.Catalogs = addDistinct(g.Catalogs, r.catalog)
	g.Planned += r.planned
}

func worseStatus(a, b string) string {
	rank := map[string]int{RunRunning: 0, RunFailed: 1, RunInterrupted: 2, RunComplete: 3}
	if rank[b] < rank[a] {
		return b
	}
	return a
}

func addDistinct(l []string, s string) []string {
	if s == "" {
		return l
	}
	for _, x := range l {
		if x == s {
			return l
		}
	}
	return append(l, s)
}

func addDistinctInt(l []int, v int) []int {
	for _, x := range l {
		if x == v {
			return l
		}
	}
	l = append(l, v)
	sort.Ints(l)
	return l
}

// addTotals fills each run's host totals from its scans that no newer
// scan of the same host in the run replaces.
func (s *Store) addTotals(ctx context.Context, runs []Run) error {
	byID := map[int64]*Run{}
	var ids []int64
	for i := range runs {
		for _, id := range runs[i].IDs {
			byID[id] = &runs[i]
			ids = append(ids, id)
		}
	}
	return chunkIDs(ids, s.dialect.maxParams, func(part []int64) error {
		rows, err := s.db.QueryContext(ctx, s.dialect.q(`SELECT run_id, COUNT(*),
			SUM(CASE WHEN status = 'scanned' THEN 1 ELSE 0 END),
			SUM(CASE WHEN status = 'scanned' AND missing = 0 AND errors = 0 THEN 1 ELSE 0 END),
			SUM(missing), SUM(overdue)
			FROM host_scans WHERE replaced = FALSE AND run_id IN `+values(1, len(part))+` GROUP BY run_id`), int64Args(part)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var n [5]int64
			if err := rows.Scan(&id, &n[0], &n[1], &n[2], &n[3], &n[4]); err != nil {
				return err
			}
			r := byID[id]
			if r == nil {
				continue
			}
			r.Hosts += clampInt(n[0])
			r.Scanned += clampInt(n[1])
			r.Compliant += clampInt(n[2])
			r.Missing += clampInt(n[3])
			r.Overdue += clampInt(n[4])
		}
		return rows.Err()
	})
}

func clampInt(v int64) int {
	if v < 0 {
		return 0
	}
	return int(min(v, 1<<40))
}

func chunkIDs(ids []int64, per int, f func([]int64) error) error {
	for lo := 0; lo < len(ids); lo += per {
		if err := f(ids[lo:min(len(ids), lo+per)]); err != nil {
			return err
		}
	}
	return nil
}

func int64Args(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// FindRun finds a logical run by reference: a run number (any invocation
// of a labelled run names it) or a label.
func FindRun(runs []Run, ref string) (Run, error) {
	ref = strings.TrimSpace(ref)
	if n, err := strconv.ParseInt(strings.TrimPrefix(ref, "#"), 10, 64); err == nil {
		for _, r := range runs {
			for _, id := range r.IDs {
				if id == n {
					return r, nil
				}
			}
		}
		return Run{}, fmt.Errorf("no run %d in the store (patchscan history lists them)", n)
	}
	for _, r := range runs {
		if r.Label != "" && r.Label == ref {
			return r, nil
		}
	}
	return Run{}, fmt.Errorf("no run labelled %q in the store (patchscan history lists them)", bound(ref, 60))
}

// RunBefore returns the newest run that started before t.
func RunBefore(runs []Run, t time.Time) (Run, bool) {
	for _, r := range runs { // newest first
		if r.Started.Before(t) {
			return r, true
		}
	}
	return Run{}, false
}
