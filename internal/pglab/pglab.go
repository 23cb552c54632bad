// Package pglab starts a real PostgreSQL server (Debian's postgresql
// package) for tests: a fresh cluster made by initdb in a temporary
// directory, run by an unprivileged account, listening only on a random
// 127.x.y.z address and port, with password (SCRAM) logins over TCP.
//
// The server runs in the foreground under procutil.StartPinned rather than
// through pg_ctl's daemon mode, so it dies with the test binary (a killed
// or timed-out test leaves no postgres behind), as the Samba labs do.
package pglab

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/patchscan/patchscan/internal/procutil"
	"github.com/patchscan/patchscan/internal/testenv"
)

// Account is the unix user the server runs as when the tests run as root
// (PostgreSQL refuses to run as root).
const Account = "patchscan-pg"

// User is the database superuser the cluster is made with.
const User = "patchscan"

// ErrUnavailable wraps every reason the server cannot run here (PostgreSQL
// not installed): tests skip on it unless CI=true.
var ErrUnavailable = errors.New("postgresql lab unavailable")

// Server is a running PostgreSQL server.
type Server struct {
	Dir  string
	Host string // loopback address it listens on
	Port int
	// Password of User. Never log it; give it to clients through
	// PGPASSWORD (Env), not in a URL on a command line.
	Password string

	cmd     *exec.Cmd
	exited  chan struct{}
	log     string
	stopped sync.Once
	stopErr error
}

// Start starts a server for a test and stops it on t.Cleanup. When it
// cannot start, the test is skipped locally and fails when CI=true.
func Start(t testing.TB) *Server {
	t.Helper()
	return testenv.Up(t, "postgresql lab", func() (*Server, error) { return Run(t.TempDir()) }, (*Server).Stop)
}

// Bin finds a PostgreSQL program: in the newest /usr/lib/postgresql/N/bin
// (Debian does not put initdb and postgres on PATH), else on PATH.
func Bin(name string) (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		p := filepath.Join(d, name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("%w: %s not found: install Debian's postgresql package (make deps)", ErrUnavailable, name)
}

func version(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

// Run makes a cluster under dir and starts it. The caller must Stop it.
func Run(dir string) (*Server, error) {
	initdb, err := Bin("initdb")
	if err != nil {
		return nil, err
	}
	postgres, err := Bin("postgres")
	if err != nil {
		return nil, err
	}
	cred, err := account()
	if err != nil {
		return nil, err
	}
	s := &Server{Dir: filepath.Join(dir, "pg"), Password: randomPassword(), exited: make(chan struct{})}
	if err := s.prepare(dir, cred); err != nil {
		return nil, err
	}
	if err := s.initdb(initdb, cred); err != nil {
		return nil, err
	}
	if s.Host, s.Port, err = freeAddr(); err != nil {
		return nil, err
	}
	if err := s.start(postgres, cred); err != nil {
		return nil, err
	}
	if err := s.waitReady(30 * time.Second); err != nil {
		_ = s.Stop()
		return nil, err
	}
	return s, nil
}

// account returns the credential the server runs with: the current user,
// or Account (created once) when running as root.
func account() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup(Account)
	if err != nil {
		out, cerr := exec.Command("useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent",
			"--shell", "/usr/sbin/nologin", "--comment", "patchscan PostgreSQL lab", Account).CombinedOutput()
		if u, err = user.Lookup(Account); err != nil {
			return nil, fmt.Errorf("%w: creating unix user %s: %v: %s", ErrUnavailable, Account, cerr, strings.TrimSpace(string(out)))
		}
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// prepare makes the server's directory, owned by the account, and lets it
// walk down to it (t.TempDir and its parent are 0700).
func (s *Server) prepare(dir string, cred *syscall.Credential) error {
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return fmt.Errorf("pglab: %w", err)
	}
	for _, d := range []string{dir, filepath.Dir(dir)} {
		if d != "/" && d != os.TempDir() {
			if err := os.Chmod(d, 0o755); err != nil {
				return fmt.Errorf("pglab: making %s reachable: %w", d, err)
			}
		}
	}
	if err := os.WriteFile(filepath.Join(s.Dir, "pwfile"), []byte(s.Password+"\n"), 0o600); err != nil {
		return fmt.Errorf("pglab: %w", err)
	}
	if err := os.MkdirAll(filepath.Join(s.Dir, "sock"), 0o700); err != nil {
		return fmt.Errorf("pglab: %w", err)
	}
	if cred == nil {
		return nil
	}
	return filepath.Walk(s.Dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, int(cred.Uid), int(cred.Gid))
	})
}

func (s *Server) command(cred *syscall.Credential, name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Dir = s.Dir
	cmd.Env = []string{"PATH=/usr/bin:/bin", "LC_ALL=C.UTF-8", "LANG=C.UTF-8"}
	if cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	}
	return cmd
}

func (s *Server) initdb(initdb string, cred *syscall.Credential) error {
	cmd := s.command(cred, initdb, "-D", filepath.Join(s.Dir, "data"), "-U", User,
		"--pwfile="+filepath.Join(s.Dir, "pwfile"), "--auth-host=scram-sha-256", "--auth-local=trust",
		"-E", "UTF8", "--locale=C.UTF-8", "--no-sync", "--no-instructions")
	out, err := cmd.CombinedOutput()
	_ = os.Remove(filepath.Join(s.Dir, "pwfile"))
	if err != nil {
		return fmt.Errorf("pglab: initdb: %v: %s", err, tailText(string(out)))
	}
	// initdb allows TCP logins from 127.0.0.1 only; the server listens on
	// another loopback address.
	hba := "local all all trust\nhost all all 127.0.0.0/8 scram-sha-256\n"
	hbaPath := filepath.Join(s.Dir, "data", "pg_hba.conf")
	if err := os.WriteFile(hbaPath, []byte(hba), 0o600); err != nil {
		return fmt.Errorf("pglab: %w", err)
	}
	if cred != nil {
		return os.Chown(hbaPath, int(cred.Uid), int(cred.Gid))
	}
	return nil
}

func (s *Server) start(postgres string, cred *syscall.Credential) error {
	s.log = filepath.Join(s.Dir, "postgres.log")
	logf, err := os.Create(s.log)
	if err != nil {
		return fmt.Errorf("pglab: %w", err)
	}
	defer logf.Close()
	// Durability is not what these tests measure: no fsync.
	s.cmd = s.command(cred, postgres, "-D", filepath.Join(s.Dir, "data"),
		"-c", "listen_addresses="+s.Host, "-p", strconv.Itoa(s.Port),
		"-c", "unix_socket_directories="+filepath.Join(s.Dir, "sock"),
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
		"-c", "max_connections=60", "-c", "shared_buffers=32MB")
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	if err := procutil.StartPinned(s.cmd, func() { close(s.exited) }); err != nil {
		return fmt.Errorf("pglab: starting postgres: %w", err)
	}
	return nil
}

func (s *Server) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		select {
		case <-s.exited:
			return fmt.Errorf("pglab: postgres exited at start: %s", tailFile(s.log))
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		conn, err := pgx.Connect(ctx, s.dsn("postgres", true))
		if err == nil {
			_ = conn.Close(ctx)
			cancel()
			return nil
		}
		cancel()
		last = err
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("pglab: postgres did not accept logins within %s: %v: %s", timeout, s.scrub(last), tailFile(s.log))
}

// Stop shuts the server down (fast shutdown, then SIGKILL after 10 s).
func (s *Server) Stop() error {
	s.stopped.Do(func() {
		if s.cmd == nil || s.cmd.Process == nil {
			return
		}
		_ = s.cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-s.exited:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
			<-s.exited
			s.stopErr = fmt.Errorf("postgres did not stop within 10 s; killed: %s", tailFile(s.log))
		}
	})
	return s.stopErr
}

// dsn is a URL for database db, with the password only when withPassword
// (for the harness's own connections; clients get PGPASSWORD).
func (s *Server) dsn(db string, withPassword bool) string {
	u := url.URL{Scheme: "postgres", Host: net.JoinHostPort(s.Host, strconv.Itoa(s.Port)), Path: "/" + db,
		RawQuery: "sslmode=disable"}
	if withPassword {
		u.User = url.UserPassword(User, s.Password)
	} else {
		u.User = url.User(User)
	}
	return u.String()
}

// Env returns the environment a client needs besides the URL: the
// password in PGPASSWORD, as patchscan's README advises.
func (s *Server) Env() []string { return []string{"PGPASSWORD=" + s.Password} }

// CreateDB creates a fresh database and returns its URL, without the
// password (see Env).
func (s *Server) CreateDB(name string) (string, error) {
	if !validName(name) {
		return "", fmt.Errorf("pglab: database name %q: use lower-case letters, digits and _", name)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.dsn("postgres", true))
	if err != nil {
		return "", fmt.Errorf("pglab: %v", s.scrub(err))
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", fmt.Errorf("pglab: creating database %s: %v", name, s.scrub(err))
	}
	return s.dsn(name, false), nil
}

// Exec runs one SQL statement in database db as the superuser (tests use
// it to break things: revoke rights, fill tables, lock them).
func (s *Server) Exec(ctx context.Context, db, sql string) error {
	conn, err := pgx.Connect(ctx, s.dsn(db, true))
	if err != nil {
		return fmt.Errorf("pglab: %v", s.scrub(err))
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return s.scrub(err)
}

// Connect opens a superuser connection to database db.
func (s *Server) Connect(ctx context.Context, db string) (*pgx.Conn, error) {
	conn, err := pgx.Connect(ctx, s.dsn(db, true))
	return conn, s.scrub(err)
}

func (s *Server) scrub(err error) error {
	if err == nil || !strings.Contains(err.Error(), s.Password) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), s.Password, "xxxxx"))
}

func validName(n string) bool {
	if n == "" || len(n) > 63 {
		return false
	}
	for _, c := range n {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return n[0] < '0' || n[0] > '9'
}

// freeAddr picks a random 127.x.y.z address and a free port on it, so
// servers of concurrently running test packages never collide.
func freeAddr() (string, int, error) {
	for attempt := 0; attempt < 20; attempt++ {
		var b [3]byte
		_, _ = rand.Read(b[:])
		ip := fmt.Sprintf("127.%d.%d.%d", 100+int(b[0])%150, b[1], 2+int(b[2])%250)
		ln, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
		if err != nil {
			continue
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		return ip, port, nil
	}
	return "", 0, errors.New("pglab: no free loopback address found")
}

func randomPassword() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "Pg-" + hex.EncodeToString(b)
}

func tailFile(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return tailText(string(b))
}

func tailText(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 1500 {
		s = "..." + s[len(s)-1500:]
	}
	return s
}
