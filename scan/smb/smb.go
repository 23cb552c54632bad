// Package smb reads Windows hosts the way MBSA did: the registry over the
// Remote Registry pipe (\PIPE\winreg on IPC$, MS-RRP) and file versions
// from the admin shares (ADMIN$, C$), all over one SMB2/3 session per host
// (NTLMv2, signing required, encryption when the server asks for it).
//
// It is read-only: keys are opened with KEY_READ, files for reading.
package smb

import (
	"context"
	"net"
	"sync"
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
	// ConfigFacts says the run asks configuration facts (issue 16): their
	// RPC pipes (samr, srvsvc, lsarpc, svcctl) are opened at set-up, in
	// the background with the other pipes, and ready when asked.
	ConfigFacts bool
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

	// rpc holds the configuration facts' RPC pipes, opened once each
	// (config.go).
	rpcMu       sync.Mutex
	rpc         map[string]*rpcEntry
	configPipes bool

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
