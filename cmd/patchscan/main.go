// Command patchscan is an agentless Windows patch and configuration
// compliance scanner. The commands here only parse flags, build a run and
// hand off to the packages that do the work.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/patchscan/patchscan/internal/textsafe"
	"github.com/spf13/cobra"
)

// Exit codes, stable for scripts and schedulers (documented in README.md).
const (
	ExitCompliant  = 0  // every scanned host is compliant
	ExitMissing    = 1  // missing patches, or a failed configuration check of severity Critical or Important
	ExitNotScanned = 2  // some hosts could not be scanned
	ExitBoth       = 3  // missing patches and unscanned hosts
	ExitUsage      = 64 // bad command line or target list (EX_USAGE)
	ExitBadCatalog = 65 // the catalog or the configuration baseline is invalid (EX_DATAERR)
	ExitInternal   = 70 // an unexpected failure (EX_SOFTWARE)
	// ExitWrite: the reports (--out, rollup --out) could not be written.
	// README documents 70 for it; it shares EX_SOFTWARE's number.
	ExitWrite = 70
	// ExitStore: the history store could not record the run (locked, full
	// or unreachable) or be read; a scan's report files are complete.
	// EX_TEMPFAIL: run again when the store is back.
	ExitStore = 75
)

// exitError carries an exit code out of a command.
type exitError struct {
	code int
	err  error // nil: exit quietly (the command already said what it had to)
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

func usageErrorf(format string, a ...any) error {
	return &exitError{code: ExitUsage, err: fmt.Errorf(format, a...)}
}

var rootCmd = &cobra.Command{
	Use:   "patchscan",
	Short: "Agentless Windows patch and configuration compliance scanner",
	Long: `patchscan loads a security catalog, reads registry values, file versions and
checksums from Windows hosts over SMB or WinRM, and says which patches each
host is missing.`,
	SilenceUsage:  true,
	SilenceErrors: true,
}

func main() {
	os.Exit(run(os.Args[1:]))
}

// maxStderrLine bounds, in runes, outside text (host errors, AD names,
// target inputs, file names) that stderr quotes; every such string goes
// through textsafe so that no host, DC or input can put control or bidi
// characters on the operator's terminal.
const maxStderrLine = 4096

// run executes the command line and returns the process exit code.
func run(args []string) int {
	rootCmd.SetArgs(args)
	err := rootCmd.Execute()
	var ee *exitError
	if err != nil && (!errors.As(err, &ee) || ee.err != nil) {
		fmt.Fprintln(os.Stderr, "patchscan:", textsafe.Text(err.Error(), maxStderrLine))
	}
	return exitCodeOf(err)
}

// exitCodeOf maps what a command returned to the process exit code. Errors
// cobra raises itself (unknown flag, bad arguments) are usage errors.
func exitCodeOf(err error) int {
	var ee *exitError
	switch {
	case err == nil:
		return ExitCompliant
	case errors.As(err, &ee):
		return ee.code
	}
	return ExitUsage
}
