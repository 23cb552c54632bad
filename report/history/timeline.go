package history

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// maxTimeline bounds the scans `history HOST` shows.
const maxTimeline = 1000

// TimelineEntry is one scan of a host, with what changed since the one
// before it.
type TimelineEntry struct {
	Run string // the logical run's reference
	HostState
	Changes []Change
}

// Timeline returns the newest limit scans of one host, newest first. host
// is its name (any case), address or target as given; a name that matches
// several hosts is an error listing them.
func (s *Store) Timeline(ctx context.Context, host string, limit int) ([]TimelineEntry, error) {
	if limit <= 0 || limit > maxTimeline {
		limit = maxTimeline
	}
	id, err := s.findHost(ctx, host)
	if err != nil {
		return nil, err
	}
	states, err := s.readHostScans(ctx, `hs.host_id = ? AND hs.id IN (SELECT id FROM host_scans WHERE host_id = ? ORDER BY finished DESC, id DESC LIMIT ?)`,
		[]any{id, id, limit}, limit)
	if err != nil {
		return nil, s.wrap("reading the scans of "+host, err)
	}
	if err := s.loadDetails(ctx, states, nil); err != nil {
		return nil, s.wrap("reading the results of "+host, err)
	}
	runs, err := s.Runs(ctx, RunFilter{})
	if err != nil {
		return nil, err
	}
	refs := map[int64]string{}
	for _, r := range runs {
		for _, rid := range r.IDs {
			refs[rid] = r.Ref
		}
	}
	sort.Slice(states, func(i, j int) bool { return newer(&states[j], &states[i]) }) // oldest first
	out := make([]TimelineEntry, len(states))
	for i := range states {
		out[i] = TimelineEntry{Run: refs[states[i].RunID], HostState: states[i]}
		if i > 0 {
			a := &Snapshot{Hosts: []HostState{states[i-1]}}
			b := &Snapshot{Hosts: []HostState{states[i]}}
			out[i].Changes = DiffSnapshots(a, b)
		}
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, nil
}

// findHost finds the one host host names.
func (s *Store) findHost(ctx context.Context, host string) (int64, error) {
	l := strings.ToLower(strings.TrimSpace(host))
	rows, err := s.db.QueryContext(ctx, s.dialect.q(`SELECT DISTINCT h.id, h.key FROM hosts h JOIN host_scans hs ON hs.host_id = h.id
		WHERE h.key IN (?, ?, ?, ?) OR hs.address = ? OR hs.target = ? LIMIT 21`), "c:"+l, "n:"+l, "a:"+l, "t:"+l, host, host)
	if err != nil {
		return 0, s.wrap("finding host "+host, err)
	}
	defer rows.Close()
	var ids []int64
	var keys []string
	for rows.Next() {
		var id int64
		var key string
		if err := rows.Scan(&id, &key); err != nil {
			return 0, s.wrap("finding host "+host, err)
		}
		ids = append(ids, id)
		keys = append(keys, bound(key[min(2, len(key)):], maxShort))
	}
	if err := rows.Err(); err != nil {
		return 0, s.wrap("finding host "+host, err)
	}
	switch len(ids) {
	case 0:
		return 0, fmt.Errorf("no host %q in %s (patchscan history lists the runs; a host is named by its name, address or target)", bound(host, 80), s.where)
	case 1:
		return ids[0], nil
	}
	return 0, fmt.Errorf("%q names %d hosts in %s: %s; give one of these names", bound(host, 80), len(ids), s.where, strings.Join(keys, ", "))
}
