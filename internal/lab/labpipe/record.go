package labpipe

import (
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/internal/lab"
	"github.com/patchscan/patchscan/internal/msrpc/ifacetest"
)

// capture is the flag of the interface packages' capture tests: go test
// ./internal/samr -run TestCapture -capture re-records the package's
// transcripts.
var capture = flag.Bool("capture", false, "re-record the package's Samba transcripts (testdata/samba) from a lab host (root, Samba installed)")

// Capture starts a lab host of spec for a test that re-records
// transcripts (Record) and returns it; without -capture it skips t, so
// that a test run replays the transcripts and never rewrites them.
func Capture(t testing.TB, spec lab.HostSpec) (*lab.Lab, *lab.Host) {
	t.Helper()
	if !*capture {
		t.Skip("run with -capture to re-record the package's transcripts (testdata/samba)")
	}
	l := lab.Start(t, spec)
	return l, l.Hosts[0]
}

// Record re-records conv's transcript through \PIPE\name on h, noting in
// it the Samba version and the command that records it again (the running
// test, with -capture).
func Record(t testing.TB, l *lab.Lab, h *lab.Host, name string, conv ifacetest.Conversation) {
	t.Helper()
	test, _, _ := strings.Cut(t.Name(), "/")
	conv.Record(t, Open(t, l, h, name),
		"Recorded from Samba's "+conv.Server+" (smbd "+sambaVersion()+") on a lab host, by",
		"go test ./"+packageDir()+" -run "+test+" -capture; see testdata/samba/README.md.")
}

// sambaVersion is what smbd --version says, without its "Version ".
func sambaVersion() string {
	out, err := exec.Command(lab.SMBD, "--version").Output()
	if err != nil {
		return "unknown version"
	}
	return strings.TrimPrefix(strings.TrimSpace(string(out)), "Version ")
}

// packageDir is the running test's package directory, from the repository
// root (go test runs a test in its package's directory).
func packageDir() string {
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	rel, err := filepath.Rel(lab.RepoRoot(), wd)
	if err != nil {
		return "."
	}
	return filepath.ToSlash(rel)
}
