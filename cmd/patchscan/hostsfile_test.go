package main

import (
	"os"
	"strings"
	"testing"
)

// TestScanBinaryHostsFile: the patchscan binary itself (here, this test
// binary) as --hosts-file is refused with exit 64 and one line, before
// any target is read or looked up (issue 13.9).
func TestScanBinaryHostsFile(t *testing.T) {
	t.Setenv(envPassword, "pw-not-shown-9")
	t.Setenv(envLoopbackOnly, "1")
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, stdin := range []bool{false, true} {
		args := []string{"--hosts-file", self, "-u", "audit", "--no-files", "--format", "json"}
		in := ""
		if stdin {
			data, err := os.ReadFile(self)
			if err != nil {
				t.Fatal(err)
			}
			args[1], in = "-", string(data)
		}
		code, stdout, stderr := runScanCLI(t, in, args...)
		lines := strings.Split(strings.TrimSpace(stderr), "\n")
		if code != ExitUsage || len(lines) != 1 || !strings.Contains(stderr, "not a text file") || stdout != "" {
			t.Errorf("stdin=%v: exit %d, %d stderr lines (want 64 and one line saying it is not a text file):\n%.2000s", stdin, code, len(lines), stderr)
		}
	}
}
