package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/patchscan/patchscan/internal/textsafe"
	"github.com/patchscan/patchscan/report/history"
)

// diffFlags are the options of `patchscan diff`.
type diffFlags struct {
	dbFlag
	since    string
	run      string
	label    string
	format   string
	exitCode bool
}

func init() { rootCmd.AddCommand(newDiffCmd()) }

// newDiffCmd returns the command, with its own flags.
func newDiffCmd() *cobra.Command {
	f := &diffFlags{}
	cmd := &cobra.Command{
		Use:   "diff [--since DATE|RUN]",
		Short: "Show what changed between two runs",
		Long: `diff compares the newest run in the history store with an earlier one (the
one before it, or --since): results that became missing or were fixed,
other status changes, hosts that appeared, disappeared or could not be
scanned, and configuration checks that changed. Results of a host that was
not scanned in one of the runs are not compared (one host-status change
says so).

--since takes a run (its number or label, as patchscan history lists them)
or a date (YYYY-MM-DD, or an RFC 3339 time): the newest run started before
it. --run picks another newer run than the newest. Shards sharing a
--run-label are one run; --label limits both runs to labels matching a
shell pattern (e.g. 'weekly-*'), so ad-hoc scans in the same store do not
count as the newest run.

--format json writes JSON Lines, one object per change, with kind
(missing, fixed, changed, host-appeared, host-disappeared, host-status,
check), host, address, bulletin, kb, before and after (a status, or
"absent"), and product, severity, check, due and overdue where they apply.

Exit status: 0 (with --exit-code: 0 no change, 1 changes), 64 usage
error, 75 the store could not be read.`,
		Example: `  patchscan diff
  patchscan diff --since 2026-11-01 --format json
  patchscan diff --label 'weekly-*' --since weekly-2026-W44
  patchscan diff --db postgres://patchscan@db.corp.example/patchscan --exit-code`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDiff(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), f)
		},
	}
	fs := cmd.Flags()
	f.dbFlag.register(fs)
	fs.StringVar(&f.since, "since", "", "the earlier run: a run number or label, or a date (the newest run started before it); default: the run before the newer one")
	fs.StringVar(&f.run, "run", "", "the newer run: a run number or label; default: the newest")
	fs.StringVar(&f.label, "label", "", "only runs whose label matches this shell pattern (e.g. 'weekly-*')")
	fs.StringVar(&f.format, "format", "table", "table or json (JSON Lines: one object per change)")
	fs.BoolVar(&f.exitCode, "exit-code", false, "exit 1 when there are changes, 0 when none")
	return cmd
}

func runDiff(ctx context.Context, stdout, stderr io.Writer, f *diffFlags) error {
	if f.format != "table" && f.format != "json" {
		return usageErrorf("--format %q: use table or json", f.format)
	}
	s, err := f.openForReading(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	runs, err := s.Runs(ctx, history.RunFilter{Label: f.label})
	if err != nil {
		return historyReadError(err)
	}
	from, to, ok, err := pickRuns(runs, f.since, f.run)
	if err != nil {
		return usageErrorf("%v", err)
	}
	if !ok {
		fmt.Fprintf(stderr, "patchscan diff: %d run(s) in %s: nothing to compare yet\n", len(runs), textsafe.Line(s.Where(), maxStderrLine))
		return nil
	}
	for _, r := range []history.Run{from, to} {
		if miss := r.MissingShards(); len(miss) > 0 {
			fmt.Fprintf(stderr, "patchscan diff: warning: run %s lacks shard(s) %v of %d: their hosts show as appeared or disappeared\n",
				textsafe.Line(r.Ref, 80), miss, r.ShardCount)
		}
	}
	changes, err := s.Diff(ctx, from, to)
	if err != nil {
		return historyReadError(err)
	}
	if f.format == "json" {
		err = history.WriteDiffJSON(stdout, from, to, changes)
	} else {
		err = history.WriteDiffTable(stdout, from, to, changes)
	}
	if err != nil {
		return fmt.Errorf("writing the diff: %w", err)
	}
	if f.exitCode && len(changes) > 0 {
		return &exitError{code: 1}
	}
	return nil
}

// pickRuns chooses the newer run (--run, else the newest) and the earlier
// one (--since, else the run before the newer). ok is false when the store
// has too few runs to compare.
func pickRuns(runs []history.Run, since, run string) (from, to history.Run, ok bool, err error) {
	if len(runs) == 0 {
		return from, to, false, nil
	}
	to = runs[0]
	if run != "" {
		if to, err = history.FindRun(runs, run); err != nil {
			return from, to, false, err
		}
	}
	switch {
	case since == "":
		for i, r := range runs {
			if r.Ref == to.Ref && i+1 < len(runs) {
				return runs[i+1], to, true, nil
			}
		}
		return from, to, false, nil
	case looksLikeDate(since):
		t, err := parseSince(since)
		if err != nil {
			return from, to, false, err
		}
		from, found := history.RunBefore(runs, t)
		if !found {
			return from, to, false, fmt.Errorf("--since %s: no run started before it (patchscan history lists the runs)", since)
		}
		return from, to, true, nil
	}
	from, err = history.FindRun(runs, since)
	return from, to, err == nil, err
}

// looksLikeDate: labels start with a letter and run numbers are digits
// only, so anything with a '-' after a digit is a date.
func looksLikeDate(s string) bool {
	return len(s) >= 8 && s[0] >= '0' && s[0] <= '9' && strings.Contains(s, "-")
}

func parseSince(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("--since %q: not a date (YYYY-MM-DD or RFC 3339), run number or label", textsafe.Line(s, 60))
}
