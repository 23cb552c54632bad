package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/patchscan/patchscan/internal/textsafe"

	"github.com/patchscan/patchscan/report"
	"github.com/patchscan/patchscan/scan"
	"github.com/spf13/pflag"
)

// outputFlags are the report options of `patchscan scan`: where the
// per-host files go and what stdout shows. The scan command registers them
// on its flags and opens the sink once the catalog is loaded.
type outputFlags struct {
	fs      *pflag.FlagSet
	out     string
	noFiles bool
	format  string
	show    string
	// files is the run's report folder once open made it (nil with
	// --no-files): the scan marks it incomplete when interrupted and says
	// where it is.
	files *report.RunDir
}

const defaultOutDir = "./SecurityScans"

// Output formats of --format.
const (
	formatTable = "table"
	formatText  = "text"
	formatXML   = "xml"
	formatJSON  = "json"
)

func (o *outputFlags) register(fs *pflag.FlagSet) {
	o.fs = fs
	fs.StringVar(&o.out, "out", defaultOutDir, "directory of the reports: each run writes its per-host XML files and rollup.xml into a folder of its own there, named by its start time, and DIR/latest links to the newest complete run")
	fs.BoolVar(&o.noFiles, "no-files", false, "write no report files, only stdout")
	fs.StringVar(&o.format, "format", "", "stdout format: table, text, xml or json (default table on a terminal, xml when piped)")
	fs.StringVar(&o.show, "show", report.DefaultShow, "results the table and text formats list: comma-separated missing,warning,note,error,superseded,installed,not-applicable, or all (xml and json carry everything)")
}

// open checks the flags and returns the sink the scan writes every host
// to: the per-host files and rollup (unless --no-files) and the chosen
// stdout format. Bad flags are usage errors (exit 64). The caller must
// Close the sink on every path, interrupted runs included.
func (o *outputFlags) open(stdout io.Writer, stdoutIsTTY bool, meta report.Meta) (report.Sink, error) {
	format := strings.ToLower(strings.TrimSpace(o.format))
	if format == "" {
		// Humans get a table; pipes and files get the documented XML.
		format = formatXML
		if stdoutIsTTY {
			format = formatTable
		}
	}
	show, err := report.ParseShow(o.show)
	if err != nil {
		return nil, usageErrorf("%v", err)
	}
	if o.noFiles && o.fs != nil && o.fs.Changed("out") {
		return nil, usageErrorf("--out and --no-files contradict each other: give one of them")
	}
	if !o.noFiles && strings.TrimSpace(o.out) == "" {
		return nil, usageErrorf("--out is empty: give a directory, or --no-files")
	}

	var out report.Sink
	switch format {
	case formatTable:
		out = report.NewTable(stdout, show, meta)
	case formatText:
		out = report.NewText(stdout, show)
	case formatXML:
		out = report.NewXMLStream(stdout, meta)
	case formatJSON:
		out = report.NewJSONLines(stdout, meta)
	default:
		return nil, usageErrorf("unknown --format %q: use table, text, xml or json", o.format)
	}
	if meta.ConfigOnly {
		out = report.ConfigOnly(out) // table and text without patch columns
	}
	if o.noFiles {
		return out, nil
	}
	files, err := report.NewRunDir(o.out, meta)
	if err != nil {
		// The command line is fine; the place is not (EX_CANTCREAT's
		// meaning, README's 70).
		return nil, &exitError{code: ExitWrite, err: err}
	}
	// Files first: if stdout breaks (a closed pipe), the files are still
	// written.
	keepScanningWithoutStdout()
	o.files = files
	return report.Multi(files, quietOnClosedPipe{out}), nil
}

// keepScanningWithoutStdout stops a reader that leaves early
// (`patchscan scan | head`) from killing the run: by default a Go program
// dies of SIGPIPE on its first write to a closed stdout, before the
// remaining hosts' files and the rollup are written. With SIGPIPE asked
// for (and never read) the write fails with EPIPE instead, as os/signal
// documents. Only done when files are written: with --no-files stdout is
// all there is, and dying like any filter in a pipeline is right.
func keepScanningWithoutStdout() {
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
}

// quietOnClosedPipe drops EPIPE from the stdout sink: the reader chose to
// stop reading, the files still get every host, and the exit code should
// still tell compliance (not "internal error"). Other write errors (a full
// disk behind a redirect) still fail the run.
type quietOnClosedPipe struct{ report.Sink }

func (q quietOnClosedPipe) Write(h scan.HostResult) error {
	return dropEPIPE(q.Sink.Write(h))
}

func (q quietOnClosedPipe) Close() error { return dropEPIPE(q.Sink.Close()) }

func dropEPIPE(err error) error {
	if errors.Is(err, syscall.EPIPE) {
		return nil
	}
	return err
}

// sayWhere tells, after the run, where its report files went: the run's
// folder, and whether the latest link now points to it (a run that was
// interrupted leaves the link on the last complete run). Quiet runs say
// it only when interrupted.
func (o *outputFlags) sayWhere(stderr io.Writer, interrupted, quiet bool) {
	d := o.files
	if d == nil || (quiet && !interrupted) {
		return
	}
	path := textsafe.Line(d.Path(), maxStderrLine)
	latest := textsafe.Line(filepath.Join(d.Root(), report.LatestLink), maxStderrLine)
	switch {
	case d.Linked():
		fmt.Fprintf(stderr, "patchscan: reports: %s (per-host XML and %s); %s points to it\n", path, report.RollupFile, latest)
	case interrupted:
		fmt.Fprintf(stderr, "patchscan: reports of this interrupted run: %s (its %s says interrupted=\"true\"); %s still points to the last complete run\n", path, report.RollupFile, latest)
	default:
		fmt.Fprintf(stderr, "patchscan: reports: %s (%s was not updated)\n", path, latest)
	}
}
