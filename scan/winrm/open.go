package winrm

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/masterzen/winrm"
	"github.com/patchscan/patchscan/scan/transport"
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
	s, err := o.newSession(name, ep, opts)
	if err != nil {
		return nil, &transport.Error{Outcome: transport.Failed, Host: name, Op: "configure winrm", Err: err}
	}
	if err := s.createShell(ctx); err != nil {
		s.ht.CloseIdleConnections()
		return nil, err
	}
	return s, nil
}

// newSession checks the configuration and builds the session's HTTP
// client; nothing is sent yet.
func (o *opener) newSession(name string, ep transport.Endpoint, opts transport.Options) (*session, error) {
	if err := o.cfg.Validate(); err != nil {
		return nil, err
	}
	creds := opts.Credentials
	if o.cfg.Basic && creds.Password == "" {
		return nil, errors.New("basic authentication needs a password (an NT hash only works with NTLM)")
	}
	url, port, err := o.cfg.endpointURL(ep)
	if err != nil {
		return nil, err
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = defaultTimeout
	}
	ht, err := o.cfg.httpTransport(ep.Host, timeout)
	if err != nil {
		return nil, err
	}
	params := *winrm.DefaultParameters
	params.Timeout = fmt.Sprintf("PT%.3fS", o.cfg.opTimeout().Seconds())
	params.EnvelopeSize = envelopeSize
	return &session{
		cfg:      o.cfg,
		name:     name,
		url:      url,
		port:     port,
		creds:    creds,
		client:   &http.Client{Transport: o.cfg.authenticating(ht, creds, opts.Logon), CheckRedirect: refuseRedirect},
		ht:       ht,
		params:   &params,
		exchange: o.cfg.opTimeout() + timeout,
	}, nil
}

// endpointURL is the listener's URL for ep, and its port: the address
// from ep.Addr (ep.Host without one), the port from Addr under
// PortFromAddr, else the configured one.
func (c Config) endpointURL(ep transport.Endpoint) (url string, port int, err error) {
	host := ep.Host
	if ep.Addr != "" {
		if h, _, err := net.SplitHostPort(ep.Addr); err == nil {
			host = h
		} else {
			host = ep.Addr
		}
	}
	if host == "" {
		return "", 0, errors.New("endpoint has no address")
	}
	port = c.port()
	if c.PortFromAddr {
		if _, p, err := net.SplitHostPort(ep.Addr); err == nil {
			if n, err := strconv.Atoi(p); err == nil && n > 0 && n <= 65535 {
				port = n
			}
		}
	}
	scheme := "http"
	if c.HTTPS {
		scheme = "https"
	}
	return scheme + "://" + net.JoinHostPort(host, strconv.Itoa(port)) + "/wsman", port, nil
}

// httpTransport is a session's HTTP transport: one connection (NTLM
// authenticates the connection), no proxy (credentials and host facts go
// straight to the host), TLS verified against the name the operator gave
// (serverName) unless told otherwise.
func (c Config) httpTransport(serverName string, timeout time.Duration) (*http.Transport, error) {
	ht := &http.Transport{
		Proxy:               nil,
		DialContext:         c.dialer(timeout),
		TLSHandshakeTimeout: timeout,
		MaxConnsPerHost:     1,
		MaxIdleConnsPerHost: 1,
		DisableCompression:  true,
	}
	if !c.HTTPS {
		return ht, nil
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: c.Insecure} //nolint:gosec // operator's explicit choice
	if serverName != "" && net.ParseIP(serverName) == nil {
		tc.ServerName = serverName // verify the name the operator gave, even when dialing an IP
	}
	if c.CAFile != "" {
		pool, err := loadCA(c.CAFile)
		if err != nil {
			return nil, err
		}
		tc.RootCAs = pool
	}
	ht.TLSClientConfig = tc
	return ht, nil
}

// authenticating wraps ht in the authentication chosen, NTLM or Basic,
// each asking gate before the credential leaves.
func (c Config) authenticating(ht *http.Transport, creds transport.Credentials, gate transport.LogonGate) http.RoundTripper {
	if c.Basic {
		return &basicTransport{rt: ht, user: basicUser(creds), password: creds.Password, gate: gate}
	}
	return &ntlmTransport{rt: ht, user: basicUser(creds), password: creds.Password, ntHash: creds.NTHash, gate: gate}
}
