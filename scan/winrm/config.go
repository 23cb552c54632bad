package winrm

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"time"
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
