package winrm_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/patchscan/patchscan/scan/transport"
	"github.com/patchscan/patchscan/scan/winrm"
	"github.com/patchscan/patchscan/scan/winrm/winrmtest"
)

// TestDeepReplyRejectedFast (issue 13.2): a host answering the shell's
// Create, or the collector's Command, with 60 KB nested 20,000 deep is a
// host error at once. masterzen/winrm's parsers took 26 s on it (quadratic
// in the depth, in a goroutine no deadline stopped). The bound is generous
// on purpose (1 s against tens of seconds): it tells linear from quadratic
// on a loaded machine; the test gives up waiting after 10 s.
func TestDeepReplyRejectedFast(t *testing.T) {
	for _, tc := range []struct {
		fault winrmtest.Fault
		op    string
	}{
		{winrmtest.FaultDeepShell, "create shell"},
		{winrmtest.FaultDeepCommand, "run collector"},
	} {
		t.Run(string(tc.fault), func(t *testing.T) {
			srv := start(t, winrmtest.Options{Fault: tc.fault})
			type result struct {
				err  error
				took time.Duration
			}
			done := make(chan result, 1)
			go func() {
				start := time.Now()
				sess, err := winrm.NewOpener(onLoopback(httpCfg(srv))).Open(context.Background(), endpoint(srv), options(goodCreds))
				if err == nil {
					_, err = sess.Facts(context.Background(), batch)
					_ = sess.Close()
				}
				done <- result{err, time.Since(start)}
			}()
			var r result
			select {
			case r = <-done:
			case <-time.After(10 * time.Second):
				t.Fatalf("still parsing a %d-deep reply after 10 s", winrmtest.DeepNesting)
			}
			if r.err == nil || transport.OutcomeOf(r.err) != transport.Failed || !strings.Contains(r.err.Error(), tc.op) || !strings.Contains(r.err.Error(), "nested more than") {
				t.Errorf("err %v, want a host error of %q saying the reply is nested too deep", r.err, tc.op)
			}
			if r.took > time.Second {
				t.Errorf("took %v to refuse the reply", r.took)
			}
			if n := srv.OpenShells(); n != 0 {
				t.Errorf("%d shells left open", n)
			}
			t.Logf("%s: refused in %v: %v", tc.fault, r.took.Round(time.Microsecond), r.err)
		})
	}
}
