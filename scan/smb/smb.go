// Package smb reads Windows hosts the way MBSA did: the registry over the
// Remote Registry pipe (\PIPE\winreg on IPC$, MS-RRP) and file versions
// from the admin shares (ADMIN$, C$), all over one SMB2/3 session per host
// (NTLMv2, signing required, encryption when the server asks for it).
//
// It is read-only: keys are opened with KEY_READ, files for reading.
package smb

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	smb2 "github.com/cloudsoda/go-smb2"

	"github.com/patchscan/patchscan/internal/rrp"
	"github.com/patchscan/patchscan/scan/transport"
)

// DefaultPort is SMB over TCP.
const DefaultPort = 445

// Defaults of Config. A file costs three round trips (create, size and
// headers, resources) and a registry key about three calls, so a batch
// ends in about three round trips when every file and every key has its
// own worker: the bench catalog's 20 files and 16 keys do. Each costs the
// server little (a handle; an RPC association) and the client one or two
// of the 128 credits go-smb2 asks for at a time.
const (
	DefaultFileConcurrency = 32
	DefaultRegistryPipes   = 16
)

// Config configures the SMB opener.
type Config struct {
	// Port dialled when an endpoint's address has none; 0 = 445.
	Port int
	// FileConcurrency bounds the files read at once on one host; 0 =
	// DefaultFileConcurrency.
	FileConcurrency int
	// RegistryPipes is how many \PIPE\winreg instances a session uses at
	// most; 0 = DefaultRegistryPipes. A pipe carries one RPC call at a
	// time, so several pipes let registry reads overlap.
	RegistryPipes int
	// Dial opens the TCP connection; nil = net.Dialer. Tests wrap it to
	// count round trips.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// NewOpener returns the SMB transport.
func NewOpener(cfg Config) transport.Opener {
	if cfg.Port == 0 {
		cfg.Port = DefaultPort
	}
	if cfg.FileConcurrency <= 0 {
		cfg.FileConcurrency = DefaultFileConcurrency
	}
	if cfg.RegistryPipes <= 0 {
		cfg.RegistryPipes = DefaultRegistryPipes
	}
	if cfg.Dial == nil {
		var d net.Dialer
		cfg.Dial = d.DialContext
	}
	return &opener{cfg: cfg}
}

type opener struct{ cfg Config }

func (o *opener) Name() string { return "smb" }

// opOpenHKLM is the last step of opening a winreg pipe: the pipe and its
// binding are there, so the registry service answers.
const opOpenHKLM = "open HKLM"

const (
	hintUnreachable = "check that the host is up and TCP port 445 (File and Printer Sharing) is reachable"
	hintAuth        = "check --user and the password"
	hintWinreg      = "is the Remote Registry service running? or try --transport winrm"
	hintNotSMB      = "the host's port answered, but not as a Windows/Samba file service should: check the address and port, or what sits in between"
)

// Open connects, authenticates and binds the winreg pipe. Every failure is
// a *transport.Error whose Kind is the host's status.
func (o *opener) Open(ctx context.Context, ep transport.Endpoint, opts transport.Options) (transport.Session, error) {
	addr := ep.Addr
	if addr == "" {
		addr = ep.Host
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		addr = net.JoinHostPort(strings.Trim(addr, "[]"), strconv.Itoa(o.cfg.Port))
	}
	host := ep.Host
	if host == "" {
		host = addr
	}
	fail := func(kind transport.Outcome, op string, err error, hint string) error {
		return &transport.Error{Outcome: kind, Host: host, Op: op, Err: err, Hint: hint}
	}

	setupCtx := ctx
	if opts.Timeout > 0 {
		var cancel context.CancelFunc
		setupCtx, cancel = context.WithTimeout(ctx, opts.Timeout)
		defer cancel()
	}
	raw, err := o.cfg.Dial(setupCtx, "tcp", addr)
	if err != nil {
		return nil, transport.Tag(fail(transport.Unreachable, "connect", dialError(err, addr), hintUnreachable), transport.ErrNoConnection)
	}
	conn := newFrameConn(raw)
	s := &session{host: host, conn: conn, timeout: opts.Timeout, sem: make(chan struct{}, o.cfg.FileConcurrency),
		pipes: make(chan *regPipe, o.cfg.RegistryPipes), values: map[string]valueEntry{}, shares: map[string]*shareEntry{}}
	// Cancelling the context (or the setup deadline) closes the
	// connection, which fails every outstanding SMB request at once.
	stop := context.AfterFunc(setupCtx, func() { conn.Close() })
	defer stop()
	ok := false
	defer func() {
		if !ok {
			s.Close()
		}
	}()

	cred := opts.Credentials
	d := &smb2.Dialer{
		Negotiator: smb2.Negotiator{RequireMessageSigning: true},
		Initiator: &smb2.NTLMInitiator{
			User: cred.User, Password: cred.Password, Hash: cred.NTHash, Domain: cred.Domain,
		},
	}
	sess, err := d.DialConn(setupCtx, conn, host)
	if err != nil {
		if v := conn.violation(); v != nil {
			return nil, fail(transport.Failed, "negotiate", v, hintNotSMB)
		}
		kind, hint := classify(err, setupCtx)
		if kind == transport.Failed {
			if msg, ok := authStatus(err); ok {
				kind, hint = transport.AuthFailed, hintAuth
				err = fmt.Errorf("logon of %s refused: %s", cred, msg)
			}
		}
		return nil, fail(kind, "session setup", cleanErr(err, setupCtx), hint)
	}
	s.sess = sess
	conn.sessionUp()
	ipc, err := sess.WithContext(setupCtx).Mount("IPC$")
	if err != nil {
		if v := conn.violation(); v != nil {
			return nil, fail(transport.Failed, "connect to IPC$", v, hintNotSMB)
		}
		kind, hint := classify(err, setupCtx)
		if errors.Is(err, os.ErrPermission) {
			kind, hint = transport.AccessDenied, "the account must be an administrator of the host"
		}
		return nil, fail(kind, "connect to IPC$", cleanErr(err, setupCtx), hint)
	}
	s.ipc = ipc
	// The first pipe decides whether the host can be scanned at all. Once
	// it is open (the server's registry service is up: Samba starts it on
	// demand, and concurrent first opens can stall it), the other pipes
	// and the ADMIN$ tree most file checks need are set up in the
	// background, ready by the time the first batch of facts arrives.
	// Close waits for them; if they fail, the session has fewer pipes.
	more := func() {
		for i := 1; i < o.cfg.RegistryPipes; i++ {
			s.bgGo(func() {
				if p, _, err := s.openPipe(ipc, nil); err == nil {
					s.addPipe(p)
				}
			})
		}
		s.bgGo(func() { _, _ = s.mount("ADMIN$") })
	}
	p, op, err := s.openPipe(ipc, more)
	if err != nil {
		if v := conn.violation(); v != nil {
			return nil, fail(transport.Failed, op, v, hintNotSMB)
		}
		kind, hint := classify(err, setupCtx)
		if kind == transport.Failed {
			hint = "winreg pipe unavailable on " + host + ": " + hintWinreg
			switch {
			case errors.Is(err, os.ErrPermission):
				kind = transport.AccessDenied
			case errors.Is(err, rrp.Win32Error(rrp.ErrorAccessDenied)):
				kind, hint = transport.AccessDenied, "the account may not read the registry remotely: it must be an administrator of the host"
			}
		}
		err = fail(kind, op, cleanErr(pathErr(err), setupCtx), hint)
		if kind == transport.Failed && op != opOpenHKLM {
			// The pipe or its binding is missing: another transport
			// may still read the registry (transport.NewAuto).
			err = transport.Tag(err, transport.ErrRegistryUnavailable)
		}
		return nil, err
	}
	s.addPipe(p)
	ok = true
	return s, nil
}

// dialError keeps the dial error but says plainly what happened.
func dialError(err error, addr string) error {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("no answer from %s before the timeout: %w", addr, err)
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("connection to %s refused: %w", addr, err)
	}
	return err
}

// classify maps transport-level failures (connection lost, timeouts) to
// Unreachable; everything else is Failed for the caller to refine.
func classify(err error, ctx context.Context) (transport.Outcome, string) {
	if ctx.Err() != nil {
		return transport.Unreachable, "the host did not answer in time: raise --timeout or check the network"
	}
	var te *smb2.TransportError
	if errors.As(err, &te) || errors.Is(err, net.ErrClosed) || errors.Is(err, syscall.ECONNRESET) {
		return transport.Unreachable, "the connection broke: " + hintUnreachable
	}
	return transport.Failed, ""
}

func cleanErr(err error, ctx context.Context) error {
	switch {
	case ctx.Err() == nil:
		return err
	case errors.Is(err, ctx.Err()):
		return fmt.Errorf("no answer in time: %w", ctx.Err())
	}
	return fmt.Errorf("%w (%v)", ctx.Err(), err)
}

// NT status codes of logons that failed for reasons of the account.
var authStatuses = map[uint32]string{
	0xC000006D: "logon failure: unknown user name or bad password",
	0xC000006A: "wrong password",
	0xC0000064: "no such user",
	0xC000006E: "account restriction",
	0xC000006F: "logon outside the allowed hours",
	0xC0000070: "logon from this workstation not allowed",
	0xC0000071: "password expired",
	0xC0000072: "account disabled",
	0xC0000224: "password must change",
	0xC0000234: "account locked out",
	0xC000015B: "logon type not granted",
}

// authStatus says which logon failure err is, if it is one.
func authStatus(err error) (string, bool) {
	var re *smb2.ResponseError
	if errors.As(err, &re) {
		msg, ok := authStatuses[re.Code]
		return fmt.Sprintf("%s (NT status 0x%08X)", msg, re.Code), ok
	}
	return "", false
}

// pathErr drops go-smb2's "open NAME:" prefix, which the Op already says.
func pathErr(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// watchdog closes the connection when no exchange completes within the
// timeout: transport.Options.Timeout bounds each exchange, not the scan.
type watchdog struct {
	mu sync.Mutex // kicked from the file goroutines too
	t  *time.Timer
	d  time.Duration
}

func newWatchdog(d time.Duration, fire func()) *watchdog {
	if d <= 0 {
		return &watchdog{}
	}
	return &watchdog{t: time.AfterFunc(d, fire), d: d}
}

func (w *watchdog) kick() {
	if w.t != nil {
		w.mu.Lock()
		w.t.Reset(w.d)
		w.mu.Unlock()
	}
}

func (w *watchdog) stop() {
	if w.t != nil {
		w.mu.Lock()
		w.t.Stop()
		w.mu.Unlock()
	}
}

// session is one host's open SMB session.
type session struct {
	host    string
	conn    *frameConn
	timeout time.Duration
	sem     chan struct{}

	sess *smb2.Session
	ipc  *smb2.Share

	// pipes holds the idle winreg pipes; a registry worker takes one and
	// gives it back.
	pipes chan *regPipe

	valMu  sync.Mutex
	values map[string]valueEntry

	shareMu sync.Mutex
	shares  map[string]*shareEntry

	closeOnce sync.Once
	bgMu      sync.Mutex
	closed    bool
	bg        sync.WaitGroup
}

type keyEntry struct {
	h   rrp.Handle
	err error // rrp.ErrNotFound-matching when absent
}

type valueEntry struct {
	typ  uint32
	data []byte
	err  error
}

type shareEntry struct {
	once  sync.Once
	share *smb2.Share
	err   error
}

// Close ends the session by closing the connection: the server then
// closes the pipes, files and trees and runs down every registry handle,
// without a round trip per object. It is safe to call more than once.
func (s *session) Close() error {
	s.closeOnce.Do(func() {
		s.bgMu.Lock()
		s.closed = true
		s.bgMu.Unlock()
		s.conn.Close()
		// Background work (pipe opens, file closes) fails at once on the
		// closed connection.
		s.bg.Wait()
	})
	return nil
}

// bgGo runs f in the background unless the session is closed (then it
// reports false); Close waits for it.
func (s *session) bgGo(f func()) bool {
	s.bgMu.Lock()
	defer s.bgMu.Unlock()
	if s.closed {
		return false
	}
	s.bg.Go(f)
	return true
}
