package main

import (
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// TestScanRefusesClearTextLDAPBind: --ldap-tls none --ldap-bind simple is
// refused with exit 64 before anything is dialled (issue 13.5: patchscan
// bound first, sending the password in clear text, and objected only after
// the DC refused).
func TestScanRefusesClearTextLDAPBind(t *testing.T) {
	t.Setenv(envPassword, "pw-not-shown-5")
	t.Setenv(envLoopbackOnly, "1")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var accepted atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			_ = c.Close()
		}
	}()
	dc := "127.0.0.1:" + strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	for _, modes := range [][2]string{{"none", "simple"}, {"NONE", "Simple"}} {
		code, _, stderr := runScanCLI(t, "", "--domain", "lab.test", "--dc", dc, "-u", `LAB\audit`,
			"--ldap-tls", modes[0], "--ldap-bind", modes[1], "--no-files", "--format", "json")
		if code != ExitUsage || !strings.Contains(stderr, "clear text") {
			t.Errorf("%v: exit %d, stderr %q; want 64 saying the password would go in clear text", modes, code, stderr)
		}
		if strings.Contains(stderr, "pw-not-shown-5") {
			t.Errorf("the password is on stderr: %q", stderr)
		}
	}
	if n := accepted.Load(); n != 0 {
		t.Errorf("the DC was dialled %d times before the refusal", n)
	}
}
