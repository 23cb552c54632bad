package winrm_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/facts"
	"github.com/patchscan/patchscan/internal/netguard"
	"github.com/patchscan/patchscan/scan/transport"
	"github.com/patchscan/patchscan/scan/winrm"
	"github.com/patchscan/patchscan/scan/winrm/winrmtest"
)

// TestRedirectNotFollowed (issue 13.1): a host answering a 3xx to another
// address must not get the scan's logon sent there. The other address is
// a working WinRM listener on another loopback port, which would take the
// NTLM negotiate and authenticate messages (and open a shell) if the
// client followed; it must receive nothing, and the host's error says it
// redirected.
func TestRedirectNotFollowed(t *testing.T) {
	other := start(t, winrmtest.Options{})
	for _, code := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect, http.StatusMultipleChoices} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Location", other.URL)
				w.WriteHeader(code)
			}))
			defer redirector.Close()
			_, port, _ := net.SplitHostPort(redirector.Listener.Addr().String())
			p, _ := strconv.Atoi(port)
			ep := transport.Endpoint{Host: "127.0.0.1", Addr: redirector.Listener.Addr().String()}
			sess, err := winrm.NewOpener(onLoopback(winrm.Config{Port: p})).Open(context.Background(), ep, options(goodCreds))
			if err == nil {
				sess.Close()
				t.Fatal("Open succeeded through a redirect")
			}
			want := fmt.Sprintf("HTTP %d", code)
			if transport.OutcomeOf(err) != transport.Failed || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "redirecting to "+other.URL) {
				t.Errorf("err %v (%s), want a host error saying %s redirecting to %s", err, transport.OutcomeOf(err), want, other.URL)
			}
		})
	}
	if st := other.Stats(); st.Requests != 0 {
		t.Errorf("the address redirected to received %d requests (%d shells created): the logon followed the redirect", st.Requests, st.ShellsCreated)
	}
}

// TestRedirectAfterLogonNotFollowed: a redirect on an authenticated
// connection (the Command request) is a host error too, and the shell is
// still deleted on the host that answered.
func TestRedirectAfterLogonNotFollowed(t *testing.T) {
	other := start(t, winrmtest.Options{})
	srv := start(t, winrmtest.Options{Fault: winrmtest.FaultRedirect, RedirectTo: other.URL})
	sess, err := winrm.NewOpener(onLoopback(httpCfg(srv))).Open(context.Background(), endpoint(srv), options(goodCreds))
	if err != nil {
		t.Fatal(err)
	}
	_, err = sess.Facts(context.Background(), []facts.Request{{Kind: facts.FactRegKey, Key: `HKLM\SOFTWARE`}})
	if err == nil || !strings.Contains(err.Error(), "HTTP 307") || transport.OutcomeOf(err) != transport.Failed {
		t.Errorf("Facts = %v, want a host error about the 307", err)
	}
	_ = sess.Close()
	if st := other.Stats(); st.Requests != 0 {
		t.Errorf("the address redirected to received %d requests", st.Requests)
	}
	if n := srv.OpenShells(); n != 0 {
		t.Errorf("%d shells left open on the host that redirected", n)
	}
}

// TestDialHoldsToThePolicy: the WinRM transport dials through the policy
// it is given, so under the loopback policy an address off the machine is
// refused before a packet is sent.
func TestDialHoldsToThePolicy(t *testing.T) {
	var dialed []string
	policy := netguard.Policy{LoopbackOnly: true, Dial: func(_ context.Context, _, addr string) (net.Conn, error) {
		dialed = append(dialed, addr)
		return nil, errors.New("not dialling")
	}}
	cfg := winrm.Config{Port: 5985, Dial: policy.DialContext}
	for _, addr := range []string{"192.0.2.7:5985", "[2001:db8::7]:5985"} {
		_, err := winrm.NewOpener(cfg).Open(context.Background(), transport.Endpoint{Host: "ws01.corp.example", Addr: addr}, options(goodCreds))
		if err == nil || !errors.Is(err, netguard.ErrRefused) {
			t.Errorf("%s: %v, want the policy's refusal", addr, err)
		}
	}
	if len(dialed) != 0 {
		t.Errorf("dialled %v", dialed)
	}
}
