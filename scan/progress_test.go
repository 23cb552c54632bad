package scan

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/patchscan/patchscan/scan/targets"
	"github.com/patchscan/patchscan/scan/transport"
)

func TestProgress(t *testing.T) {
	tests := []struct {
		name          string
		bar, verbose  bool
		want, notWant []string
	}{
		{"bar", true, false, []string{"2/3 hosts, 1 failed", "ETA"}, []string{"starting"}},
		{"verbose", false, true, []string{"10.0.0.1: starting (from 10.0.0.0/30)", "10.0.0.1: scanned in", "10.0.0.2: unreachable in", "port closed"}, []string{"hosts/s"}},
		{"silent", false, false, nil, []string{"10.0.0.1", "hosts"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			p := NewProgress(&b, 3, tc.bar, tc.verbose)
			now := time.Now()
			p.Start(targets.Target{Host: "10.0.0.1", Input: "10.0.0.0/30"})
			p.Finish(HostResult{Target: "10.0.0.1", Status: transport.Scanned, Started: now, Finished: now})
			p.Finish(HostResult{Target: "10.0.0.2", Status: transport.Unreachable, Error: errors.New("port closed"), Started: now, Finished: now})
			p.Done()
			for _, w := range tc.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("output %q lacks %q", b.String(), w)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(b.String(), w) {
					t.Errorf("output %q has %q", b.String(), w)
				}
			}
		})
	}
}
