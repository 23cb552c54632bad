package winrm

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/masterzen/winrm"
	"github.com/masterzen/winrm/soap"

	"github.com/patchscan/patchscan/facts"
	"github.com/patchscan/patchscan/internal/textsafe"
	"github.com/patchscan/patchscan/scan/hint"
	"github.com/patchscan/patchscan/scan/transport"
)

// Config configures the WinRM transport. Use DefaultConfig and change what
// the operator asked for: its zero value is plain HTTP.
type Config struct {
	// Port to connect to; 0 means 5986 with HTTPS and 5985 without.
	Port int
	// HTTPS selects the TLS listener (the default; see DefaultConfig).
	HTTPS bool
	// Insecure skips TLS certificate verification. Never the default.
	Insecure bool
	// CAFile is a PEM file of CA certificates trusted for the WinRM
	// listener's certificate, instead of the system roots.
	CAFile string
	// Basic uses HTTP Basic authentication instead of NTLM. Allowed only
	// with HTTPS, since Basic sends the password as is.
	Basic bool
	// MaxOutput bounds the collector's output per batch (bytes);
	// 0 means DefaultMaxOutput.
	MaxOutput int
	// PortFromAddr takes the port from the endpoint's Addr when it has
	// one (--transport winrm, where targets are given with WinRM ports);
	// otherwise Port is used (auto, where Addr carries the SMB port).
	PortFromAddr bool
	// OperationTimeout is the WS-Management OperationTimeout: how long
	// the service may hold a Receive open waiting for output before it
	// answers "no output yet" (the client then asks again). 0 means 20s.
	OperationTimeout time.Duration
	// Dial connects to the listener, holding to the caller's network
	// policy (netguard.Policy.DialContext); nil: a net.Dialer. Open
	// bounds each dial by its timeout.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// DefaultConfig is the configuration patchscan uses unless told otherwise:
// HTTPS on 5986, certificates verified, NTLM.
func DefaultConfig() Config { return Config{HTTPS: true} }

// Configuration mistakes Validate reports, for a front end to say in its
// own terms.
var (
	ErrBasicNeedsHTTPS    = errors.New("WinRM Basic authentication sends the password in clear text and is only allowed over HTTPS (use HTTPS, or NTLM)")
	ErrInsecureNeedsHTTPS = errors.New("skipping WinRM certificate verification only applies to HTTPS")
	ErrCANeedsHTTPS       = errors.New("a WinRM CA file only applies to HTTPS")
)

// Validate reports configuration mistakes the operator must fix before a
// scan can start (so the command line can reject them up front).
func (c Config) Validate() error {
	if c.Basic && !c.HTTPS {
		return ErrBasicNeedsHTTPS
	}
	if c.Insecure && !c.HTTPS {
		return ErrInsecureNeedsHTTPS
	}
	if c.CAFile != "" && !c.HTTPS {
		return ErrCANeedsHTTPS
	}
	if c.Port < 0 || c.Port > 65535 {
		return fmt.Errorf("WinRM port %d is out of range", c.Port)
	}
	if c.CAFile != "" {
		if _, err := loadCA(c.CAFile); err != nil {
			return err
		}
	}
	return nil
}

func (c Config) port() int {
	switch {
	case c.Port != 0:
		return c.Port
	case c.HTTPS:
		return 5986
	}
	return 5985
}

// dialer is Dial bounded by timeout, or a net.Dialer.
func (c Config) dialer(timeout time.Duration) func(ctx context.Context, network, addr string) (net.Conn, error) {
	if c.Dial == nil {
		return (&net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}).DialContext
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		return c.Dial(ctx, network, addr)
	}
}

func (c Config) opTimeout() time.Duration {
	if c.OperationTimeout > 0 {
		return c.OperationTimeout
	}
	return 20 * time.Second
}

func loadCA(file string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("reading the WinRM CA file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("WinRM CA file %s holds no PEM certificate", file)
	}
	return pool, nil
}

// Limits on what one HTTP exchange may return; WinRM's own envelope limit
// is 150 KiB (MaxEnvelopeSize, which we announce), so 4 MiB is generous.
const (
	envelopeSize    = 153600
	maxResponseBody = 4 << 20
	maxStderr       = 64 << 10
	stdinChunk      = 32 << 10 // raw bytes per Send; base64 keeps it under the envelope
	defaultTimeout  = 30 * time.Second
	cleanupTimeout  = 10 * time.Second
)

// NewOpener returns the WinRM transport. Configuration errors are reported
// by every Open (call Config.Validate first to catch them once).
func NewOpener(cfg Config) transport.Opener { return &opener{cfg: cfg} }

type opener struct{ cfg Config }

func (o *opener) Name() string { return "winrm" }

// Open connects, authenticates and creates the remote shell: Open is eager,
// so an unreachable host, a refused login or a bad certificate is known
// (and classified) before the engine asks for anything. The shell lives
// until Close, or until an error or cancellation, which delete it at once.
func (o *opener) Open(ctx context.Context, ep transport.Endpoint, opts transport.Options) (transport.Session, error) {
	name := ep.Host
	if name == "" {
		name = ep.Addr
	}
	fail := func(kind transport.Outcome, op string, err error, hint string) error {
		return &transport.Error{Outcome: kind, Host: name, Op: op, Err: err, Hint: hint}
	}
	if err := o.cfg.Validate(); err != nil {
		return nil, fail(transport.Failed, "configure winrm", err, "")
	}
	creds := opts.Credentials
	if o.cfg.Basic && creds.Password == "" {
		return nil, fail(transport.Failed, "configure winrm", errors.New("basic authentication needs a password (an NT hash only works with NTLM)"), "")
	}
	host := ep.Host
	if ep.Addr != "" {
		if h, _, err := net.SplitHostPort(ep.Addr); err == nil {
			host = h
		} else {
			host = ep.Addr
		}
	}
	if host == "" {
		return nil, fail(transport.Failed, "configure winrm", errors.New("endpoint has no address"), "")
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = defaultTimeout
	}
	scheme := "http"
	if o.cfg.HTTPS {
		scheme = "https"
	}
	port := o.cfg.port()
	if o.cfg.PortFromAddr {
		if _, p, err := net.SplitHostPort(ep.Addr); err == nil {
			if n, err := strconv.Atoi(p); err == nil && n > 0 && n <= 65535 {
				port = n
			}
		}
	}
	url := scheme + "://" + net.JoinHostPort(host, strconv.Itoa(port)) + "/wsman"

	ht := &http.Transport{
		// No proxy: credentials and host facts go straight to the host.
		Proxy:               nil,
		DialContext:         o.cfg.dialer(timeout),
		TLSHandshakeTimeout: timeout,
		// NTLM authenticates the connection: keep exactly one.
		MaxConnsPerHost:     1,
		MaxIdleConnsPerHost: 1,
		DisableCompression:  true,
	}
	if o.cfg.HTTPS {
		tc := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: o.cfg.Insecure} //nolint:gosec // operator's explicit choice
		if ep.Host != "" && net.ParseIP(ep.Host) == nil {
			tc.ServerName = ep.Host // verify the name the operator gave, even when dialing an IP
		}
		if o.cfg.CAFile != "" {
			pool, err := loadCA(o.cfg.CAFile)
			if err != nil {
				return nil, fail(transport.Failed, "configure winrm", err, "")
			}
			tc.RootCAs = pool
		}
		ht.TLSClientConfig = tc
	}
	var rt http.RoundTripper = ht
	if !o.cfg.Basic {
		user := creds.User
		if creds.Domain != "" {
			user = creds.Domain + `\` + creds.User
		}
		rt = &ntlmTransport{rt: ht, user: user, password: creds.Password, ntHash: creds.NTHash}
	}
	params := *winrm.DefaultParameters
	params.Timeout = fmt.Sprintf("PT%.3fS", o.cfg.opTimeout().Seconds())
	params.EnvelopeSize = envelopeSize
	s := &session{
		cfg:      o.cfg,
		name:     name,
		url:      url,
		port:     port,
		creds:    creds,
		client:   &http.Client{Transport: rt},
		ht:       ht,
		params:   &params,
		exchange: o.cfg.opTimeout() + timeout,
	}
	if err := s.createShell(ctx); err != nil {
		ht.CloseIdleConnections()
		return nil, err
	}
	return s, nil
}

// session is one host's WinRM shell.
type session struct {
	cfg      Config
	name     string
	url      string
	port     int
	creds    transport.Credentials
	client   *http.Client
	ht       *http.Transport
	params   *winrm.Parameters
	exchange time.Duration // bound on one HTTP exchange

	mu      sync.Mutex
	shellID string // "" once deleted
	err     error  // sticky host-level failure
}

// TransportName says which transport answered (see transport.Named).
func (s *session) TransportName() string { return "winrm" }

func (s *session) hostErr(kind transport.Outcome, op string, err error, advice string, hints ...hint.Hint) error {
	return hint.With(&transport.Error{Outcome: kind, Host: s.name, Op: op, Err: err, Hint: advice}, hints...)
}

func (s *session) createShell(ctx context.Context) error {
	resp, err := s.post(ctx, winrm.NewOpenShellRequest(s.url, s.params), "create shell")
	if err != nil {
		return err
	}
	id, err := safeParse(func() (string, error) { return winrm.ParseOpenShellResponse(resp) })
	if err != nil || id == "" {
		return s.hostErr(transport.Failed, "create shell", fmt.Errorf("no shell id in the service's answer: %v", orNone(err)), "")
	}
	s.shellID = id
	return nil
}

// Close deletes the remote shell (if an error has not already) and drops
// the connection. A failed delete is reported: the shell then lingers on
// the host until its idle timeout.
func (s *session) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.deleteShell(context.Background())
	if s.err == nil {
		s.err = errors.New("session closed")
	}
	s.ht.CloseIdleConnections()
	return err
}

// deleteShell runs on a context of its own: it must happen even when the
// scan's context is what ended the session.
func (s *session) deleteShell(parent context.Context) error {
	if s.shellID == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(parent), cleanupTimeout)
	defer cancel()
	_, err := s.post(ctx, winrm.NewDeleteShellRequest(s.url, s.shellID, s.params), "delete shell")
	s.shellID = ""
	return err
}

// Facts sends the batch as one command and parses its output. A host-level
// failure deletes the shell immediately and sticks: later calls return it.
func (s *session) Facts(ctx context.Context, reqs []facts.Request) ([]facts.Answer, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return nil, s.err
	}
	data, sent, answers := EncodeRequests(reqs)
	if len(sent) == 0 {
		return answers, nil
	}
	sentReqs := make([]facts.Request, len(sent))
	for i, j := range sent {
		sentReqs[i] = reqs[j]
	}
	got, err := s.collect(ctx, data, sentReqs)
	if err != nil {
		s.err = err
		_ = s.deleteShell(ctx) // the host-level error is what matters
		s.ht.CloseIdleConnections()
		return nil, err
	}
	for i, j := range sent {
		answers[j] = got[i]
	}
	return answers, nil
}

func (s *session) collect(ctx context.Context, stdin []byte, reqs []facts.Request) ([]facts.Answer, error) {
	resp, err := s.post(ctx, newCommandRequest(s.url, s.shellID, CommandLine(), s.params), "run collector")
	if err != nil {
		return nil, err
	}
	cmdID, err := safeParse(func() (string, error) { return winrm.ParseExecuteCommandResponse(resp) })
	if err != nil || cmdID == "" {
		return nil, s.hostErr(transport.Failed, "run collector", fmt.Errorf("no command id in the service's answer: %v", orNone(err)), "")
	}
	// Terminate the command whatever happens; after it finished this is
	// the usual clean-up, before that it stops the remote process.
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
		defer cancel()
		_, _ = s.post(sctx, winrm.NewSignalRequest(s.url, s.shellID, cmdID, s.params), "signal command")
	}()
	for off := 0; ; off += stdinChunk {
		end := min(off+stdinChunk, len(stdin))
		last := end == len(stdin)
		if _, err := s.post(ctx, winrm.NewSendInputRequest(s.url, s.shellID, cmdID, stdin[off:end], last, s.params), "send requests"); err != nil {
			return nil, err
		}
		if last {
			break
		}
	}
	maxOut := s.cfg.MaxOutput
	if maxOut <= 0 {
		maxOut = DefaultMaxOutput
	}
	stdout := &limitBuffer{max: maxOut}
	stderr := &limitBuffer{max: maxStderr}
	exit := 0
	for {
		resp, err := s.post(ctx, winrm.NewGetOutputRequest(s.url, s.shellID, cmdID, "stdout stderr", s.params), "receive output")
		if errors.Is(err, errOperationTimeout) {
			continue // no output within OperationTimeout: ask again (ctx bounds the wait)
		}
		if err != nil {
			return nil, err
		}
		done, code, err := parseReceive([]byte(resp), cmdID, stdout, stderr)
		exit = code
		if err != nil {
			return nil, s.hostErr(transport.Failed, "receive output", fmt.Errorf("unreadable Receive response: %v", err), "")
		}
		if stdout.over {
			return nil, s.hostErr(transport.Failed, "receive output",
				fmt.Errorf("%w: more than %d bytes of output", ErrBadOutput, maxOut),
				"the host answered far more than the collector prints; check what runs as powershell.exe there")
		}
		if done {
			break
		}
	}
	answers, err := ParseOutput(stdout.Bytes(), reqs, maxOut)
	if err != nil {
		if exit != 0 || stderr.Len() > 0 {
			err = fmt.Errorf("%w (powershell exit code %d, stderr: %q)", err, exit, textsafe.Line(stderr.String(), maxQuoted))
		}
		return nil, s.hostErr(transport.Failed, "read collector output", err,
			"the collector needs Windows PowerShell 2.0 or later on the host")
	}
	return answers, nil
}

// errOperationTimeout is the WS-Management "w:TimedOut" fault: the command
// produced no output within OperationTimeout. Not an error for Receive.
var errOperationTimeout = errors.New("WS-Management operation timeout")

// post sends one SOAP message and returns the response envelope, mapping
// failures to transport errors.
func (s *session) post(ctx context.Context, msg *soap.SoapMessage, op string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", s.ctxErr(op, err)
	}
	xctx, cancel := context.WithTimeout(ctx, s.exchange)
	defer cancel()
	req, err := http.NewRequestWithContext(xctx, http.MethodPost, s.url, strings.NewReader(msg.String()))
	if err != nil {
		return "", s.hostErr(transport.Failed, op, err, "")
	}
	req.Header.Set("Content-Type", "application/soap+xml;charset=UTF-8")
	if s.cfg.Basic {
		req.SetBasicAuth(basicUser(s.creds), s.creds.Password)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return "", s.ctxErr(op, ctx.Err())
		}
		return "", s.netErr(op, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody+1))
	if err != nil {
		if ctx.Err() != nil {
			return "", s.ctxErr(op, ctx.Err())
		}
		return "", s.hostErr(transport.Failed, op, fmt.Errorf("reading the response: %w", err), "")
	}
	if len(body) > maxResponseBody {
		return "", s.hostErr(transport.Failed, op, fmt.Errorf("response larger than %d bytes", maxResponseBody), "")
	}
	switch {
	case resp.StatusCode == http.StatusOK:
		return string(body), nil
	case resp.StatusCode == http.StatusUnauthorized:
		return "", s.hostErr(transport.AuthFailed, op, errAuthRejected, s.authHint())
	}
	if f, ok := parseFault(body); ok {
		if f.timedOut() {
			return "", errOperationTimeout
		}
		kind := transport.Failed
		if f.code == "5" || strings.Contains(strings.ToLower(f.text), "access is denied") {
			kind = transport.AccessDenied
		}
		return "", s.hostErr(kind, op, fmt.Errorf("HTTP %d, WS-Management fault: %s", resp.StatusCode, f), "")
	}
	return "", s.hostErr(transport.Failed, op, fmt.Errorf("HTTP %d %s", resp.StatusCode, http.StatusText(resp.StatusCode)), "is this a WinRM listener?")
}

func basicUser(c transport.Credentials) string {
	if c.Domain != "" {
		return c.Domain + `\` + c.User
	}
	return c.User
}

func (s *session) authHint() string {
	if s.cfg.Basic {
		return "check the user and password; Basic needs a local account and Basic enabled on the WinRM service"
	}
	return "check the user, domain and password (NTLM); the account must be an administrator of the host"
}

func (s *session) ctxErr(op string, err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return s.hostErr(transport.Failed, op, fmt.Errorf("timed out: %w", err), "", hint.RaiseTimeout)
	}
	return s.hostErr(transport.Failed, op, err, "")
}

func (s *session) netErr(op string, err error) error {
	var cve *tls.CertificateVerificationError
	var rhe tls.RecordHeaderError
	var dnsErr *net.DNSError
	var opErr *net.OpError
	switch {
	case errors.Is(err, errAuthRejected):
		return s.hostErr(transport.AuthFailed, op, err, s.authHint())
	case errors.Is(err, syscall.ECONNREFUSED):
		return s.hostErr(transport.Unreachable, op, errors.New("connection refused"),
			fmt.Sprintf("is a WinRM %s listener on port %d? (winrm quickconfig%s)", s.scheme(), s.port, map[bool]string{true: " -transport:https", false: ""}[s.cfg.HTTPS]))
	case errors.As(err, &dnsErr):
		return s.hostErr(transport.Unreachable, op, fmt.Errorf("name lookup failed: %v", dnsErr.Err), "")
	case errors.As(err, &cve):
		return s.hostErr(transport.Failed, op, fmt.Errorf("TLS certificate not trusted: %v", cve.Err), "", hint.TrustWinRM)
	case errors.As(err, &rhe) || strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return s.hostErr(transport.Failed, op, errors.New("the port does not speak TLS"), "", hint.UseWinRMHTTP)
	case errors.As(err, &opErr) && opErr.Op == "dial":
		return s.hostErr(transport.Unreachable, op, fmt.Errorf("connecting to port %d: %v", s.port, opErr.Err), "")
	}
	return s.hostErr(transport.Failed, op, err, "")
}

func (s *session) scheme() string {
	if s.cfg.HTTPS {
		return "HTTPS"
	}
	return "HTTP"
}

// fault is the part of a SOAP fault worth reporting.
type fault struct {
	subcode string // e.g. "w:TimedOut"
	code    string // WSManFault Code attribute (a Win32 or WSMan error number)
	text    string
}

func (f fault) timedOut() bool {
	return strings.HasSuffix(f.subcode, ":TimedOut") || f.subcode == "TimedOut" || f.code == "2150858793"
}

func (f fault) String() string {
	s := f.text
	if s == "" {
		s = "(no reason given)"
	}
	if f.code != "" {
		s += " (code " + f.code + ")"
	}
	return s
}

// parseFault extracts a SOAP 1.2 fault; the text is bounded and cleaned
// because it ends up in reports.
func parseFault(body []byte) (fault, bool) {
	var env struct {
		Body struct {
			Fault *struct {
				Code struct {
					Subcode struct {
						Value string `xml:"Value"`
					} `xml:"Subcode"`
				} `xml:"Code"`
				Reason struct {
					Text []string `xml:"Text"`
				} `xml:"Reason"`
				Detail struct {
					WSManFault struct {
						Code    string `xml:"Code,attr"`
						Message string `xml:",innerxml"`
					} `xml:"WSManFault"`
				} `xml:"Detail"`
			} `xml:"Fault"`
		} `xml:"Body"`
	}
	if err := xml.Unmarshal(body, &env); err != nil || env.Body.Fault == nil {
		return fault{}, false
	}
	fl := env.Body.Fault
	f := fault{subcode: strings.TrimSpace(fl.Code.Subcode.Value), code: strings.TrimSpace(fl.Detail.WSManFault.Code)}
	if len(fl.Reason.Text) > 0 {
		f.text = fl.Reason.Text[0]
	}
	if f.text == "" {
		f.text = stripTags(fl.Detail.WSManFault.Message)
	}
	f.text = textsafe.Line(strings.Join(strings.Fields(f.text), " "), maxQuoted)
	return f, true
}

func stripTags(s string) string {
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
		case r == '>':
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// safeParse runs one of the library's response parsers, turning a panic on
// a hostile document into an error.
func safeParse(f func() (string, error)) (s string, err error) {
	defer func() {
		if r := recover(); r != nil {
			s, err = "", fmt.Errorf("malformed SOAP response (%v)", r)
		}
	}()
	return f()
}

func orNone(err error) string {
	if err == nil {
		return "none found"
	}
	return err.Error()
}

// limitBuffer keeps at most max bytes and notes that more arrived.
type limitBuffer struct {
	bytes.Buffer
	max  int
	over bool
}

func (b *limitBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); len(p) > room {
		b.over = true
		if room > 0 {
			b.Buffer.Write(p[:room])
		}
		return len(p), nil
	}
	return b.Buffer.Write(p)
}

// newCommandRequest is winrm.NewExecuteCommandRequest with one difference:
// WINRS_CONSOLEMODE_STDIN is FALSE, so the command's stdin is a pipe that
// delivers the request block as sent (console mode is for interactive
// input; clients that feed a command's stdin, such as pywinrm's callers,
// turn it off). WINRS_SKIP_CMD_SHELL stays FALSE: the command line goes
// through cmd.exe, whose 8191-character limit the collector respects.
func newCommandRequest(uri, shellID, command string, params *winrm.Parameters) *soap.SoapMessage {
	msg := soap.NewMessage()
	msg.Header().
		To(uri).
		ReplyTo("http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous").
		MaxEnvelopeSize(params.EnvelopeSize).
		Id(newMessageID()).
		Locale(params.Locale).
		Timeout(params.Timeout).
		Action("http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Command").
		ResourceURI("http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd").
		ShellId(shellID).
		AddOption(soap.NewHeaderOption("WINRS_CONSOLEMODE_STDIN", "FALSE")).
		AddOption(soap.NewHeaderOption("WINRS_SKIP_CMD_SHELL", "FALSE")).
		Build()
	body := msg.CreateBodyElement("CommandLine", soap.DOM_NS_WIN_SHELL)
	// The command line is ours and pure base64 after the prefix, so the
	// CDATA section cannot be closed early.
	msg.CreateElement(body, "Command", soap.DOM_NS_WIN_SHELL).SetContent("<![CDATA[" + command + "]]>")
	return msg
}

// newMessageID is a random (version 4) UUID in WS-Addressing form.
func newMessageID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("uuid:%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// parseReceive reads a ReceiveResponse strictly (masterzen/winrm's parser
// ignores bad base64 and answers "not done" for any document, which would
// make the client poll a confused server until its deadline): the
// document must be a ReceiveResponse for our command, streams must be
// base64, and the command is done only when the service says so.
func parseReceive(body []byte, cmdID string, stdout, stderr io.Writer) (done bool, exit int, err error) {
	var env struct {
		Body struct {
			Receive *struct {
				Streams []struct {
					Name      string `xml:"Name,attr"`
					CommandID string `xml:"CommandId,attr"`
					Data      string `xml:",chardata"`
				} `xml:"Stream"`
				State *struct {
					CommandID string `xml:"CommandId,attr"`
					State     string `xml:"State,attr"`
					ExitCode  string `xml:"ExitCode"`
				} `xml:"CommandState"`
			} `xml:"ReceiveResponse"`
		} `xml:"Body"`
	}
	if err := xml.Unmarshal(body, &env); err != nil {
		return false, 0, fmt.Errorf("not XML: %v", textsafe.Line(err.Error(), maxQuoted))
	}
	r := env.Body.Receive
	if r == nil {
		return false, 0, errors.New("no ReceiveResponse in the answer")
	}
	for _, st := range r.Streams {
		if st.CommandID != "" && st.CommandID != cmdID {
			return false, 0, fmt.Errorf("output for another command (%q)", textsafe.Line(st.CommandID, maxQuoted))
		}
		data, err := base64.StdEncoding.DecodeString(strings.TrimSpace(st.Data))
		if err != nil {
			return false, 0, fmt.Errorf("%s stream is not base64", textsafe.Line(st.Name, maxQuoted))
		}
		switch st.Name {
		case "stdout":
			_, _ = stdout.Write(data)
		case "stderr":
			_, _ = stderr.Write(data)
		default:
			return false, 0, fmt.Errorf("unexpected stream %q", textsafe.Line(st.Name, maxQuoted))
		}
	}
	if r.State != nil && strings.HasSuffix(r.State.State, "/CommandState/Done") {
		code := strings.TrimSpace(r.State.ExitCode)
		if code == "" {
			return true, 0, nil
		}
		n, err := strconv.ParseInt(code, 10, 64)
		if err != nil {
			return true, 0, fmt.Errorf("exit code %q is not a number", textsafe.Line(code, maxQuoted))
		}
		return true, int(int32(n)), nil
	}
	return false, 0, nil
}
