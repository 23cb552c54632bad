package winrm

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"

	"github.com/masterzen/winrm/soap"
	"github.com/patchscan/patchscan/internal/textsafe"
	"github.com/patchscan/patchscan/scan/hint"
	"github.com/patchscan/patchscan/scan/transport"
)

// errOperationTimeout is the WS-Management "w:TimedOut" fault: the command
// produced no output within OperationTimeout. Not an error for Receive.
var errOperationTimeout = errors.New("WS-Management operation timeout")

// post sends one SOAP message and returns the response envelope, mapping
// failures to transport errors.
func (s *session) post(ctx context.Context, msg *soap.SoapMessage, op string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", s.ctxErr(op, err)
	}
	// A budget: time queued at the run's logon gate does not count.
	xctx, cancel := transport.WithBudget(ctx, s.exchange)
	defer cancel()
	req, err := http.NewRequestWithContext(xctx, http.MethodPost, s.url, strings.NewReader(msg.String()))
	if err != nil {
		return "", s.hostErr(transport.Failed, op, err, "")
	}
	req.Header.Set("Content-Type", "application/soap+xml;charset=UTF-8")
	resp, err := s.client.Do(req)
	if err != nil {
		if errors.Is(err, transport.ErrLogonLimit) {
			return "", s.hostErr(transport.Failed, op, err, "")
		}
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
	return s.answer(op, resp, body)
}

// errRedirect refuses to follow a redirect: the NTLM logon (or Basic
// credentials) would go with it to wherever the host points.
var errRedirect = errors.New("redirects are not followed")

// refuseRedirect is the session client's CheckRedirect: the 3xx comes back
// to post as it is, and post makes it the host's error.
func refuseRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// answer reads the service's answer to one exchange: the envelope of a
// 200, or the host-level error any other status means.
func (s *session) answer(op string, resp *http.Response, body []byte) (string, error) {
	switch code := resp.StatusCode; {
	case code == http.StatusOK:
		return string(body), nil
	case code == http.StatusUnauthorized:
		return "", s.hostErr(transport.AuthFailed, op, errAuthRejected, s.authHint())
	case code >= 300 && code < 400:
		return "", s.hostErr(transport.Failed, op, redirectError(resp),
			"the logon goes only to the address given; if the listener moved, scan the address it moved to")
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

// redirectError says where a 3xx pointed (the Location is the host's
// text, so it is made safe and short).
func redirectError(resp *http.Response) error {
	to := "nowhere (no Location)"
	if loc := resp.Header.Get("Location"); loc != "" {
		to = textsafe.Line(loc, maxQuoted)
	}
	return fmt.Errorf("%w: the service answered HTTP %d %s, redirecting to %s", errRedirect, resp.StatusCode, http.StatusText(resp.StatusCode), to)
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
		return s.hostErr(transport.Unreachable, op, fmt.Errorf("connecting to port %d: %w", s.port, opErr.Err), "")
	}
	return s.hostErr(transport.Failed, op, err, "")
}

func (s *session) scheme() string {
	if s.cfg.HTTPS {
		return "HTTPS"
	}
	return "HTTP"
}
