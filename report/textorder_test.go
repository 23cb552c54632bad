package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/scan"
)

// TestTextInputOrder: a host's block waits for every host before it in
// the input; a gap (a host an interrupted run never started) is flushed
// at Close, in input order.
func TestTextInputOrder(t *testing.T) {
	hosts := fixtureHosts()
	var buf bytes.Buffer
	s := NewText(&buf, mustShow(t, DefaultShow))
	write := func(h scan.HostResult) {
		t.Helper()
		if err := s.Write(h); err != nil {
			t.Fatal(err)
		}
	}
	write(hosts[3])
	write(hosts[1])
	if buf.Len() != 0 {
		t.Fatalf("hosts 1 and 3 written before host 0:\n%s", buf.String())
	}
	write(hosts[0])
	if got := buf.String(); !strings.Contains(got, "WS01") || !strings.Contains(got, "PC02") || strings.Contains(got, "SRV25") {
		t.Fatalf("after host 0, want hosts 0 and 1 only:\n%s", got)
	}
	write(hosts[5])
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	got := buf.String()
	order := []string{"WS01", "PC02", "SRV25", "WS05"}
	last := -1
	for _, name := range order {
		i := strings.Index(got, name+" (")
		if i <= last {
			t.Fatalf("%s out of input order %v:\n%s", name, order, got)
		}
		last = i
	}
	if strings.Contains(got, "SRV03") {
		t.Error("a host never written appears")
	}
}

// TestWrapKeepsTheHint: a long error is wrapped, not cut; one past the
// line limit keeps its first and last lines, where cause and hint are.
func TestWrapKeepsTheHint(t *testing.T) {
	short := "dial tcp 127.0.0.24:445: connection refused; check that the host is up and TCP 445 is open"
	if got := wrapWords(short, errorWidth, errorLines); strings.ReplaceAll(got, "\n", " ") != short || !strings.Contains(got, "\n") {
		t.Errorf("wrapped %q", got)
	}
	long := "fault: " + strings.Repeat("blah ", 2000) + "check that WinRM is enabled (winrm quickconfig)"
	got := strings.Split(wrapWords(long, errorWidth, errorLines), "\n")
	if len(got) != errorLines || !strings.HasPrefix(got[0], "fault: blah") ||
		!strings.HasSuffix(got[len(got)-1], "(winrm quickconfig)") || got[errorLines/2] != "…" {
		t.Errorf("long error wrapped to:\n%s", strings.Join(got, "\n"))
	}
	for _, l := range got {
		if len(l) > errorWidth {
			t.Errorf("line of %d bytes: %q", len(l), l)
		}
	}
	os := "Windows Server 2025 Datacenter 24H2 (Server Core), build 26100.32313, AMD64"
	if got := wrapParts(os, ", ", osWidth); got != "Windows Server 2025 Datacenter 24H2 (Server Core),\nbuild 26100.32313, AMD64" {
		t.Errorf("OS wrapped to %q", got)
	}
}
