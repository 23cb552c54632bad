package history

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sort"
	"time"
)

// HostState is one host scan read back from the store.
type HostState struct {
	ScanID, RunID int64
	Key           string
	HostRecord
	// SetID names what the scan found (0: not scanned): equal ids mean
	// equal results and open CVEs. CheckSetID does the same for its
	// configuration checks.
	SetID, CheckSetID int64
}

// Snapshot is the state of every host of one logical run: for each host,
// its newest scan in the run.
type Snapshot struct {
	Run   Run
	Hosts []HostState // sorted by Key
	// Detailed: Results, Checks and CVEs are loaded for every host.
	Detailed bool
}

// Host returns the state of the host with this key, or nil.
func (sn *Snapshot) Host(key string) *HostState {
	i := sort.Search(len(sn.Hosts), func(i int) bool { return sn.Hosts[i].Key >= key })
	if i < len(sn.Hosts) && sn.Hosts[i].Key == key {
		return &sn.Hosts[i]
	}
	return nil
}

// Snapshot reads a run's hosts; with detail, their results (every stored
// status, or only those in statuses when given), checks and open CVEs.
func (s *Store) Snapshot(ctx context.Context, run Run, detail bool, statuses ...string) (*Snapshot, error) {
	hosts, err := s.readHostScans(ctx, `hs.run_id IN `+values(1, len(run.IDs)), int64Args(run.IDs), maxHostScans)
	if err != nil {
		return nil, s.wrap("reading run "+run.Ref, err)
	}
	sn := &Snapshot{Run: run, Hosts: newestPerHost(hosts)}
	if detail {
		if err := s.loadDetails(ctx, sn.Hosts, statuses); err != nil {
			return nil, s.wrap("reading the results of run "+run.Ref, err)
		}
		sn.Detailed = true
	}
	return sn, nil
}

const hostScanSelect = `SELECT hs.id, hs.run_id, h.key, hs.name, hs.address, hs.target, hs.domain, hs.transport,
	hs.status, hs.error, hs.os_product, hs.os_version, hs.os_build, hs.os_ubr, hs.started, hs.finished,
	hs.missing, hs.overdue, hs.warning, hs.note, hs.errors, hs.superseded, hs.installed, hs.not_applicable,
	hs.config_failed, hs.open_cves, hs.result_set_id, hs.computer_name, hs.check_set_id
	FROM host_scans hs JOIN hosts h ON h.id = hs.host_id WHERE `

// readHostScans reads host scans matching where (over hs, h), at most
// limit of them.
func (s *Store) readHostScans(ctx context.Context, where string, args []any, limit int) ([]HostState, error) {
	rows, err := s.db.QueryContext(ctx, s.dialect.q(hostScanSelect+where+` ORDER BY hs.id LIMIT ?`), append(args, limit+1)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []HostState
	for rows.Next() {
		var h HostState
		c := &h.Counts
		var n [10]int64
		var set, checkSet sql.NullInt64
		if err := rows.Scan(&h.ScanID, &h.RunID, &h.Key, &h.Name, &h.Address, &h.Target, &h.Domain, &h.Transport,
			&h.Status, &h.Error, &h.OS.Product, &h.OS.Version, &h.OS.Build, &h.OS.UBR,
			nullTime{&h.Started}, nullTime{&h.Finished},
			&n[0], &n[1], &n[2], &n[3], &n[4], &n[5], &n[6], &n[7], &n[8], &n[9], &set, &h.ComputerName, &checkSet); err != nil {
			return nil, fmt.Errorf("host scan %d: %w", len(out)+1, err)
		}
		h.SetID, h.CheckSetID = set.Int64, checkSet.Int64
		c.Set = true
		c.Missing, c.Overdue, c.Warning, c.Note, c.Error = clampInt(n[0]), clampInt(n[1]), clampInt(n[2]), clampInt(n[3]), clampInt(n[4])
		c.Superseded, c.Installed, c.NotApplicable, c.ConfigFailed, c.OpenCVEs = clampInt(n[5]), clampInt(n[6]), clampInt(n[7]), clampInt(n[8]), clampInt(n[9])
		if err := h.check(); err != nil {
			return nil, err
		}
		out = append(out, h)
		if len(out) > limit {
			return nil, fmt.Errorf("more than %d host scans: not a store patchscan wrote?", limit)
		}
	}
	return out, rows.Err()
}

// check bounds a host scan read back and validates its status.
func (h *HostState) check() error {
	h.Key = bound(h.Key, maxShort+2)
	for _, p := range []*string{&h.Name, &h.Address, &h.Target, &h.Domain, &h.Transport, &h.ComputerName,
		&h.OS.Product, &h.OS.Version, &h.OS.Build, &h.OS.UBR} {
		*p = bound(*p, maxShort)
	}
	h.Error = bound(h.Error, maxText)
	if !hostStatuses[h.Status] {
		return fmt.Errorf("host scan %d: status %q is not one patchscan writes", h.ScanID, bound(h.Status, 40))
	}
	return nil
}

// newestPerHost keeps, per host key, the scan that finished last (then
// the higher id), sorted by key.
func newestPerHost(in []HostState) []HostState {
	best := make(map[string]int, len(in))
	for i := range in {
		j, ok := best[in[i].Key]
		if !ok || newer(&in[i], &in[j]) {
			best[in[i].Key] = i
		}
	}
	out := make([]HostState, 0, len(best))
	for _, i := range best {
		out = append(out, in[i])
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

func newer(a, b *HostState) bool {
	if !a.Finished.Equal(b.Finished) {
		return a.Finished.After(b.Finished)
	}
	return a.ScanID > b.ScanID
}

// update is a row of the updates table.
type update struct {
	kind, bulletin, kb, product, title, severity, released string
	cves                                                   []string
}

// loadDetails reads the results, checks and open CVEs of the given hosts:
// each distinct set once, shared by the hosts that have it. A result is
// overdue in a host scan that finished on or after its due date.
func (s *Store) loadDetails(ctx context.Context, hosts []HostState, statuses []string) error {
	resultSets, checkSets := map[int64]*setContent{}, map[int64]*setContent{}
	var rids, cids []int64
	for i := range hosts {
		if id := hosts[i].SetID; id != 0 && resultSets[id] == nil {
			resultSets[id] = &setContent{}
			rids = append(rids, id)
		}
		if id := hosts[i].CheckSetID; id != 0 && checkSets[id] == nil {
			checkSets[id] = &setContent{}
			cids = append(cids, id)
		}
	}
	slices.Sort(rids)
	slices.Sort(cids)
	if len(rids) > 0 {
		updates, err := s.readUpdates(ctx)
		if err != nil {
			return err
		}
		if err := s.readResults(ctx, rids, resultSets, updates, statuses); err != nil {
			return err
		}
	}
	if err := s.readChecks(ctx, cids, checkSets); err != nil {
		return err
	}
	if err := s.readCVEs(ctx, rids, resultSets); err != nil {
		return err
	}
	for i := range hosts {
		h := &hosts[i]
		if c := resultSets[h.SetID]; c != nil {
			h.Results = make([]ResultRecord, len(c.results))
			for k, r := range c.results {
				r.Overdue = r.Status == "missing" && !r.Due.IsZero() && !h.Finished.Before(r.Due)
				h.Results[k] = r
			}
			h.CVEs = c.cves
		}
		if c := checkSets[h.CheckSetID]; c != nil {
			h.Checks = c.checks
		}
	}
	return nil
}

func (s *Store) readUpdates(ctx context.Context) (map[int64]*update, error) {
	rows, err := s.db.QueryContext(ctx, s.dialect.q(`SELECT id, kind, bulletin, kb, product, title, severity, released, cves FROM updates LIMIT ?`), maxUpdates+1)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]*update{}
	for rows.Next() {
		var id int64
		var u update
		var cves string
		if err := rows.Scan(&id, &u.kind, &u.bulletin, &u.kb, &u.product, &u.title, &u.severity, &u.released, &cves); err != nil {
			return nil, fmt.Errorf("updates: %w", err)
		}
		for _, p := range []*string{&u.kind, &u.bulletin, &u.kb, &u.product, &u.severity, &u.released} {
			*p = bound(*p, maxShort)
		}
		u.title = bound(u.title, maxText)
		u.cves = splitList(bound(cves, maxList))
		out[id] = &u
		if len(out) > maxUpdates {
			return nil, fmt.Errorf("more than %d updates: not a store patchscan wrote?", maxUpdates)
		}
	}
	return out, rows.Err()
}

func (s *Store) readResults(ctx context.Context, ids []int64, sets map[int64]*setContent, updates map[int64]*update, statuses []string) error {
	filter, fargs := "", []any{}
	if len(statuses) > 0 {
		filter = ` AND status IN ` + values(1, len(statuses))
		for _, st := range statuses {
			fargs = append(fargs, st)
		}
	}
	total := 0
	return chunkIDs(ids, s.dialect.maxParams-len(fargs), func(part []int64) error {
		rows, err := s.db.QueryContext(ctx, s.dialect.q(`SELECT result_set_id, update_id, status, due, superseded_by
			FROM results WHERE result_set_id IN `+values(1, len(part))+filter), append(int64Args(part), fargs...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var sid, uid int64
			var r ResultRecord
			var due time.Time
			if err := rows.Scan(&sid, &uid, &r.Status, nullTime{&due}, &r.SupersededBy); err != nil {
				return fmt.Errorf("results: %w", err)
			}
			set, u := sets[sid], updates[uid]
			if set == nil || u == nil {
				return fmt.Errorf("a result of result set %d names update %d, which the store lacks", sid, uid)
			}
			if !resultStatuses[r.Status] {
				return fmt.Errorf("result set %d: result status %q is not one patchscan writes", sid, bound(r.Status, 40))
			}
			if total++; total > maxResultRows {
				return fmt.Errorf("more than %d results: too many to load at once", maxResultRows)
			}
			r.Kind, r.Bulletin, r.KB, r.Product, r.Title = u.kind, u.bulletin, u.kb, u.product, u.title
			r.Severity, r.Released, r.CVEs, r.Due = u.severity, u.released, u.cves, due
			r.SupersededBy = bound(r.SupersededBy, maxShort)
			set.results = append(set.results, r)
		}
		return rows.Err()
	})
}

func (s *Store) readChecks(ctx context.Context, ids []int64, sets map[int64]*setContent) error {
	return chunkIDs(ids, s.dialect.maxParams, func(part []int64) error {
		rows, err := s.db.QueryContext(ctx, s.dialect.q(`SELECT result_set_id, check_id, status, severity, reason
			FROM config_checks WHERE result_set_id IN `+values(1, len(part))), int64Args(part)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var sid int64
			var c CheckRecord
			if err := rows.Scan(&sid, &c.ID, &c.Status, &c.Severity, &c.Reason); err != nil {
				return fmt.Errorf("config checks: %w", err)
			}
			set := sets[sid]
			if set == nil || !checkStatuses[c.Status] {
				return fmt.Errorf("result set %d: config check status %q is not one patchscan writes", sid, bound(c.Status, 40))
			}
			c.ID, c.Severity, c.Reason = bound(c.ID, maxShort), bound(c.Severity, maxShort), bound(c.Reason, maxText)
			set.checks = append(set.checks, c)
		}
		return rows.Err()
	})
}

func (s *Store) readCVEs(ctx context.Context, ids []int64, sets map[int64]*setContent) error {
	return chunkIDs(ids, s.dialect.maxParams, func(part []int64) error {
		rows, err := s.db.QueryContext(ctx, s.dialect.q(`SELECT result_set_id, cve, severity, exploited, fixed_by
			FROM open_cves WHERE result_set_id IN `+values(1, len(part))), int64Args(part)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var sid int64
			var c CVERecord
			var fixed string
			if err := rows.Scan(&sid, &c.CVE, &c.Severity, &c.Exploited, &fixed); err != nil {
				return fmt.Errorf("open CVEs: %w", err)
			}
			set := sets[sid]
			if set == nil {
				return fmt.Errorf("an open CVE names result set %d, which is not loaded", sid)
			}
			c.CVE, c.Severity, c.FixedBy = bound(c.CVE, maxShort), bound(c.Severity, maxShort), splitList(bound(fixed, maxList))
			set.cves = append(set.cves, c)
		}
		return rows.Err()
	})
}
