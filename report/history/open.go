package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	_ "modernc.org/sqlite"             // registers "sqlite"
)

// Store is an open history store.
type Store struct {
	db      *sql.DB
	dialect dialect
	// where names the store in messages: a file path, or a PostgreSQL URL
	// without its password.
	where  string
	secret string // a password in the DSN, scrubbed from every error
}

// Options tune Open. The zero value is what patchscan uses.
type Options struct {
	// BusyTimeout is how long a SQLite writer waits for another one (a
	// second patchscan on the same file) before giving up; 0 = 15 s.
	BusyTimeout time.Duration
	// ConnectTimeout bounds connecting to PostgreSQL; 0 = 10 s.
	ConnectTimeout time.Duration
	// MustExist: a SQLite file that does not exist is an error instead of
	// a new store (history, diff and report read; only scan creates).
	MustExist bool
}

// IsPostgres reports whether dsn names a PostgreSQL store.
func IsPostgres(dsn string) bool {
	l := strings.ToLower(dsn)
	return strings.HasPrefix(l, "postgres://") || strings.HasPrefix(l, "postgresql://")
}

// CheckDSN checks what can be checked of --db without touching the store:
// a PostgreSQL URL must parse and name a host. A bad value is the
// operator's to fix (a usage error), unlike a store that cannot be reached.
func CheckDSN(dsn string) error {
	if strings.TrimSpace(dsn) == "" {
		return errors.New("--db is empty: give a file path or a postgres:// URL")
	}
	if !IsPostgres(dsn) {
		return nil
	}
	u, err := url.Parse(dsn)
	if err != nil {
		// url's error quotes the whole URL, password included.
		return errors.New("--db: not a valid postgres:// URL (want postgres://user@host:port/database)")
	}
	if u.Host == "" {
		return fmt.Errorf("--db %s: no host (want postgres://user@host:port/database)", redact(u))
	}
	return nil
}

// Open opens (creating when needed) the store dsn names and brings its
// schema up to date. dsn is a SQLite file path (or a file: URI, or
// ":memory:"), or a postgres:// URL. Errors name the store, never with its
// password.
func Open(ctx context.Context, dsn string, opt Options) (*Store, error) {
	if err := CheckDSN(dsn); err != nil {
		return nil, err
	}
	var s *Store
	var err error
	if IsPostgres(dsn) {
		s, err = openPostgres(ctx, dsn, opt)
	} else {
		s, err = openSQLite(dsn, opt)
	}
	if err != nil {
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		_ = s.db.Close()
		return nil, s.wrap("opening", err)
	}
	return s, nil
}

// Close closes the store.
func (s *Store) Close() error { return s.db.Close() }

// Where names the store for messages (never with a password).
func (s *Store) Where() string { return s.where }

func openSQLite(dsn string, opt Options) (*Store, error) {
	busy := opt.BusyTimeout
	if busy == 0 {
		busy = 15 * time.Second
	}
	params := url.Values{}
	params.Set("_busy_timeout", strconv.FormatInt(busy.Milliseconds(), 10))
	// IMMEDIATE: a writer takes the write lock at BEGIN, so two scanners on
	// one file queue behind the busy timeout instead of failing at once on
	// a read-to-write upgrade.
	params.Set("_txlock", "immediate")
	// Times as "2006-01-02 15:04:05.999999999-07:00" (always UTC here),
	// which sort as text and read back as times.
	params.Set("_time_format", "sqlite")
	params.Add("_pragma", "foreign_keys(1)")
	where, uri := dsn, ""
	switch {
	case dsn == ":memory:":
		uri = "file::memory:?" + params.Encode()
	case strings.HasPrefix(dsn, "file:"):
		path, q, _ := strings.Cut(strings.TrimPrefix(dsn, "file:"), "?")
		where = path
		extra, err := url.ParseQuery(q)
		if err != nil {
			return nil, fmt.Errorf("--db %s: bad URI parameters: %v", dsn, err)
		}
		for k, v := range extra {
			params[k] = append(params[k], v...)
		}
		uri = "file:" + path + "?" + params.Encode()
	default:
		if _, err := os.Stat(dsn); opt.MustExist && errors.Is(err, os.ErrNotExist) {
			return nil, &StoreError{Where: dsn, Op: "opening", Err: errors.New("no such file"),
				hint: "patchscan scan creates it; give another store with --db or PATCHSCAN_DB"}
		}
		if err := createPrivate(dsn); err != nil {
			return nil, fmt.Errorf("history store %s: %w (choose another file with --db)", dsn, err)
		}
		// WAL lets `history` and `diff` read while a scan writes;
		// NORMAL syncs at checkpoints, enough for WAL to survive a crash.
		params.Set("_journal_mode", "WAL")
		params.Set("_synchronous", "NORMAL")
		uri = "file:" + escapeURIPath(dsn) + "?" + params.Encode()
	}
	db, err := sql.Open("sqlite", uri)
	if err != nil {
		return nil, fmt.Errorf("history store %s: %w", where, err)
	}
	// One connection: the process writes from one goroutine, and an
	// in-memory database exists once per connection.
	db.SetMaxOpenConns(1)
	return &Store{db: db, dialect: sqliteDialect, where: where}, nil
}

// createPrivate creates the store file (and its directory) readable by its
// owner only, before SQLite does with the umask's mode: a list of each
// host's missing patches is a map for an attacker.
func createPrivate(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if errors.Is(err, os.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return f.Close()
}

// escapeURIPath escapes what a SQLite URI gives meaning to.
func escapeURIPath(p string) string {
	r := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")
	return r.Replace(p)
}

func openPostgres(ctx context.Context, dsn string, opt Options) (*Store, error) {
	u, _ := url.Parse(dsn) // CheckDSN parsed it
	secret, _ := u.User.Password()
	q := u.Query()
	if q.Get("connect_timeout") == "" {
		t := opt.ConnectTimeout
		if t == 0 {
			t = 10 * time.Second
		}
		q.Set("connect_timeout", strconv.Itoa(max(1, int(t.Seconds()))))
	}
	if q.Get("application_name") == "" {
		q.Set("application_name", "patchscan")
	}
	u.RawQuery = q.Encode()
	s := &Store{dialect: postgresDialect, where: redact(u), secret: secret}
	db, err := sql.Open("pgx", u.String())
	if err != nil {
		return nil, s.wrap("opening", err)
	}
	db.SetMaxOpenConns(4)
	db.SetConnMaxIdleTime(time.Minute)
	s.db = db
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, s.wrap("connecting to", err)
	}
	return s, nil
}

// redact writes a URL without its password.
func redact(u *url.URL) string {
	c := *u
	if c.User != nil {
		c.User = url.User(c.User.Username())
	}
	c.RawQuery = ""
	return c.String()
}

// StoreError is a failure of the store itself (locked, full, unreachable,
// not a patchscan store), as opposed to a bad command line. The scan goes
// on without the store and exits with its own code.
type StoreError struct {
	Where string // the store, for messages
	Op    string // "recording run 12", "opening"
	Err   error
	hint  string
}

func (e *StoreError) Error() string {
	msg := fmt.Sprintf("history store %s: %s: %v", e.Where, e.Op, e.Err)
	if e.hint != "" {
		msg += " (" + e.hint + ")"
	}
	return msg
}

func (e *StoreError) Unwrap() error { return e.Err }

// wrap turns a driver error into a StoreError with a hint at what to do,
// and scrubs the password from its text.
func (s *Store) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var se *StoreError
	if errors.As(err, &se) {
		return err
	}
	if s.secret != "" && strings.Contains(err.Error(), s.secret) {
		err = errors.New(strings.ReplaceAll(err.Error(), s.secret, "xxxxx"))
	}
	return &StoreError{Where: s.where, Op: op, Err: err, hint: s.dialect.hint(err)}
}
