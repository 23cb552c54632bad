package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/patchscan/patchscan/internal/textsafe"
	"github.com/patchscan/patchscan/report"
	"github.com/spf13/cobra"
)

func init() {
	var out string
	cmd := &cobra.Command{
		Use:   "rollup DIR|FILE... [--out FILE|-]",
		Short: "Compile per-host XML reports from one or many runs into one rollup",
		Long: `rollup reads the per-host ScanReport files that 'patchscan scan' writes (every
*.xml in each DIR, or the FILEs given, including saved '--format xml' output;
a DIR that was a scan's --out is read through its "latest" link: the newest
complete run, as that run's rollup.xml counts it),
keeps the newest report of each host (by its finished time, else the report's
generated time), and writes a Rollup document (urn:patchscan:rollup:1, see
docs/report-format.md). A host is known by the name it gives itself (the
ComputerName its report carries), else by its address: scanned once by
address and once by name, it counts once.

Files that are not valid reports are listed on stderr and left out; the rollup
is still written and the exit status is 65. rollup.xml files are skipped.`,
		Example: `  # one run
  patchscan rollup SecurityScans
  # scanners at two sites, newest report per host wins
  patchscan rollup site-a/SecurityScans site-b/SecurityScans --out all.xml`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRollup(cmd.OutOrStdout(), cmd.ErrOrStderr(), args, out, time.Now())
		},
	}
	cmd.Flags().StringVarP(&out, "out", "o", "-", "where to write the rollup: a file (written atomically) or - for stdout")
	rootCmd.AddCommand(cmd)
}

// rollupReadDir reads a directory; tests replace it to make one
// unreadable (root reads every directory).
var rollupReadDir = os.ReadDir

// rollupInputs lists the files to read: every *.xml directly in each
// directory (sorted, skipping rollup.xml and hidden temp files), and files
// named directly. A directory `scan --out` wrote is read through its
// latest link, the newest complete run, so that a rollup of it agrees
// with that run's rollup.xml; with allRuns, every run folder in it is
// read instead (report html's trend). A path that does not exist is a
// usage error (a typo); one that exists but cannot be read is listed on
// stderr and counted in unreadable, and the others are still rolled up.
func rollupInputs(args []string, stderr io.Writer, allRuns bool) (files []string, unreadable int, err error) {
	var dirs []string
	for _, arg := range args {
		switch runs := report.Runs(arg); {
		case allRuns && len(runs) > 0:
			dirs = append(dirs, runs...)
		default:
			latest, _ := report.LatestRun(arg)
			dirs = append(dirs, latest)
		}
	}
	return reportFiles(dirs, stderr)
}

// reportFiles lists the *.xml files of each directory and the files
// named directly.
func reportFiles(args []string, stderr io.Writer) (files []string, unreadable int, err error) {
	for _, arg := range args {
		st, err := os.Stat(arg)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, 0, usageErrorf("rollup: %v", err)
		}
		if err != nil {
			fmt.Fprintf(stderr, "patchscan: rollup: cannot read %s: %s\n", textsafe.Line(arg, maxStderrLine), textsafe.Line(err.Error(), maxStderrLine))
			unreadable++
			continue
		}
		if !st.IsDir() {
			files = append(files, arg)
			continue
		}
		entries, err := rollupReadDir(arg)
		if err != nil {
			fmt.Fprintf(stderr, "patchscan: rollup: cannot read directory %s: %s\n", textsafe.Line(arg, maxStderrLine), textsafe.Line(err.Error(), maxStderrLine))
			unreadable++
			continue
		}
		var names []string
		for _, e := range entries {
			n := e.Name()
			if !e.Type().IsRegular() || strings.HasPrefix(n, ".") || !strings.EqualFold(filepath.Ext(n), ".xml") || strings.EqualFold(n, report.RollupFile) {
				continue
			}
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			files = append(files, filepath.Join(arg, n))
		}
	}
	return files, unreadable, nil
}

func runRollup(stdout, stderr io.Writer, args []string, out string, now time.Time) error {
	files, unreadable, err := rollupInputs(args, stderr, false)
	if err != nil {
		return err
	}
	bad := unreadable
	var latest report.Latest
	reports := 0
	for _, f := range files {
		hosts, err := report.ReadHostFile(f)
		switch {
		case errors.Is(err, report.ErrNotHostReport):
			fmt.Fprintf(stderr, "patchscan: rollup: skipping %s: not a patchscan ScanReport\n", textsafe.Line(f, maxStderrLine))
			continue
		case err != nil:
			fmt.Fprintf(stderr, "patchscan: rollup: %s\n", textsafe.Line(err.Error(), maxStderrLine))
			bad++
			continue
		}
		reports++
		for _, h := range hosts {
			latest.Add(h)
		}
	}
	if reports == 0 && bad == 0 {
		return usageErrorf("rollup: no ScanReport files (*.xml) in %s%s", strings.Join(args, ", "), noCompleteRunHint(args))
	}

	hosts := latest.Hosts()
	warnMixedCatalogs(stderr, hosts)
	r := report.NewRollup(commonCatalogVersion(hosts), now)
	for _, h := range hosts {
		r.Add(h)
	}
	if out == "-" {
		if err := r.WriteXML(stdout); err != nil {
			return fmt.Errorf("rollup: writing to stdout: %w", err)
		}
	} else if err := report.WriteFileAtomic(out, r.WriteXML); err != nil {
		return &exitError{code: ExitWrite, err: fmt.Errorf("rollup: %w (choose another --out)", err)}
	}
	if bad > 0 {
		return &exitError{code: ExitBadCatalog, err: fmt.Errorf("rollup: %d of %d inputs could not be read (listed above) and were left out", bad, len(files)+unreadable)}
	}
	return nil
}

// warnMixedCatalogs says on stderr when the hosts were scanned with
// different catalogs: their verdicts judge them against different data,
// so a host "compliant" under an old catalog may not be under the new.
func warnMixedCatalogs(stderr io.Writer, hosts []report.HostSummary) {
	count := map[string]int{}
	for _, h := range hosts {
		count[h.CatalogVersion]++
	}
	if len(count) < 2 {
		return
	}
	versions := make([]string, 0, len(count))
	for v := range count {
		versions = append(versions, v)
	}
	sort.Strings(versions)
	var parts []string
	for i, v := range versions {
		if i == 5 {
			parts = append(parts, fmt.Sprintf("and %d more", len(versions)-5))
			break
		}
		name := v
		if name == "" {
			name = "(none given)"
		}
		parts = append(parts, fmt.Sprintf("%s: %d host(s)", name, count[v]))
	}
	fmt.Fprintf(stderr, "patchscan: rollup: warning: the reports were made with %d catalog versions (%s): hosts were judged against different data; rescan with one catalog to compare them\n",
		len(versions), textsafe.Line(strings.Join(parts, ", "), maxStderrLine))
}

// commonCatalogVersion is the catalog version every host was scanned with,
// or "" when they differ (each Host then carries its own).
func commonCatalogVersion(hosts []report.HostSummary) string {
	v := ""
	for i, h := range hosts {
		if i == 0 {
			v = h.CatalogVersion
		} else if h.CatalogVersion != v {
			return ""
		}
	}
	return v
}

// noCompleteRunHint explains an empty rollup of a scan's --out directory
// whose runs were all interrupted: it has run folders but no latest link
// (only a complete run gets one), and names the newest run to read.
func noCompleteRunHint(args []string) string {
	for _, arg := range args {
		runs := report.Runs(arg)
		if _, linked := report.LatestRun(arg); len(runs) == 0 || linked {
			continue
		}
		return fmt.Sprintf(" (%s holds %d run folder(s) but no complete run, so no %s link: name a run's folder, such as %s)",
			arg, len(runs), report.LatestLink, runs[len(runs)-1])
	}
	return ""
}
