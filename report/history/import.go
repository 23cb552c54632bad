package history

import (
	"context"
	"sort"
	"time"

	"github.com/patchscan/patchscan/report"
)

// ImportSummaries records hosts read back from report files as runs: one
// run per distinct generated time (every file of one scan carries it),
// oldest first, with Source "import". It returns the runs recorded.
func (s *Store) ImportSummaries(ctx context.Context, hosts []report.HostSummary, source string) (int, error) {
	byRun := map[time.Time][]report.HostSummary{}
	for _, h := range hosts {
		byRun[h.Generated] = append(byRun[h.Generated], h)
	}
	times := make([]time.Time, 0, len(byRun))
	for t := range byRun {
		times = append(times, t)
	}
	sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
	for _, t := range times {
		group := byRun[t]
		rec, err := s.StartRun(ctx, RunInfo{Source: "import", Scanner: source, Started: t,
			CatalogVersion: group[0].CatalogVersion, Planned: len(group)})
		if err != nil {
			return 0, err
		}
		recs := make([]HostRecord, len(group))
		for i, h := range group {
			recs[i] = FromSummary(h)
		}
		if err := rec.Add(ctx, recs); err != nil {
			_ = rec.Finish(ctx, RunFailed)
			return 0, err
		}
		if err := rec.Finish(ctx, RunComplete); err != nil {
			return 0, err
		}
	}
	return len(times), nil
}
