package main

import (
	"strings"
	"testing"
)

// TestTextInputOrderCLI: the text report lists hosts in input order
// whatever order they finish in: a skipped bad entry, then a host that
// hangs until --timeout (a tarpit), then one that refuses at once and so
// finishes first (issue 13.13).
func TestTextInputOrderCLI(t *testing.T) {
	t.Setenv(envPassword, "pw-not-shown-13")
	port := closedPort(t)
	startTarpit(t, []string{"127.0.0.1"}, port)
	slow, fast := "127.0.0.1", "127.0.0.2" // nothing listens on 127.0.0.2:port
	code, stdout, stderr := runScanCLI(t, "", "-u", `LAB\scanner`, "--smb-port", itoa(port), "--timeout", "1s", "--probe-timeout", "500ms",
		"--no-files", "--format", "text", "bad_entry!", slow, fast)
	if code != ExitNotScanned {
		t.Fatalf("exit %d, want %d\nstderr: %s", code, ExitNotScanned, stderr)
	}
	order := []string{"\nbad_entry!\n", "\n" + slow + "\n", "\n" + fast + "\n"}
	last := -1
	for _, h := range order {
		i := strings.Index(stdout, h)
		if i <= last {
			t.Fatalf("%q is not after the host before it in the input:\n%s", strings.TrimSpace(h), stdout)
		}
		last = i
	}
}
