// Package winrmtest is a WS-Management (WinRM) test server: it speaks the
// remote shell exchanges (Create, Command, Send, Receive, Signal, Delete)
// with the SOAP shapes of [MS-WSMV] and what masterzen/winrm expects,
// authenticates with NTLMv2 (verified against a known password) or Basic,
// and answers patchscan's collector from a fixture facts.Host, as the
// PowerShell collector would on a Windows host. Faults (refused login,
// HTTP 500, slow answers, truncated/huge/garbage output) are injectable,
// and shells are counted so tests can assert that none leak.
//
// It does not run PowerShell: it checks that the command is exactly the
// collector, decodes the requests from stdin, and prints what the script
// would print (winrm.EncodeOutput). What the real script does on Windows is
// not verified here (see docs/winrm.md).
package winrmtest

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/patchscan/patchscan/facts"
)

// Account is the one account the server accepts.
type Account struct {
	Domain   string // "" accepts any domain the client names
	User     string
	Password string
}

// Auth selects which authentication schemes the server offers.
type Auth int

const (
	AuthNTLM  Auth = 1 << iota // Negotiate/NTLM (NTLMv2), the WinRM default
	AuthBasic                  // Basic
)

// Fault makes the server misbehave in one way.
type Fault string

const (
	FaultNone      Fault = ""
	FaultAuth      Fault = "auth"      // every login is refused (HTTP 401)
	FaultHTTP500   Fault = "http500"   // the Command request fails with HTTP 500 and a WS-Management fault
	FaultSlow      Fault = "slow"      // every Receive waits Options.Delay, the first one then times out
	FaultTruncated Fault = "truncated" // the output stops before the end marker
	FaultHuge      Fault = "huge"      // the command never ends and prints without limit
	FaultGarbage   Fault = "garbage"   // the output is not the collector's
	FaultBadSOAP   Fault = "badsoap"   // Receive answers HTTP 200 with something that is not a ReceiveResponse
	FaultRedirect  Fault = "redirect"  // the Command request, after the logon, is answered 307 to Options.RedirectTo
	// FaultDeepShell and FaultDeepCommand answer Create, or Command, with
	// HTTP 200 and a body of DeepNesting elements nested in one another
	// (60 KB), which took masterzen/winrm's parsers 26 s.
	FaultDeepShell   Fault = "deep-shell"
	FaultDeepCommand Fault = "deep-command"
)

// DeepNesting is how deep FaultDeepShell and FaultDeepCommand nest.
const DeepNesting = 20000

// Options configure a Server.
type Options struct {
	Account Account
	Auth    Auth // 0 means AuthNTLM
	TLS     bool
	// Host answers the collector's requests.
	Host  facts.Host
	Fault Fault
	// Delay is how long FaultSlow holds each Receive.
	Delay time.Duration
	// ChunkSize is how many bytes of stdout one Receive returns (real
	// servers split output across Receives); 0 means 4096.
	ChunkSize int
	// DenyShell refuses to create shells with "Access is denied", as the
	// WinRM service does for an account that is not an administrator (or
	// in Remote Management Users) after it logged on.
	DenyShell bool
	// RedirectTo is the Location of FaultRedirect's 307.
	RedirectTo string
	// ListenAddr is the loopback address to listen on ("127.0.0.5:0", to
	// sit beside a lab host); "" means 127.0.0.1 on a free port.
	ListenAddr string
}

// Stats counts what the server saw.
type Stats struct {
	Requests      int // HTTP requests, including authentication legs
	AuthFailures  int // refused logins
	ShellsCreated int
	ShellsDeleted int
	Commands      int
	Signals       int
	// Batches are the request batches the collector was asked, in order.
	Batches [][]facts.Request
}

// Server is a running test server.
type Server struct {
	URL  string // https://127.0.0.1:port/wsman
	Host string // 127.0.0.1
	Port int

	srv  *httptest.Server
	opts Options

	mu     sync.Mutex
	stats  Stats
	shells map[string]*shell
	nextID int
}

type shell struct {
	commands map[string]*command
}

type command struct {
	stdin   bytes.Buffer
	ended   bool   // stdin closed: the collector has "run"
	stdout  []byte // everything the command prints
	stderr  []byte
	off     int // how much of stdout was received
	exit    int
	endless bool // FaultHuge
	slowed  bool // FaultSlow answered its TimedOut fault
	config  bool // the configuration collector, not the registry one
}

type connKey struct{}

// connState is NTLM's per-connection state: NTLM authenticates the TCP
// connection, not the request.
type connState struct {
	mu        sync.Mutex
	challenge *[8]byte
	authed    bool
}

// Start starts a server on a loopback port. Close it when done.
func Start(opts Options) (*Server, error) {
	if opts.Host == nil {
		return nil, errors.New("winrmtest: Options.Host is required")
	}
	if opts.Auth == 0 {
		opts.Auth = AuthNTLM
	}
	if opts.ChunkSize <= 0 {
		opts.ChunkSize = 4096
	}
	s := &Server{opts: opts, shells: map[string]*shell{}}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	// Handshake failures are what some tests provoke; don't log them.
	s.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.srv.Config.ConnContext = func(ctx context.Context, _ net.Conn) context.Context {
		return context.WithValue(ctx, connKey{}, &connState{})
	}
	if opts.ListenAddr != "" {
		host, _, err := net.SplitHostPort(opts.ListenAddr)
		if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
			return nil, fmt.Errorf("winrmtest: listen address %q is not a loopback address", opts.ListenAddr)
		}
		l, err := net.Listen("tcp", opts.ListenAddr)
		if err != nil {
			return nil, fmt.Errorf("winrmtest: %w", err)
		}
		s.srv.Listener.Close()
		s.srv.Listener = l
	}
	if opts.TLS {
		cert, err := serverCert(s.srv.Listener.Addr().(*net.TCPAddr).IP)
		if err != nil {
			s.srv.Listener.Close()
			return nil, fmt.Errorf("winrmtest: certificate: %w", err)
		}
		s.srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
		s.srv.StartTLS()
	} else {
		s.srv.Start()
	}
	addr := s.srv.Listener.Addr().(*net.TCPAddr)
	s.Host = addr.IP.String()
	s.Port = addr.Port
	s.URL = s.srv.URL + "/wsman"
	return s, nil
}

// Close stops the server and drops its connections.
func (s *Server) Close() {
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// Addr is host:port, as a transport.Endpoint's Addr.
func (s *Server) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// Stats returns a copy of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Batches = append([][]facts.Request(nil), s.stats.Batches...)
	return st
}

// OpenShells is how many shells exist now (created and not deleted).
func (s *Server) OpenShells() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.shells)
}

// WriteCAFile writes the CA that signed the server's TLS certificate (the
// same for every test server) as a PEM file in dir (the client's
// --winrm-ca) and returns its path.
func (s *Server) WriteCAFile(dir string) (string, error) {
	if s.srv.Certificate() == nil {
		return "", errors.New("winrmtest: server has no TLS certificate")
	}
	cert, _, err := loadCA()
	if err != nil {
		return "", err
	}
	p := filepath.Join(dir, "winrm-ca.pem")
	return p, os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), 0o600)
}

// Certificate is the server's TLS certificate (nil without TLS).
func (s *Server) Certificate() *x509.Certificate { return s.srv.Certificate() }

const (
	maxBody     = 1 << 20
	nsShell     = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"
	resourceCmd = nsShell + "/cmd"
	actCreate   = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Create"
	actDelete   = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete"
	actCommand  = nsShell + "/Command"
	actSend     = nsShell + "/Send"
	actReceive  = nsShell + "/Receive"
	actSignal   = nsShell + "/Signal"
	stateDone   = nsShell + "/CommandState/Done"
	stateRun    = nsShell + "/CommandState/Running"
)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.stats.Requests++
	s.mu.Unlock()
	if r.Method != http.MethodPost || r.URL.Path != "/wsman" {
		http.Error(w, "not a WS-Management endpoint", http.StatusNotFound)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(body) > maxBody {
		http.Error(w, "request too large or unreadable", http.StatusBadRequest)
		return
	}
	if !s.authenticate(w, r) {
		return
	}
	if !strings.Contains(r.Header.Get("Content-Type"), "application/soap+xml") {
		http.Error(w, "unsupported content type", http.StatusUnsupportedMediaType)
		return
	}
	var env envelope
	if err := xml.Unmarshal(body, &env); err != nil {
		s.fault(w, "", "s:Sender", "w:SchemaValidationError", "2150858817", "The SOAP XML in the message does not match the corresponding XML schema definition: "+err.Error())
		return
	}
	h := env.Header
	action := strings.TrimSpace(h.Action)
	if uri := strings.TrimSpace(h.ResourceURI); uri != resourceCmd {
		s.fault(w, h.MessageID, "s:Sender", "w:DestinationUnreachable", "2150858770", "The WS-Management service cannot process the request because the resource URI is not supported: "+uri)
		return
	}
	switch action {
	case actCreate:
		if s.opts.Fault == FaultDeepShell {
			s.reply(w, h.MessageID, "http://schemas.xmlsoap.org/ws/2004/09/transfer/CreateResponse", deepNest())
			return
		}
		if s.opts.DenyShell {
			s.fault(w, h.MessageID, "s:Sender", "w:AccessDenied", "5", "Access is denied.")
			return
		}
		s.create(w, h.MessageID)
		return
	case actDelete, actCommand, actSend, actReceive, actSignal:
	default:
		s.fault(w, h.MessageID, "s:Sender", "a:ActionNotSupported", "2150858771", "The action is not supported by the service: "+action)
		return
	}
	shellID := h.selector("ShellId")
	s.mu.Lock()
	sh := s.shells[shellID]
	s.mu.Unlock()
	if sh == nil {
		s.fault(w, h.MessageID, "s:Sender", "w:InvalidSelectors", "2150858843", "The request for the Windows Remote Shell with ShellId "+shellID+" failed because the shell was not found on the server.")
		return
	}
	switch action {
	case actDelete:
		s.mu.Lock()
		delete(s.shells, shellID)
		s.stats.ShellsDeleted++
		s.mu.Unlock()
		s.reply(w, h.MessageID, "http://schemas.xmlsoap.org/ws/2004/09/transfer/DeleteResponse", "")
	case actCommand:
		if h.option("WINRS_CONSOLEMODE_STDIN") != "FALSE" {
			// Console-mode stdin is not a pipe: the collector would not
			// get its requests on a real host.
			s.fault(w, h.MessageID, "s:Sender", "w:InvalidOptions", "1", "winrmtest: the collector needs WINRS_CONSOLEMODE_STDIN=FALSE to read its requests from stdin")
			return
		}
		s.command(w, h.MessageID, sh, env.Body.CommandLine)
	case actSend:
		s.send(w, r.Context(), h.MessageID, sh, env.Body.Send)
	case actReceive:
		s.receive(w, r.Context(), h.MessageID, sh, env.Body.Receive)
	case actSignal:
		if env.Body.Signal == nil {
			s.fault(w, h.MessageID, "s:Sender", "w:SchemaValidationError", "2150858817", "Signal without a body")
			return
		}
		s.mu.Lock()
		delete(sh.commands, env.Body.Signal.CommandID)
		s.stats.Signals++
		s.mu.Unlock()
		s.reply(w, h.MessageID, nsShell+"/SignalResponse", `<rsp:SignalResponse/>`)
	}
}

// authenticate answers the request's authentication; false means a
// response (401) was already written.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) bool {
	cs, _ := r.Context().Value(connKey{}).(*connState)
	if cs == nil {
		cs = &connState{}
	}
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if cs.authed && s.opts.Fault != FaultAuth {
		return true
	}
	refuse := func(token string) bool {
		if token == "" {
			s.mu.Lock()
			s.stats.AuthFailures++
			s.mu.Unlock()
		}
		s.challengeHeaders(w, token)
		w.WriteHeader(http.StatusUnauthorized)
		return false
	}
	authz := r.Header.Get("Authorization")
	scheme, data, _ := strings.Cut(authz, " ")
	switch {
	case authz == "":
		s.challengeHeaders(w, "")
		w.WriteHeader(http.StatusUnauthorized)
		return false
	case strings.EqualFold(scheme, "Basic") && s.opts.Auth&AuthBasic != 0:
		user, pass, ok := r.BasicAuth()
		if ok && s.opts.Fault != FaultAuth && s.basicOK(user, pass) {
			return true
		}
		return refuse("")
	case (strings.EqualFold(scheme, "Negotiate") || strings.EqualFold(scheme, "NTLM")) && s.opts.Auth&AuthNTLM != 0:
		msg, err := base64.StdEncoding.DecodeString(strings.TrimSpace(data))
		if err != nil {
			return refuse("")
		}
		if checkHeader(msg, 1) == nil {
			c := randomChallenge()
			cs.challenge = &c
			return refuse(scheme + " " + base64.StdEncoding.EncodeToString(newChallenge(c, "LAB", "WINRMTEST")))
		}
		if cs.challenge == nil || s.opts.Fault == FaultAuth {
			return refuse("")
		}
		_, err = verifyAuthenticate(msg, *cs.challenge, s.opts.Account)
		cs.challenge = nil
		if err != nil {
			return refuse("")
		}
		cs.authed = true
		return true
	}
	return refuse("")
}

func (s *Server) basicOK(user, pass string) bool {
	a := s.opts.Account
	if d, u, ok := strings.Cut(user, `\`); ok {
		if a.Domain != "" && !strings.EqualFold(d, a.Domain) {
			return false
		}
		user = u
	}
	return strings.EqualFold(user, a.User) && pass == a.Password
}

func (s *Server) challengeHeaders(w http.ResponseWriter, token string) {
	if token != "" {
		w.Header().Add("WWW-Authenticate", token)
		return
	}
	if s.opts.Auth&AuthNTLM != 0 {
		w.Header().Add("WWW-Authenticate", "Negotiate")
	}
	if s.opts.Auth&AuthBasic != 0 {
		w.Header().Add("WWW-Authenticate", `Basic realm="WSMAN"`)
	}
}
