package smb

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	smb2 "github.com/cloudsoda/go-smb2"

	"github.com/patchscan/patchscan/internal/rrp"
	"github.com/patchscan/patchscan/scan/hint"
	"github.com/patchscan/patchscan/scan/transport"
)

// The first and last steps of opening a winreg pipe. After opOpenHKLM's
// the pipe and its binding are there, so the registry service answers.
const (
	opOpenPipe = `open \PIPE\winreg`
	opOpenHKLM = "open HKLM"
)

// Advice for the operator (transport.Error.Hint). What the operator may
// change in patchscan's own settings goes in hints, which the front end
// words (scan/hint).
const (
	hintUnreachable = "check that the host is up and TCP port 445 (File and Printer Sharing) is reachable"
	hintWinreg      = "is the Remote Registry service running?"
	hintNotSMB      = "the host's port answered, but not as a Windows/Samba file service should: check the address and port, or what sits in between"
	hintAdmin       = "the account must be an administrator of the host"
)

// failure is how one set-up step failed: the host's outcome, the advice,
// and the hints for the front end.
type failure struct {
	outcome transport.Outcome
	advice  string
	hints   []hint.Hint
}

// Open connects, authenticates and binds the winreg pipe. Every failure is
// a *transport.Error whose Outcome is the host's status.
func (o *opener) Open(ctx context.Context, ep transport.Endpoint, opts transport.Options) (transport.Session, error) {
	addr, host := o.endpoint(ep)
	setupCtx, cancel := setupContext(ctx, opts.Timeout)
	defer cancel()
	raw, err := o.cfg.Dial(setupCtx, "tcp", addr)
	if err != nil {
		err = &transport.Error{Outcome: transport.Unreachable, Host: host, Op: "connect", Err: dialError(err, addr), Hint: hintUnreachable}
		return nil, transport.Tag(err, transport.ErrNoConnection)
	}
	s := &session{host: host, conn: newFrameConn(raw), timeout: opts.Timeout, sem: make(chan struct{}, o.cfg.FileConcurrency),
		pipes: make(chan *regPipe, o.cfg.RegistryPipes), values: map[string]valueEntry{}, shares: map[string]*shareEntry{},
		rpc: map[string]*rpcEntry{}, configPipes: o.cfg.ConfigFacts}
	// Cancelling the context (or the set-up deadline) closes the
	// connection, which fails every outstanding SMB request at once.
	stop := context.AfterFunc(setupCtx, func() { s.conn.Close() })
	defer stop()
	if err := s.setUp(setupCtx, opts, o.cfg.RegistryPipes); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// setupContext bounds the set-up by timeout, when there is one. It is a
// budget: time queued at the run's logon gate does not count.
func setupContext(ctx context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	if timeout > 0 {
		return transport.WithBudget(ctx, timeout)
	}
	return context.WithCancel(ctx)
}

// endpoint is the address to dial (with the default port when it has
// none) and the name the host goes by.
func (o *opener) endpoint(ep transport.Endpoint) (addr, host string) {
	addr = ep.Addr
	if addr == "" {
		addr = ep.Host
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		addr = net.JoinHostPort(strings.Trim(addr, "[]"), strconv.Itoa(o.cfg.Port))
	}
	host = ep.Host
	if host == "" {
		host = addr
	}
	return addr, host
}

// setUp logs on, connects IPC$ and opens the first winreg pipe; ctx is the
// set-up deadline.
func (s *session) setUp(ctx context.Context, opts transport.Options, pipes int) error {
	if err := s.logOn(ctx, opts.Credentials, opts.Logon); err != nil {
		return err
	}
	if err := s.connectIPC(ctx); err != nil {
		return err
	}
	return s.openFirstPipe(ctx, pipes)
}

// fail is the host-level error of a set-up step. A server that broke the
// protocol is said first: whatever else went wrong followed from it.
func (s *session) fail(ctx context.Context, op string, err error, f failure) error {
	if v := s.conn.violation(); v != nil {
		return &transport.Error{Outcome: transport.Failed, Host: s.host, Op: op, Err: v, Hint: hintNotSMB}
	}
	te := &transport.Error{Outcome: f.outcome, Host: s.host, Op: op, Err: cleanErr(err, ctx), Hint: f.advice}
	return hint.With(te, f.hints...)
}

// logOn negotiates (signing required) and authenticates with NTLMv2; the
// run's logon gate is asked before the credential leaves (gate.go).
func (s *session) logOn(ctx context.Context, cred transport.Credentials, gate transport.LogonGate) error {
	gi := &gatedInitiator{
		Initiator: &smb2.NTLMInitiator{User: cred.User, Password: cred.Password, Hash: cred.NTHash, Domain: cred.Domain},
		ctx:       ctx, gate: gate,
	}
	d := &smb2.Dialer{Negotiator: smb2.Negotiator{RequireMessageSigning: true}, Initiator: gi}
	sess, err := d.DialConn(ctx, s.conn, s.host)
	if err != nil {
		return s.logOnError(ctx, cred, gi, err)
	}
	gi.done(transport.LogonAccepted)
	s.sess = sess
	s.conn.sessionUp()
	return nil
}

// logOnError classifies a failed session setup and tells the logon gate
// how the logon ended, if the credential was sent.
func (s *session) logOnError(ctx context.Context, cred transport.Credentials, gi *gatedInitiator, err error) error {
	if gi.refused != nil {
		if errors.Is(gi.refused, transport.ErrLogonLimit) {
			return &transport.Error{Outcome: transport.Failed, Host: s.host, Op: "session setup", Err: gi.refused}
		}
		err = gi.refused // the context ended while queued at the gate
	}
	if s.conn.violation() != nil {
		gi.done(transport.LogonRejected) // a server breaking the protocol gets no benefit of the doubt
		return s.fail(ctx, "negotiate", err, failure{})
	}
	f := classify(err, ctx)
	msg, refused := authStatus(err)
	switch {
	case refused && f.outcome == transport.Failed:
		gi.done(transport.LogonRejected)
		f = failure{outcome: transport.AuthFailed, hints: []hint.Hint{hint.CheckCredentials}}
		err = fmt.Errorf("logon of %s refused: %s", cred, msg)
	case f.outcome == transport.Unreachable:
		gi.done(transport.LogonUnanswered)
	default:
		// Any other answer to the credential is not a logon that worked.
		gi.done(transport.LogonRejected)
	}
	return s.fail(ctx, "session setup", err, f)
}

// connectIPC connects the IPC$ tree the winreg pipes live on.
func (s *session) connectIPC(ctx context.Context) error {
	ipc, err := s.sess.WithContext(ctx).Mount("IPC$")
	if err != nil {
		f := classify(err, ctx)
		if errors.Is(err, os.ErrPermission) {
			f = failure{outcome: transport.AccessDenied, advice: hintAdmin}
		}
		return s.fail(ctx, "connect to IPC$", err, f)
	}
	s.ipc = ipc
	return nil
}

// openFirstPipe opens the winreg pipe that decides whether the host can
// be scanned at all. Once it is open (the server's registry service is up:
// Samba starts it on demand, and concurrent first opens can stall it), the
// other pipes and the ADMIN$ tree most file checks need are set up in the
// background, ready by the time the first batch of facts arrives. Close
// waits for them; if they fail, the session has fewer pipes.
func (s *session) openFirstPipe(ctx context.Context, pipes int) error {
	morePipes := func() {
		for i := 1; i < pipes; i++ {
			s.bgGo(func() {
				if p, _, err := s.openPipe(s.ipc, nil); err == nil {
					s.addPipe(p)
				}
			})
		}
	}
	more := func() {
		s.bgGo(func() { _, _ = s.mount("ADMIN$") })
		if !s.configPipes {
			morePipes()
			return
		}
		// The configuration pipes are opened first (config.go): Samba
		// starts their servers on demand, and fails to when many
		// winreg pipes are already open.
		s.bgGo(func() { s.openConfigPipes(morePipes) })
	}
	p, op, err := retryWhileStarting(ctx, pipeStartDelays, func() (*regPipe, string, error) {
		return s.openPipe(s.ipc, more)
	})
	if err != nil {
		return s.pipeError(ctx, op, err)
	}
	s.addPipe(p)
	return nil
}

// pipeError classifies a failure to open, bind or use the first winreg
// pipe. A missing pipe or binding is transport.ErrRegistryUnavailable:
// another transport may still read the registry (transport.NewAuto).
func (s *session) pipeError(ctx context.Context, op string, err error) error {
	f := classify(err, ctx)
	if f.outcome != transport.Failed || s.conn.violation() != nil {
		return s.fail(ctx, op, pathErr(err), f)
	}
	switch {
	case errors.Is(err, os.ErrPermission):
		f = failure{outcome: transport.AccessDenied, advice: "winreg pipe unavailable on " + s.host + ": " + hintWinreg, hints: []hint.Hint{hint.TryWinRM}}
	case errors.Is(err, rrp.Win32Error(rrp.ErrorAccessDenied)):
		f = failure{outcome: transport.AccessDenied, advice: "the account may not read the registry remotely: it must be an administrator of the host"}
	default:
		f = failure{outcome: transport.Failed, advice: "winreg pipe unavailable on " + s.host + ": " + hintWinreg, hints: []hint.Hint{hint.TryWinRM}}
	}
	err = s.fail(ctx, op, pathErr(err), f)
	if f.outcome == transport.Failed && op != opOpenHKLM {
		err = transport.Tag(err, transport.ErrRegistryUnavailable)
	}
	return err
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
func classify(err error, ctx context.Context) failure {
	if ctx.Err() != nil {
		return failure{outcome: transport.Unreachable, advice: "the host did not answer in time: check the network", hints: []hint.Hint{hint.RaiseTimeout}}
	}
	var te *smb2.TransportError
	if errors.As(err, &te) || errors.Is(err, net.ErrClosed) || errors.Is(err, syscall.ECONNRESET) {
		return failure{outcome: transport.Unreachable, advice: "the connection broke: " + hintUnreachable}
	}
	return failure{outcome: transport.Failed}
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
