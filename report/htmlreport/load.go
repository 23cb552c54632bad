package htmlreport

import (
	"context"

	"github.com/patchscan/patchscan/report/history"
)

// DefaultTrendRuns is how many runs the trend shows unless told.
const DefaultTrendRuns = 52

// Load reads what a report of the store shows: the runs the filter selects
// (newest first, at most trendRuns of them for the chart) and the newest
// one's hosts with their results that are not installed, checks and open
// CVEs. A store without runs gives an empty report.
func Load(ctx context.Context, s *history.Store, f history.RunFilter, trendRuns int) (Input, error) {
	if trendRuns <= 0 {
		trendRuns = DefaultTrendRuns
	}
	f.Limit = trendRuns
	runs, err := s.Runs(ctx, f)
	if err != nil {
		return Input{}, err
	}
	in := Input{Source: s.Where(), Runs: runs}
	if len(runs) == 0 {
		return in, nil
	}
	in.Latest, err = s.Snapshot(ctx, runs[0], true, resultStatuses...)
	return in, err
}
