package scan

import (
	"errors"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/scan/targets"
	"github.com/patchscan/patchscan/scan/transport"
)

// TestSkipped: a bad entry becomes a host not scanned, whose error says
// where the entry came from and what is wrong, as one clean line without
// the password, and still wraps its cause (issue 13.10).
func TestSkipped(t *testing.T) {
	c := Config{Credentials: transport.Credentials{User: "u", Password: "hunter2-pw"}}
	var l targets.List
	_ = l.Add("10.0.0.300\u202e", "hosts.txt:3")
	_ = l.Add("hunter2-pw..x", "argument 2")
	if len(l.Bad) != 2 {
		t.Fatalf("%d bad entries, want 2", len(l.Bad))
	}
	for _, b := range l.Bad {
		r := c.Skipped(b.Entry, b.Error(), b)
		if r.Status != transport.Failed || r.Report != nil || r.Finished.IsZero() {
			t.Errorf("%s: status %s, report %v, finished %v", b.Source, r.Status, r.Report, r.Finished)
		}
		if !errors.Is(r.Error, ErrSkipped) || !errors.Is(r.Error, b.Err) {
			t.Errorf("%s: %v does not wrap ErrSkipped and %v", b.Source, r.Error, b.Err)
		}
		line := r.Reason()
		if !strings.HasPrefix(line, "not scanned: "+b.Source+": bad target") || strings.ContainsAny(line, "\u202e\n") || strings.Contains(line+r.Target+r.Name, "hunter2-pw") {
			t.Errorf("%s: reason %q, target %q", b.Source, line, r.Target)
		}
		if r.Target == "" || r.Target != r.Name {
			t.Errorf("%s: target %q, name %q: want the entry in both", b.Source, r.Target, r.Name)
		}
	}
}
