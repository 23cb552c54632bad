package main

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/internal/lab"
)

// TestSkippedTargetsReported: bad targets skipped without
// --strict-targets are hosts not scanned. Before, a list of one compliant
// host and two bad entries exited 0 and the entries were in no report
// (issue 13.10). Now: exit 2, each entry in the JSON Lines, in the run's
// rollup.xml, in `patchscan rollup` of the report folder, and in the
// closing summary on stderr.
func TestSkippedTargetsReported(t *testing.T) {
	l := lab.Start(t, lab.StandardHostsNamed(lab.Patched)...)
	t.Setenv(envPassword, l.Password)
	h := l.Host(lab.Patched)
	out := filepath.Join(t.TempDir(), "reports")
	hostsFile := h.IP + "\nws01..corp # typo\n"
	code, stdout, stderr := runScanCLI(t, hostsFile, "-u", l.Domain+`\`+l.User, "--catalog", labCatalog,
		"--smb-port", strconv.Itoa(h.Port), "--format", "json", "--out", out, "--hosts-file", "-", "10.0.0.300")
	if code != ExitNotScanned {
		t.Errorf("exit %d, want %d (one host compliant, two bad targets not scanned)\nstderr: %s", code, ExitNotScanned, stderr)
	}
	bad := map[string]string{"10.0.0.300": "argument 1", "ws01..corp": "<stdin>:2"}

	hosts := jsonLines(t, stdout, func(h fullHost) string { return h.Target })
	if got := hosts[h.IP]; got.Status != "scanned" {
		t.Errorf("%s: %s %q, want scanned", h.IP, got.Status, got.Error)
	}
	for entry, source := range bad {
		got, ok := hosts[entry]
		if !ok || got.Status != "error" || !strings.Contains(got.Error, source+": bad target") {
			t.Errorf("JSON Lines: %s: %+v, want status error naming %s", entry, got, source)
		}
	}

	// The run's rollup, and the rollup of its folder, agree.
	rollupOf := map[string][]byte{"rollup.xml": readFile(t, runFile(t, out, "rollup.xml"))}
	rc, rollupOut, rollupErr := execute(t, "rollup", out)
	if rc != 0 {
		t.Fatalf("patchscan rollup %s: exit %d: %s", out, rc, rollupErr)
	}
	rollupOf["patchscan rollup"] = []byte(rollupOut)
	for what, data := range rollupOf {
		ru := parseXML[skippedRollup](t, what, data)
		if ru.Summary.Hosts != 3 || ru.Summary.Failed != 2 {
			t.Errorf("%s: %d hosts, %d failed; want 3, 2", what, ru.Summary.Hosts, ru.Summary.Failed)
		}
		for entry, source := range bad {
			found := false
			for _, rh := range ru.Hosts {
				found = found || rh.Name == entry && rh.Status == "error" && strings.Contains(rh.Message, source+": bad target")
			}
			if !found {
				t.Errorf("%s does not list %s (%s) as not scanned: %+v", what, entry, source, ru.Hosts)
			}
		}
	}
	if files := runFiles(t, out); len(files) != 3 {
		t.Errorf("report folder: host files %v, want 3", files)
	}

	// The closing summary, not only the list at the start.
	if !strings.Contains(stderr, "\npatchscan: 2 bad target(s) not scanned (argument 1, <stdin>:2)") {
		t.Errorf("closing summary does not list the bad targets:\n%s", stderr)
	}
}

type skippedRollup struct {
	Summary struct {
		Hosts  int `xml:"hosts,attr"`
		Failed int `xml:"failed,attr"`
	} `xml:"Summary"`
	Hosts []struct {
		Name    string `xml:"name,attr"`
		Status  string `xml:"status,attr"`
		Message string `xml:"message,attr"`
	} `xml:"Hosts>Host"`
}
