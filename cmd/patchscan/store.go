package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/patchscan/patchscan/internal/textsafe"
	"github.com/patchscan/patchscan/report"
	"github.com/patchscan/patchscan/report/deadline"
	"github.com/patchscan/patchscan/report/history"
	"github.com/patchscan/patchscan/scan"
	"github.com/patchscan/patchscan/scan/targets"
)

// envDB names the environment variable that replaces the default store
// (a file path or a postgres:// URL), for deployments that set it once.
const envDB = "PATCHSCAN_DB"

// defaultDBPath is the store without --db: $PATCHSCAN_DB, else
// history.db in the user data directory (XDG_DATA_HOME or
// ~/.local/share/patchscan on Unix, %LocalAppData%\patchscan on Windows,
// ~/Library/Application Support/patchscan on macOS).
func defaultDBPath(getenv func(string) string) (string, error) {
	if v := getenv(envDB); v != "" {
		return v, nil
	}
	var base string
	switch runtime.GOOS {
	case "windows":
		base = getenv("LocalAppData")
	case "darwin":
		if home := getenv("HOME"); home != "" {
			base = filepath.Join(home, "Library", "Application Support")
		}
	default:
		base = getenv("XDG_DATA_HOME")
		if base == "" || !filepath.IsAbs(base) {
			if home := getenv("HOME"); home != "" {
				base = filepath.Join(home, ".local", "share")
			}
		}
	}
	if base == "" {
		return "", errors.New("no user data directory (HOME is not set): give the store with --db or PATCHSCAN_DB, or --no-db")
	}
	return filepath.Join(base, "patchscan", "history.db"), nil
}

// dbFlag is --db, shared by scan, history, diff and report html.
type dbFlag struct{ db string }

func (d *dbFlag) register(fs *pflag.FlagSet) {
	fs.StringVar(&d.db, "db", "", "history store: a SQLite file or a postgres://user@host/db URL (password in PGPASSWORD or ~/.pgpass, not in the URL); default $PATCHSCAN_DB, else history.db in the user data directory")
}

// dsn is the store to use, checked (a bad value is a usage error).
func (d *dbFlag) dsn() (string, error) {
	dsn := d.db
	if dsn == "" {
		var err error
		if dsn, err = defaultDBPath(os.Getenv); err != nil {
			return "", usageErrorf("%v", err)
		}
	}
	if err := history.CheckDSN(dsn); err != nil {
		return "", usageErrorf("%v", err)
	}
	return dsn, nil
}

// storeError is a store failure: exit status 75 (EX_TEMPFAIL: run again
// when the store is back), whatever the findings were.
func storeError(err error) error { return &exitError{code: ExitStore, err: err} }

// openForReading opens an existing store for history, diff and report.
func (d *dbFlag) openForReading(ctx context.Context) (*history.Store, error) {
	dsn, err := d.dsn()
	if err != nil {
		return nil, err
	}
	s, err := history.Open(ctx, dsn, history.Options{MustExist: true})
	if err != nil {
		return nil, storeError(err)
	}
	return s, nil
}

// storeFlags are the options of `patchscan scan` about the history store,
// due dates, shards and what makes exit status 1.
type storeFlags struct {
	dbFlag
	noDB      bool
	runLabel  string
	shard     string
	deadlines string
	failOn    string

	parsedShard targets.Shard
	policy      deadline.Policy
}

func (s *storeFlags) register(fs *pflag.FlagSet) {
	s.dbFlag.register(fs)
	fs.BoolVar(&s.noDB, "no-db", false, "record nothing in the history store (an ad-hoc scan)")
	fs.StringVar(&s.runLabel, "run-label", "", "label joining this run with others into one (the shards of a fleet scan: every shard gives the same label, e.g. weekly-2026-W48 or $JOB_NAME)")
	fs.StringVar(&s.shard, "shard", "", "scan shard I of N (I/N, from 0) of the expanded targets, chosen by a hash of each target: N scanners with 0/N ... N-1/N cover the fleet once")
	fs.StringVar(&s.deadlines, "deadlines", "", "due-date deadlines per severity, e.g. critical=24h,important=1mo,moderate=4mo,low=12mo (the default), or @FILE; default also read from deadlines.conf in the user config directory")
	fs.StringVar(&s.failOn, "fail-on", "missing", "what makes exit status 1: missing (any missing patch or failed Critical/Important configuration check) or overdue (only missing patches past their due date)")
}

// check validates the options and reads the deadlines.
func (s *storeFlags) check(fs *pflag.FlagSet) error {
	switch s.failOn {
	case "missing", "overdue":
	default:
		return usageErrorf("--fail-on %q: use missing or overdue", textsafe.Line(s.failOn, 40))
	}
	if s.noDB && fs.Changed("db") {
		return usageErrorf("--db and --no-db contradict each other: give one of them")
	}
	if !s.noDB {
		if _, err := s.dsn(); err != nil {
			return err
		}
	}
	if err := history.ValidLabel(s.runLabel); err != nil {
		return usageErrorf("--%v", err)
	}
	if s.shard != "" {
		sh, err := targets.ParseShard(s.shard)
		if err != nil {
			return usageErrorf("%v", err)
		}
		s.parsedShard = sh
		if sh.Count > 1 && s.runLabel == "" && !s.noDB {
			return usageErrorf("--shard %s needs --run-label: every shard of one fleet scan gives the same label, so the store sees one run (e.g. --run-label weekly-$(date +%%G-W%%V), or $JOB_NAME in Kubernetes)", sh)
		}
	}
	p, err := readDeadlines(s.deadlines, fs.Changed("deadlines"))
	if err != nil {
		return err
	}
	s.policy = p
	return nil
}

// readDeadlines reads --deadlines (a policy or @FILE), else the user's
// deadlines.conf when there is one, else the default.
func readDeadlines(v string, given bool) (deadline.Policy, error) {
	path := ""
	switch {
	case given && strings.HasPrefix(v, "@"):
		path = strings.TrimPrefix(v, "@")
	case given:
		p, err := deadline.Parse(strings.ReplaceAll(v, ";", ","))
		if err != nil {
			return nil, usageErrorf("--deadlines: %v", err)
		}
		return p, nil
	default:
		dir, err := os.UserConfigDir()
		if err != nil {
			return deadline.Default(), nil
		}
		path = filepath.Join(dir, "patchscan", "deadlines.conf")
		if _, err := os.Stat(path); err != nil {
			return deadline.Default(), nil
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, usageErrorf("--deadlines: %v", err)
	}
	defer f.Close()
	p, err := deadline.Read(f, path)
	if err != nil {
		return nil, usageErrorf("--deadlines: %v", err)
	}
	return p, nil
}

// finding reports whether a host counts for exit status 1: a missing
// patch or a failed configuration check of severity Critical or Important,
// or with --fail-on overdue only a missing patch past its due date
// (configuration checks have none).
func (s *storeFlags) finding(meta report.Meta, r scan.HostResult) bool {
	if s.failOn == "overdue" {
		return report.OverdueCount(meta, r) > 0
	}
	return hasMissing(r.Report) || r.Config.Blocking()
}

// storeRun records a scan in the store. A store that cannot be opened,
// is locked, full or unreachable never stops the scan: the run goes on
// without it, the report files hold every host, and the command ends with
// exit status 75 saying what was lost.
type storeRun struct {
	ctx    context.Context
	store  *history.Store
	sink   *history.Sink
	err    error // the store's failure
	stderr io.Writer
}

// openStore starts recording the run, or says why it cannot.
func (s *storeFlags) openStore(ctx context.Context, stderr io.Writer, meta report.Meta, planned int) (*storeRun, error) {
	r := &storeRun{ctx: ctx, stderr: stderr}
	if s.noDB {
		return r, nil
	}
	dsn, err := s.dsn()
	if err != nil {
		return nil, err
	}
	octx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if r.store, err = history.Open(octx, dsn, history.Options{}); err == nil {
		scanner, _ := os.Hostname()
		var rec *history.Recorder
		rec, err = r.store.StartRun(octx, history.RunInfo{Label: s.runLabel, ShardIndex: s.parsedShard.Index,
			ShardCount: s.parsedShard.Count, Scanner: scanner, ToolVersion: meta.ToolVersion,
			CatalogVersion: meta.CatalogVersion, Deadlines: s.policy.String(), Planned: planned, Started: meta.Generated})
		if err == nil {
			r.sink = history.NewSink(rec, meta)
		}
	}
	if err != nil {
		r.fail(err)
	}
	return r, nil
}

func (r *storeRun) fail(err error) {
	r.err = err
	fmt.Fprintf(r.stderr, "patchscan: %s; the scan goes on without it (the report files hold every host) and ends with exit status %d\n",
		textsafe.Line(err.Error(), maxStderrLine), ExitStore)
	if r.store != nil {
		_ = r.store.Close()
		r.store = nil
	}
}

func (r *storeRun) Write(h scan.HostResult) error {
	if r.sink == nil {
		return nil
	}
	return r.sink.Write(h)
}

// Close records the run's end (interrupted when the run's context ended
// early) and keeps the store's failure for exitStatus.
func (r *storeRun) Close() error {
	if r.sink == nil {
		return nil
	}
	if r.ctx.Err() != nil {
		r.sink.SetStatus(history.RunInterrupted)
	}
	if err := r.sink.Close(); err != nil && r.err == nil {
		r.err = err
	}
	r.sink = nil
	_ = r.store.Close()
	return nil
}

// exitStatus turns the scan's status into 75 when the store failed. A
// usage, catalog or internal error keeps its own code.
func (r *storeRun) exitStatus(scanErr error) error {
	if r == nil || r.err == nil {
		return scanErr
	}
	var ee *exitError
	if scanErr != nil && errors.As(scanErr, &ee) && ee.code > ExitBoth {
		return scanErr
	}
	return storeError(fmt.Errorf("%w (the scan finished; its findings are in the report files)", r.err))
}
