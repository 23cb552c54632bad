package main

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
)

// TestScanNameSendsNoQueryOffLoopback: under the loopback policy a host
// name target sends no DNS query to a server off the machine. The system's
// resolver is watched (the Go resolver, with a Dial that records the
// server it was to ask and dials nothing): before the policy chose the
// resolver, the run asked the system's resolver, whose query went to
// /etc/resolv.conf's servers before the guard ever saw an address. Now the
// name is refused, and a --dns-server off loopback is refused before a
// query is sent.
func TestScanNameSendsNoQueryOffLoopback(t *testing.T) {
	var mu sync.Mutex
	var asked []string
	preferGo, dial := net.DefaultResolver.PreferGo, net.DefaultResolver.Dial
	net.DefaultResolver.PreferGo = true
	net.DefaultResolver.Dial = func(_ context.Context, network, addr string) (net.Conn, error) {
		mu.Lock()
		defer mu.Unlock()
		asked = append(asked, network+" "+addr)
		return nil, errors.New("test: the system's resolver was asked")
	}
	t.Cleanup(func() { net.DefaultResolver.PreferGo, net.DefaultResolver.Dial = preferGo, dial })
	t.Setenv(envPassword, "pw-not-shown-6")

	const name = "ws01.corp.example"
	tests := []struct {
		extra []string
		want  string
	}{
		{nil, "refusing to ask the system's DNS servers"},
		{[]string{"--dns-server", "192.0.2.53"}, "refusing to contact 192.0.2.53"},
	}
	for _, tc := range tests {
		args := append([]string{name, "-u", `LAB\audit`, "--no-files", "--format", "json"}, tc.extra...)
		code, stdout, stderr := runScanCLI(t, "", args...)
		if code != ExitNotScanned {
			t.Errorf("%v: exit %d, want %d\nstderr: %s", tc.extra, code, ExitNotScanned, stderr)
		}
		h, ok := parseJSONLines(t, stdout)[name]
		if !ok || h.Status != "unreachable" || !strings.Contains(h.Error, tc.want) {
			t.Errorf("%v: host %+v, want unreachable: %q", tc.extra, h, tc.want)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(asked) > 0 {
		t.Errorf("the system's resolver was asked (%v): a DNS query would have left the machine", asked)
	}
}
