package history

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// A migration brings the schema from version-1 to version. Migrations are
// never edited once released: a change is a new migration. Statements use
// {{id}}, {{time}} and {{without_rowid}} for what differs between SQLite
// and PostgreSQL (dialect.ddl).
type migration struct {
	version     int
	description string
	statements  []string
}

// migrations is the schema's history, oldest first. docs/history.md
// describes the tables.
var migrations = []migration{
	{1, "runs, hosts, updates, result sets, host scans, results, config checks, open CVEs", []string{
		// One row per `patchscan scan`. Runs sharing a non-empty label form
		// one logical run (the shards of a fleet scan).
		`CREATE TABLE runs (
			id {{id}},
			label TEXT NOT NULL DEFAULT '',
			shard_index INTEGER NOT NULL DEFAULT 0,
			shard_count INTEGER NOT NULL DEFAULT 1,
			scanner TEXT NOT NULL DEFAULT '',
			tool_version TEXT NOT NULL DEFAULT '',
			catalog_version TEXT NOT NULL DEFAULT '',
			deadlines TEXT NOT NULL DEFAULT '',
			source TEXT NOT NULL DEFAULT 'scan',
			planned INTEGER NOT NULL DEFAULT 0,
			status TEXT NOT NULL,
			started {{time}} NOT NULL,
			finished {{time}}
		)`,
		`CREATE INDEX runs_label ON runs (label)`,
		`CREATE INDEX runs_started ON runs (started)`,
		// A host across runs, by its key (name, else address, else target).
		`CREATE TABLE hosts (
			id {{id}},
			key TEXT NOT NULL UNIQUE,
			name TEXT NOT NULL DEFAULT '',
			first_seen {{time}} NOT NULL,
			last_seen {{time}} NOT NULL
		)`,
		// What a result is about: one patch or service pack for one product.
		`CREATE TABLE updates (
			id {{id}},
			kind TEXT NOT NULL,
			bulletin TEXT NOT NULL,
			kb TEXT NOT NULL,
			product TEXT NOT NULL,
			title TEXT NOT NULL DEFAULT '',
			severity TEXT NOT NULL DEFAULT '',
			released TEXT NOT NULL DEFAULT '',
			cves TEXT NOT NULL DEFAULT '',
			UNIQUE (kind, bulletin, kb, product)
		)`,
		// What a host scan found: its results, checks and open CVEs. Sets
		// are content-addressed (digest: SHA-256 of the content, see
		// record.go), so a host that did not change since its last scan,
		// and hosts that look alike, share one set: a weekly run of a
		// steady fleet adds host scans, not results.
		`CREATE TABLE result_sets (
			id {{id}},
			digest TEXT NOT NULL UNIQUE,
			created {{time}} NOT NULL
		)`,
		// One host in one run; result_set_id is NULL when it was not scanned.
		`CREATE TABLE host_scans (
			id {{id}},
			run_id BIGINT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
			host_id BIGINT NOT NULL REFERENCES hosts (id),
			result_set_id BIGINT REFERENCES result_sets (id),
			name TEXT NOT NULL DEFAULT '',
			address TEXT NOT NULL DEFAULT '',
			target TEXT NOT NULL DEFAULT '',
			domain TEXT NOT NULL DEFAULT '',
			transport TEXT NOT NULL DEFAULT '',
			status TEXT NOT NULL,
			error TEXT NOT NULL DEFAULT '',
			os_product TEXT NOT NULL DEFAULT '',
			os_version TEXT NOT NULL DEFAULT '',
			os_build TEXT NOT NULL DEFAULT '',
			os_ubr TEXT NOT NULL DEFAULT '',
			started {{time}} NOT NULL,
			finished {{time}} NOT NULL,
			missing INTEGER NOT NULL DEFAULT 0,
			overdue INTEGER NOT NULL DEFAULT 0,
			warning INTEGER NOT NULL DEFAULT 0,
			note INTEGER NOT NULL DEFAULT 0,
			errors INTEGER NOT NULL DEFAULT 0,
			superseded INTEGER NOT NULL DEFAULT 0,
			installed INTEGER NOT NULL DEFAULT 0,
			not_applicable INTEGER NOT NULL DEFAULT 0,
			config_failed INTEGER NOT NULL DEFAULT 0,
			open_cves INTEGER NOT NULL DEFAULT 0,
			replaced BOOLEAN NOT NULL DEFAULT FALSE
		)`,
		`CREATE INDEX host_scans_run ON host_scans (run_id)`,
		`CREATE INDEX host_scans_host ON host_scans (host_id, finished)`,
		// Every stored result of a set (not-applicable ones are not stored).
		// A missing result is overdue in a host scan that finished on or
		// after its due date.
		`CREATE TABLE results (
			result_set_id BIGINT NOT NULL REFERENCES result_sets (id) ON DELETE CASCADE,
			update_id BIGINT NOT NULL REFERENCES updates (id),
			status TEXT NOT NULL,
			due {{time}},
			superseded_by TEXT NOT NULL DEFAULT '',
			PRIMARY KEY (result_set_id, update_id)
		){{without_rowid}}`,
		// MBSA-mode configuration checks (issue 16).
		`CREATE TABLE config_checks (
			result_set_id BIGINT NOT NULL REFERENCES result_sets (id) ON DELETE CASCADE,
			check_id TEXT NOT NULL,
			status TEXT NOT NULL,
			severity TEXT NOT NULL DEFAULT '',
			reason TEXT NOT NULL DEFAULT '',
			PRIMARY KEY (result_set_id, check_id)
		){{without_rowid}}`,
		// CVEs still open on a host (issue 11).
		`CREATE TABLE open_cves (
			result_set_id BIGINT NOT NULL REFERENCES result_sets (id) ON DELETE CASCADE,
			cve TEXT NOT NULL,
			severity TEXT NOT NULL DEFAULT '',
			exploited BOOLEAN NOT NULL DEFAULT FALSE,
			fixed_by TEXT NOT NULL DEFAULT '',
			PRIMARY KEY (result_set_id, cve)
		){{without_rowid}}`,
	}},
	{2, "host scans: the name the host gives itself; hosts found by address", []string{
		// A host is known by the name it gives itself (its registry's
		// ComputerName), like the rollup; one that did not say it is the
		// host last seen at its address.
		`ALTER TABLE host_scans ADD COLUMN computer_name TEXT NOT NULL DEFAULT ''`,
		`CREATE INDEX host_scans_address ON host_scans (address, finished)`,
	}},
	{3, "host scans: configuration checks in a set of their own", []string{
		// Checks change independently of results (a check's reason may name
		// the host's own administrators), so they get a content-addressed
		// set of their own and hosts of one patch level share their result
		// set. result_set_id keeps the results and open CVEs. Earlier sets
		// hold all three: their scans read checks from the same set.
		`ALTER TABLE host_scans ADD COLUMN check_set_id BIGINT REFERENCES result_sets (id)`,
		`UPDATE host_scans SET check_set_id = result_set_id`,
	}},
}

// SchemaVersion is the schema version this patchscan writes.
func SchemaVersion() int { return migrations[len(migrations)-1].version }

// migrate applies the migrations the store lacks, in one transaction,
// serialized between processes (SQLite: BEGIN IMMEDIATE; PostgreSQL: an
// advisory lock), so scanners started together on a new store do not race.
// A store newer than this patchscan is refused.
func (s *Store) migrate(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	if s.dialect.lock != "" {
		if _, err := tx.ExecContext(ctx, s.dialect.lock); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, s.dialect.ddl(`CREATE TABLE IF NOT EXISTS patchscan_schema (
		version INTEGER PRIMARY KEY,
		description TEXT NOT NULL,
		applied {{time}} NOT NULL)`)); err != nil {
		return err
	}
	have, err := currentVersion(ctx, tx)
	if err != nil {
		return err
	}
	if have > SchemaVersion() {
		return fmt.Errorf("the store's schema is version %d, newer than this patchscan knows (%d): upgrade patchscan, or choose another store with --db", have, SchemaVersion())
	}
	for _, m := range migrations {
		if m.version <= have {
			continue
		}
		for _, stmt := range m.statements {
			if _, err := tx.ExecContext(ctx, s.dialect.ddl(stmt)); err != nil {
				return fmt.Errorf("schema migration %d: %w", m.version, err)
			}
		}
		if _, err := tx.ExecContext(ctx, s.dialect.q(`INSERT INTO patchscan_schema (version, description, applied) VALUES (?, ?, ?)`),
			m.version, m.description, time.Now().UTC()); err != nil {
			return fmt.Errorf("schema migration %d: %w", m.version, err)
		}
	}
	return tx.Commit()
}

func currentVersion(ctx context.Context, tx *sql.Tx) (int, error) {
	var v sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT MAX(version) FROM patchscan_schema`).Scan(&v); err != nil {
		return 0, err
	}
	if v.Int64 < 0 || v.Int64 > 1<<20 {
		return 0, fmt.Errorf("schema version %d is not one patchscan writes", v.Int64)
	}
	return int(v.Int64), nil
}

// Version returns the store's schema version.
func (s *Store) Version(ctx context.Context) (int, error) {
	var v sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT MAX(version) FROM patchscan_schema`).Scan(&v)
	return int(v.Int64), s.wrap("reading the schema version", err)
}
