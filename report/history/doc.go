// Package history is patchscan's store of every scan: runs, hosts, their
// results, configuration checks and open CVEs, in SQLite (one file in the
// user data directory, through the pure-Go modernc.org/sqlite driver so the
// binary stays static) or in PostgreSQL (github.com/jackc/pgx/v5), where
// several scanners write one store at the same time.
//
// It sits under report/ because it is one more consumer of the stream of
// host results the report writers are fed (NewSink is a report.Sink), and
// it reads what those writers wrote (per-host XML, for `report html DIR`);
// it is a package of its own so that report/ and its importers do not pull
// in SQL drivers.
//
// # Runs
//
// A run is one `patchscan scan`. Runs given the same label (--run-label)
// form one logical run: the N shards of a fleet scan (--shard I/N) started
// by cron on N machines or by a Kubernetes Indexed Job. Within a logical
// run a host scanned twice (a retried shard) counts once, by its newest
// scan. `history`, `diff` and `report html` work on logical runs.
//
// # Outside data
//
// The store is read back as outside data: someone else's file, a database
// other tools write. Every string is cleaned and bounded on the way in and
// on the way out, statuses are checked, and row counts are bounded, so a
// hostile store gives a clear error, never a panic or unbounded memory.
//
// The schema is created and upgraded by versioned migrations that run
// automatically when a store is opened (see migrate.go and
// docs/history.md).
package history
