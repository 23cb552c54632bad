package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/patchscan/patchscan/detect"
	"github.com/patchscan/patchscan/internal/testenv"
	"github.com/patchscan/patchscan/report"
	"github.com/patchscan/patchscan/scan"
	"github.com/patchscan/patchscan/scan/transport"
	"github.com/spf13/pflag"
)

var testT0 = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

// testHosts: one scanned host missing a patch, one unreachable.
func testHosts(name string, finished time.Time, missing bool) []scan.HostResult {
	st := detect.StatusInstalled
	if missing {
		st = detect.StatusMissing
	}
	return []scan.HostResult{
		{Name: name, Address: "127.0.0.21", Target: strings.ToLower(name), Transport: "smb", Status: transport.Scanned,
			Started: finished.Add(-time.Second), Finished: finished,
			Report: &detect.Report{
				OS:       detect.OS{Product: "Windows Server 2008 R2 Standard", Version: "6.1", Build: "7601", ServicePack: 1, ComputerName: name},
				Products: []detect.ProductRef{{ID: 10, Name: "Windows Server 2008 R2"}},
				Results: []detect.Result{{Kind: detect.KindPatch, BulletinID: "MS17-010", KB: "KB4012212", Severity: "Critical", ProductID: 10, Status: st,
					Reasons: []string{`File C:\Windows\System32\drivers\srv.sys has version 6.1.7601.17514; 6.1.7601.23689 or later is required.`}}},
			}},
		{Name: "DOWN", Address: "127.0.0.22", Status: transport.Unreachable, Error: errors.New("connection refused"), Finished: finished},
	}
}

func openOutput(t *testing.T, args []string, tty bool, stdout *bytes.Buffer) (report.Sink, error) {
	t.Helper()
	var o outputFlags
	fs := pflag.NewFlagSet("scan", pflag.ContinueOnError)
	o.register(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return o.open(stdout, tty, report.Meta{ToolVersion: "test", CatalogVersion: "2026.11.1", Generated: testT0})
}

func TestOutputFormats(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		tty    bool
		prefix string // what stdout starts with
		has    string
		hasNot string
	}{
		{"terminal default is table", nil, true, "+--", "| MS17-010", ""},
		{"pipe default is xml", nil, false, "<?xml", `<ScanReport xmlns="urn:patchscan:report:2"`, ""},
		// The reasons are the text report's, without -v (issue 13.13).
		{"text", []string{"--format", "text"}, false, "----", "Patch NOT Installed  MS17-010        KB4012212\n\tFile C:\\Windows", ""},
		{"text on a terminal", []string{"--format=TEXT"}, true, "----", "\tFile C:\\Windows", ""},
		{"json", []string{"--format", "json"}, true, `{"schema":"urn:patchscan:report:2"`, `"status":"unreachable"`, ""},
		{"table shows only what --show says", []string{"--format", "table", "--show", "warning"}, false, "+--", "| WS01", "Patch NOT Installed"},
		{"xml ignores show", []string{"--format", "xml", "--show", "installed"}, true, "<?xml", `status="missing"`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			var out bytes.Buffer
			s, err := openOutput(t, append(tt.args, "--out", dir), tt.tty, &out)
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range testHosts("WS01", testT0, true) {
				if err := s.Write(h); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			got := out.String()
			if !strings.HasPrefix(got, tt.prefix) {
				t.Errorf("stdout starts %q, want %q", firstLine(got), tt.prefix)
			}
			if tt.has != "" && !strings.Contains(got, tt.has) {
				t.Errorf("stdout lacks %q:\n%s", tt.has, got)
			}
			if tt.hasNot != "" && strings.Contains(got, tt.hasNot) {
				t.Errorf("stdout has %q:\n%s", tt.hasNot, got)
			}
			// Files are written whatever the stdout format.
			for _, f := range []string{"WS01.xml", "DOWN.xml", report.RollupFile} {
				if _, err := os.Stat(runFile(t, dir, f)); err != nil {
					t.Errorf("report file: %v", err)
				}
			}
		})
	}
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func TestOutputUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--format", "csv"}, `unknown --format "csv"`},
		{[]string{"--show", "missing,everything"}, `unknown status "everything"`},
		{[]string{"--show", ","}, "--show is empty"},
		{[]string{"--no-files", "--out", "x"}, "contradict"},
		{[]string{"--out", ""}, "--out is empty"},
	}
	for _, tt := range tests {
		_, err := openOutput(t, tt.args, false, &bytes.Buffer{})
		var ee *exitError
		if !errors.As(err, &ee) || ee.code != ExitUsage || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: error %v, want a usage error (exit 64) containing %q", tt.args, err, tt.want)
		}
	}
	// An --out that cannot be created names the way out.
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := openOutput(t, []string{"--out", filepath.Join(file, "dir")}, false, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "--no-files") {
		t.Errorf("unwritable --out: %v", err)
	}
}

func TestOutputNoFiles(t *testing.T) {
	t.Chdir(t.TempDir())
	var out bytes.Buffer
	s, err := openOutput(t, []string{"--no-files", "--format", "json"}, false, &out)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range testHosts("WS01", testT0, false) {
		if err := s.Write(h); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(defaultOutDir); !os.IsNotExist(err) {
		t.Errorf("--no-files created %s: %v", defaultOutDir, err)
	}
	if n := strings.Count(out.String(), "\n"); n != 2 {
		t.Errorf("%d JSON lines, want 2", n)
	}
	// Without --no-files the default directory is used.
	s, err = openOutput(t, []string{"--format", "json"}, false, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(runFile(t, defaultOutDir, report.RollupFile)); err != nil {
		t.Errorf("default --out: %v", err)
	}
}

// The XML stream read through a pipe by xmllint, as in
// `patchscan scan ... | xmllint --noout -`, complete and interrupted.
func TestXMLThroughPipe(t *testing.T) {
	xmllint := testenv.Xmllint(t)
	for _, n := range []int{2, 1, 0} {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(xmllint, "--noout", "--nonet", "--schema", filepath.Join("..", "..", "report", "report.xsd"), "-")
		cmd.Stdin = r
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		r.Close()
		var o outputFlags
		fs := pflag.NewFlagSet("scan", pflag.ContinueOnError)
		o.register(fs)
		if err := fs.Parse([]string{"--no-files"}); err != nil {
			t.Fatal(err)
		}
		s, err := o.open(w, false, report.Meta{ToolVersion: "test", Generated: testT0})
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range testHosts("WS01", testT0, true)[:n] {
			if err := s.Write(h); err != nil {
				t.Fatal(err)
			}
		}
		// Close is what the scan command calls on Ctrl-C too.
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		w.Close()
		if err := cmd.Wait(); err != nil {
			t.Errorf("%d hosts: xmllint rejected the stream: %v\n%s", n, err, stderr.String())
		}
	}
}
