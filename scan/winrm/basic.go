package winrm

import (
	"net/http"
	"sync/atomic"

	"github.com/patchscan/patchscan/scan/transport"
)

// basicTransport sends Basic credentials. The first request goes without
// them: it connects (TCP and TLS) and the service's 401 shows a WinRM
// listener is there, all outside the run's logon gate, so that a host
// that never answers never holds the gate. Only the request that carries
// the credential is gated (issue 13.7); once the service has taken it,
// every request carries it directly. The price is one round trip per
// host.
type basicTransport struct {
	rt       http.RoundTripper
	user     string
	password string
	gate     transport.LogonGate
	accepted atomic.Bool
}

func (t *basicTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	body, err := readReqBody(req)
	if err != nil {
		return nil, err
	}
	if t.accepted.Load() {
		return t.rt.RoundTrip(t.withCredential(req, body))
	}
	resp, err := t.rt.RoundTrip(withBody(req, body, ""))
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}
	drain(resp)
	end, err := transport.BeginLogon(req.Context(), t.gate)
	if err != nil {
		return nil, err
	}
	resp, err = t.rt.RoundTrip(t.withCredential(req, body))
	result := logonResult(resp, err)
	end(result)
	t.accepted.Store(result == transport.LogonAccepted)
	return resp, err
}

func (t *basicTransport) withCredential(req *http.Request, body []byte) *http.Request {
	r := withBody(req, body, "")
	r.SetBasicAuth(t.user, t.password)
	return r
}
