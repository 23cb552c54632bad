package history

import (
	"context"
	"fmt"
	"regexp"
	"sync/atomic"
	"time"
)

// Run statuses.
const (
	RunRunning     = "running"     // started, not finished (or the scanner died)
	RunComplete    = "complete"    // every target was attempted
	RunInterrupted = "interrupted" // stopped early (Ctrl-C, SIGTERM)
	RunFailed      = "failed"      // the store lost hosts of this run
)

var runStatuses = map[string]bool{RunRunning: true, RunComplete: true, RunInterrupted: true, RunFailed: true}

// RunInfo describes a run when it starts.
type RunInfo struct {
	// Label joins runs into one logical run (the shards of a fleet scan);
	// "" = a run of its own. See ValidLabel.
	Label string
	// ShardIndex and ShardCount: this run scans shard I of N (0 <= I < N);
	// 0 and 1 when not sharded.
	ShardIndex, ShardCount int
	Scanner                string // the machine that scanned (its host name)
	ToolVersion            string
	CatalogVersion         string
	Deadlines              string // the deadline policy the due dates follow
	Source                 string // "scan", or "import" for report files
	Planned                int    // targets this run set out to scan
	Started                time.Time
}

var labelRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9._:@+-]{0,99}$`)

// ValidLabel checks a run label: a letter, then up to 99 letters, digits
// or ._:@+- (so it reads in a URL, a cron line and a Kubernetes job name,
// and never looks like a run number or a date).
func ValidLabel(l string) error {
	if l == "" || labelRE.MatchString(l) {
		return nil
	}
	return fmt.Errorf("run label %q: use a letter, then up to 99 letters, digits or . _ : @ + - (e.g. weekly-2026-W48)", bound(l, 40))
}

// Recorder records the hosts of one run. Its methods are not safe for
// concurrent use; NewSink serializes them.
type Recorder struct {
	s       *Store
	id      int64
	info    RunInfo
	updates map[updateKey]int64 // update natural key -> id, learned this run
	seen    map[string]int      // host keys recorded this run
	hosts   atomic.Int64
	stmts   *stmtCache
}

// StartRun records a new run, status running.
func (s *Store) StartRun(ctx context.Context, info RunInfo) (*Recorder, error) {
	if err := ValidLabel(info.Label); err != nil {
		return nil, err
	}
	if info.ShardCount < 1 {
		info.ShardCount = 1
	}
	if info.ShardIndex < 0 || info.ShardIndex >= info.ShardCount {
		return nil, fmt.Errorf("shard %d/%d: the index must be from 0 to %d", info.ShardIndex, info.ShardCount, info.ShardCount-1)
	}
	if info.Started.IsZero() {
		info.Started = time.Now()
	}
	if info.Source == "" {
		info.Source = "scan"
	}
	stmts, err := prepareRun(ctx, s.db, s.dialect, info.Label)
	if err != nil {
		return nil, s.wrap("starting a run", err)
	}
	var id int64
	err = s.db.QueryRowContext(ctx, s.dialect.q(`INSERT INTO runs
		(label, shard_index, shard_count, scanner, tool_version, catalog_version, deadlines, source, planned, status, started)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		info.Label, info.ShardIndex, info.ShardCount, bound(info.Scanner, maxShort), bound(info.ToolVersion, maxShort),
		bound(info.CatalogVersion, maxShort), bound(info.Deadlines, maxShort), info.Source, info.Planned,
		RunRunning, info.Started.UTC()).Scan(&id)
	if err != nil {
		stmts.close()
		return nil, s.wrap("starting a run", err)
	}
	return &Recorder{s: s, id: id, info: info, updates: map[updateKey]int64{}, seen: map[string]int{}, stmts: stmts}, nil
}

// ID is the run's number in the store.
func (r *Recorder) ID() int64 { return r.id }

// Hosts is how many hosts were recorded so far.
func (r *Recorder) Hosts() int { return int(r.hosts.Load()) }

// Add records hosts in one transaction: all or none. A PostgreSQL
// transaction that lost a race with another scanner is run again.
func (r *Recorder) Add(ctx context.Context, hosts []HostRecord) error {
	if len(hosts) == 0 {
		return nil
	}
	now := time.Now().UTC()
	recs := make([]HostRecord, len(hosts))
	for i := range hosts {
		recs[i] = hosts[i]
		recs[i].Results = append([]ResultRecord(nil), hosts[i].Results...)
		recs[i].Checks = append([]CheckRecord(nil), hosts[i].Checks...)
		recs[i].CVEs = append([]CVERecord(nil), hosts[i].CVEs...)
		recs[i].normalize(now)
		if !hostStatuses[recs[i].Status] {
			return fmt.Errorf("host %s: status %q is not one the store keeps", recs[i].Display(), bound(recs[i].Status, 40))
		}
	}
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		learned := map[updateKey]int64{}
		if err = r.addTx(ctx, recs, learned); err == nil {
			for k, v := range learned {
				r.updates[k] = v
			}
			break
		}
		if !retryable(err) || ctx.Err() != nil {
			break
		}
		time.Sleep(time.Duration(attempt+1) * 50 * time.Millisecond)
	}
	if err != nil {
		return r.s.wrap(fmt.Sprintf("recording %d host(s) of run %d", len(recs), r.id), err)
	}
	for _, h := range recs {
		r.seen[h.Key()]++
	}
	r.hosts.Add(int64(len(recs)))
	return nil
}

func (r *Recorder) addTx(ctx context.Context, recs []HostRecord, learned map[updateKey]int64) error {
	tx, err := r.s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	w := &txWriter{ctx: ctx, tx: tx, d: r.s.dialect, stmts: r.stmts}
	if err := w.resolveAliases(recs); err != nil {
		return fmt.Errorf("hosts by address: %w", err)
	}
	hostIDs, err := w.upsertHosts(recs)
	if err != nil {
		return fmt.Errorf("hosts: %w", err)
	}
	updateIDs, err := w.upsertUpdates(recs, r.updates, learned)
	if err != nil {
		return fmt.Errorf("updates: %w", err)
	}
	sets, err := w.resultSets(recs, updateIDs)
	if err != nil {
		return fmt.Errorf("result sets: %w", err)
	}
	if err := w.insertHostScans(r.id, recs, hostIDs, sets); err != nil {
		return fmt.Errorf("host scans: %w", err)
	}
	if r.mayReplace(recs) {
		if err := w.markReplaced(r.id, r.info.Label, hostIDs); err != nil {
			return fmt.Errorf("marking replaced scans: %w", err)
		}
	}
	return tx.Commit()
}

// mayReplace reports whether an earlier scan of one of these hosts may
// exist in the same logical run: always for a labelled run (other shards,
// a retried shard), else only when a host repeats within this run.
func (r *Recorder) mayReplace(recs []HostRecord) bool {
	if r.info.Label != "" {
		return true
	}
	keys := map[string]bool{}
	for _, h := range recs {
		k := h.Key()
		if r.seen[k] > 0 || keys[k] {
			return true
		}
		keys[k] = true
	}
	return false
}

// Finish records the run's end and status, and releases the run's
// prepared statements. The Recorder is not usable afterwards.
func (r *Recorder) Finish(ctx context.Context, status string) error {
	if !runStatuses[status] {
		return fmt.Errorf("run status %q", status)
	}
	r.stmts.close()
	_, err := r.s.db.ExecContext(ctx, r.s.dialect.q(`UPDATE runs SET status = ?, finished = ? WHERE id = ?`),
		status, time.Now().UTC(), r.id)
	return r.s.wrap(fmt.Sprintf("finishing run %d", r.id), err)
}
