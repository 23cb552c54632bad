package winrm

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/Azure/go-ntlmssp"
	"github.com/patchscan/patchscan/internal/textsafe"
	"github.com/patchscan/patchscan/scan/transport"
)

// ntlmTransport authenticates requests with NTLM (NTLMv2 only) over HTTP
// Negotiate/NTLM, as the WinRM service expects by default. It is ours
// rather than ntlmssp.Negotiator because it must also sign in with an NT
// hash, and must never fall back to Basic (which would send the password in
// clear over HTTP).
//
// NTLM over HTTP authenticates the TCP connection, so the session's
// http.Transport is limited to one connection per host: once the handshake
// is done, later requests go through without a new handshake, and a 401 on
// them starts one again.
type ntlmTransport struct {
	rt       http.RoundTripper
	user     string // "DOMAIN\user" or "user"
	password string
	ntHash   []byte
	gate     transport.LogonGate // asked before the AUTHENTICATE message leaves
}

// errAuthRejected is returned (wrapped) when the server refuses the
// credentials, so the session maps it to transport.AuthFailed.
var errAuthRejected = errors.New("the server rejected the credentials (HTTP 401)")

func (t *ntlmTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	body, err := readReqBody(req)
	if err != nil {
		return nil, err
	}
	// First try as is: the connection may be authenticated already.
	resp, err := t.rt.RoundTrip(withBody(req, body, ""))
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}
	scheme, _ := offeredNTLM(resp.Header)
	drain(resp)
	if scheme == "" {
		return nil, fmt.Errorf("%w: the server offers neither Negotiate nor NTLM (offered: %s)",
			errAuthRejected, textsafe.Line(strings.Join(resp.Header.Values("Www-Authenticate"), ", "), maxQuoted))
	}
	neg, err := ntlmssp.NewNegotiateMessage("", "")
	if err != nil {
		return nil, fmt.Errorf("building the NTLM negotiate message: %w", err)
	}
	// The negotiate leg carries no body: the server answers it with a
	// challenge and does not process the request.
	resp, err = t.rt.RoundTrip(withBody(req, nil, scheme+" "+base64.StdEncoding.EncodeToString(neg)))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusUnauthorized {
		drain(resp)
		if resp.StatusCode >= 300 && resp.StatusCode < 400 {
			// Not followed: the authenticate message would go with it.
			return nil, fmt.Errorf("NTLM negotiate: %w", redirectError(resp))
		}
		return nil, fmt.Errorf("NTLM negotiate: the server answered HTTP %d instead of a challenge", resp.StatusCode)
	}
	_, token := offeredNTLM(resp.Header)
	drain(resp)
	if token == "" {
		return nil, fmt.Errorf("%w: no NTLM challenge in the server's answer", errAuthRejected)
	}
	challenge, err := base64.StdEncoding.DecodeString(token)
	if err != nil {
		return nil, fmt.Errorf("NTLM challenge is not base64: %w", err)
	}
	return t.authenticate(req, body, scheme, challenge)
}

// authenticate answers the challenge: the one leg that carries the
// credential, so the run's logon gate is asked first and told how the
// logon ended.
func (t *ntlmTransport) authenticate(req *http.Request, body []byte, scheme string, challenge []byte) (*http.Response, error) {
	var auth []byte
	var err error
	if len(t.ntHash) > 0 {
		auth, err = ntlmssp.NewAuthenticateMessage(challenge, t.user, hex.EncodeToString(t.ntHash),
			&ntlmssp.AuthenticateMessageOptions{PasswordHashed: true})
	} else {
		auth, err = ntlmssp.NewAuthenticateMessage(challenge, t.user, t.password, nil)
	}
	if err != nil {
		// The library's messages never include the secret.
		return nil, fmt.Errorf("answering the NTLM challenge: %w", err)
	}
	end, err := transport.BeginLogon(req.Context(), t.gate)
	if err != nil {
		return nil, err
	}
	resp, err := t.rt.RoundTrip(withBody(req, body, scheme+" "+base64.StdEncoding.EncodeToString(auth)))
	end(logonResult(resp, err))
	return resp, err
}

// logonResult is how a request that carried the credential ended: a 401
// refuses it, any other answer means the service took it.
func logonResult(resp *http.Response, err error) transport.LogonResult {
	switch {
	case err != nil:
		return transport.LogonUnanswered
	case resp.StatusCode == http.StatusUnauthorized:
		return transport.LogonRejected
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		return transport.LogonUnanswered // pointed elsewhere: no verdict
	}
	return transport.LogonAccepted
}

// offeredNTLM picks Negotiate (preferred, what WinRM advertises) or NTLM
// from a 401's WWW-Authenticate headers, with the token if one is present.
func offeredNTLM(h http.Header) (scheme, token string) {
	for _, want := range []string{"Negotiate", "NTLM"} {
		for _, v := range h.Values("Www-Authenticate") {
			s, rest, _ := strings.Cut(strings.TrimSpace(v), " ")
			if strings.EqualFold(s, want) {
				return want, strings.TrimSpace(rest)
			}
		}
	}
	return "", ""
}

func readReqBody(req *http.Request) ([]byte, error) {
	if req.Body == nil {
		return nil, nil
	}
	defer req.Body.Close()
	return io.ReadAll(req.Body)
}

func withBody(req *http.Request, body []byte, authz string) *http.Request {
	r := req.Clone(req.Context())
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	if authz != "" {
		r.Header.Set("Authorization", authz)
	} else {
		r.Header.Del("Authorization")
	}
	return r
}

// drain reads a little of an unwanted body so the connection (which NTLM
// has authenticated) can be reused, then closes it.
func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
}
