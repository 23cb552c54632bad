package main

import (
	"context"
	"errors"
	"io"

	"github.com/spf13/cobra"

	"github.com/patchscan/patchscan/report/history"
)

// historyFlags are the options of `patchscan history`.
type historyFlags struct {
	dbFlag
	label  string
	limit  int
	format string
}

func init() { rootCmd.AddCommand(newHistoryCmd()) }

// newHistoryCmd returns the command, with its own flags.
func newHistoryCmd() *cobra.Command {
	f := &historyFlags{}
	cmd := &cobra.Command{
		Use:   "history [HOST]",
		Short: "List the recorded runs, or one host's timeline",
		Long: `history lists the runs in the history store, newest first: when each ran,
its status, its shards, how many hosts it scanned, how many were compliant,
and the missing and overdue findings. Shards sharing a --run-label are one
run.

With HOST (a name in any case, an address or a target as given), it lists
that host's scans instead, newest first, with what changed from one scan
to the next.

Exit status: 0, 64 usage error, 75 the store could not be read.`,
		Example: `  patchscan history
  patchscan history --label 'weekly-*' --limit 10
  patchscan history ws01.corp.example
  patchscan history --db postgres://patchscan@db.corp.example/patchscan --format json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runHistory(cmd.Context(), cmd.OutOrStdout(), f, args)
		},
	}
	fs := cmd.Flags()
	f.dbFlag.register(fs)
	fs.StringVar(&f.label, "label", "", "only runs whose label matches this shell pattern (e.g. 'weekly-*')")
	fs.IntVar(&f.limit, "limit", 50, "at most this many runs or scans, newest first (0: all)")
	fs.StringVar(&f.format, "format", "table", "table or json (JSON Lines: one object per run or scan)")
	return cmd
}

func runHistory(ctx context.Context, stdout io.Writer, f *historyFlags, args []string) error {
	if f.format != "table" && f.format != "json" {
		return usageErrorf("--format %q: use table or json", f.format)
	}
	if f.limit < 0 {
		return usageErrorf("--limit must be 0 or more")
	}
	s, err := f.openForReading(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	if len(args) == 1 {
		if f.label != "" {
			return usageErrorf("--label selects runs; with HOST the host's every scan is listed")
		}
		tl, err := s.Timeline(ctx, args[0], f.limit)
		if err != nil {
			return historyReadError(err)
		}
		if f.format == "json" {
			return history.WriteTimelineJSON(stdout, tl)
		}
		return history.WriteTimelineTable(stdout, args[0], tl)
	}
	runs, err := s.Runs(ctx, history.RunFilter{Label: f.label, Limit: f.limit})
	if err != nil {
		return historyReadError(err)
	}
	if f.format == "json" {
		return history.WriteRunsJSON(stdout, runs)
	}
	return history.WriteRunsTable(stdout, runs)
}

// historyReadError: a store that fails is exit 75; anything else (a host
// or run that is not there, a bad pattern) is the operator's to fix (64).
func historyReadError(err error) error {
	var se *history.StoreError
	if errors.As(err, &se) {
		return storeError(err)
	}
	return usageErrorf("%v", err)
}
