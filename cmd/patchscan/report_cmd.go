package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/patchscan/patchscan/internal/textsafe"
	"github.com/patchscan/patchscan/report"
	"github.com/patchscan/patchscan/report/history"
	"github.com/patchscan/patchscan/report/htmlreport"
)

// reportHTMLFlags are the options of `patchscan report html`.
type reportHTMLFlags struct {
	dbFlag
	out   string
	label string
	runs  int
	title string
}

func init() { rootCmd.AddCommand(newReportCmd()) }

// newReportCmd returns the command, with its own flags.
func newReportCmd() *cobra.Command {
	parent := &cobra.Command{
		Use:   "report",
		Short: "Write reports from the history store or report files",
	}
	f := &reportHTMLFlags{}
	cmd := &cobra.Command{
		Use:   "html [--db STORE | DIR|FILE...] -o FILE",
		Short: "Write the fleet report as one self-contained HTML file",
		Long: `report html writes one HTML file that works offline and fetches nothing (its
style, script, data and chart are inside it): a fleet summary of the
newest run, the compliance trend over the runs before it, and hosts,
updates (KB) and CVEs tables that sort and filter, with each host's
missing results and due dates.

It reads the history store (--db, default the scan's), or, given
directories or files, the per-host XML reports 'patchscan scan' wrote
(every *.xml of each directory, or saved --format xml output; every run
folder of a scan's --out directory): each scan's files form one run. Report files hold the missing results but not their
titles; the store holds both.

Exit status: 0, 64 usage error, 65 some report files could not be read
(listed on stderr; the report is still written), 75 the store could not
be read.`,
		Example: `  patchscan report html -o fleet.html
  patchscan report html --db postgres://patchscan@db.corp.example/patchscan --label 'weekly-*' -o fleet.html
  patchscan report html SecurityScans/ site2/SecurityScans/ -o fleet.html`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runReportHTML(cmd.Context(), cmd, f, args)
		},
	}
	fs := cmd.Flags()
	f.dbFlag.register(fs)
	fs.StringVarP(&f.out, "out", "o", "", "the HTML file to write (atomically), or - for stdout")
	fs.StringVar(&f.label, "label", "", "only runs whose label matches this shell pattern (e.g. 'weekly-*')")
	fs.IntVar(&f.runs, "runs", htmlreport.DefaultTrendRuns, "runs the trend shows")
	fs.StringVar(&f.title, "title", "", "the report's title (default: patchscan fleet report)")
	parent.AddCommand(cmd)
	return parent
}

func runReportHTML(ctx context.Context, cmd *cobra.Command, f *reportHTMLFlags, args []string) error {
	switch {
	case f.out == "":
		return usageErrorf("-o FILE is required (- for stdout)")
	case len(args) > 0 && cmd.Flags().Changed("db"):
		return usageErrorf("give --db or report directories, not both")
	case f.runs < 1:
		return usageErrorf("--runs must be at least 1")
	}
	var in htmlreport.Input
	var bad error
	var err error
	if len(args) > 0 {
		in, bad, err = f.fromFiles(ctx, cmd.ErrOrStderr(), args)
	} else {
		in, err = f.fromStore(ctx)
	}
	if err != nil {
		return err
	}
	in.Title, in.Generated = f.title, time.Now()
	write := func(w io.Writer) error { return htmlreport.Write(w, in) }
	if f.out == "-" {
		err = write(cmd.OutOrStdout())
	} else {
		err = report.WriteFileAtomic(f.out, write)
	}
	if err != nil {
		return &exitError{code: ExitUsage, err: fmt.Errorf("report html: %w (choose another -o)", err)}
	}
	return bad
}

func (f *reportHTMLFlags) fromStore(ctx context.Context) (htmlreport.Input, error) {
	s, err := f.openForReading(ctx)
	if err != nil {
		return htmlreport.Input{}, err
	}
	defer s.Close()
	in, err := htmlreport.Load(ctx, s, history.RunFilter{Label: f.label}, f.runs)
	if err != nil {
		return in, historyReadError(err)
	}
	return in, nil
}

// fromFiles reads per-host report files (untrusted: bounded, checked by
// report.ReadHostFile) into an in-memory store, one run per scan, and
// loads the report from it as from any store. Unreadable files are listed
// and left out; bad is then the exit-65 error.
func (f *reportHTMLFlags) fromFiles(ctx context.Context, stderr io.Writer, args []string) (in htmlreport.Input, bad, err error) {
	if f.label != "" {
		return in, nil, usageErrorf("--label selects runs of a store; report files have no labels")
	}
	files, failed, err := rollupInputs(args, stderr, true)
	if err != nil {
		return in, nil, err
	}
	var hosts []report.HostSummary
	for _, file := range files {
		hs, err := report.ReadHostFile(file)
		switch {
		case errors.Is(err, report.ErrNotHostReport):
			continue
		case err != nil:
			fmt.Fprintf(stderr, "patchscan: report html: %s\n", textsafe.Line(err.Error(), maxStderrLine))
			failed++
			continue
		}
		hosts = append(hosts, hs...)
	}
	if len(hosts) == 0 && failed == 0 {
		return in, nil, usageErrorf("report html: no ScanReport files (*.xml) in %s", strings.Join(args, ", "))
	}
	mem, err := history.Open(ctx, ":memory:", history.Options{})
	if err != nil {
		return in, nil, err
	}
	defer mem.Close()
	if _, err := mem.ImportSummaries(ctx, hosts, strings.Join(args, " ")); err != nil {
		return in, nil, err
	}
	if in, err = htmlreport.Load(ctx, mem, history.RunFilter{}, f.runs); err != nil {
		return in, nil, err
	}
	in.Source = strings.Join(args, ", ")
	if failed > 0 {
		bad = &exitError{code: ExitBadCatalog, err: fmt.Errorf("report html: %d of %d files could not be read (listed above) and were left out", failed, len(files))}
	}
	return in, bad, nil
}
