package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/internal/imagelab"
	"github.com/patchscan/patchscan/internal/lab"
)

// TestScanImageCLI scans three offline images in one run, without
// credentials: a Server 2019 built on the real SYSTEM hive, one whose
// SYSTEM hive is dirty, one whose SOFTWARE hive is garbage. The host
// records, the per-host XML files, the rollup, stderr and the exit code
// follow the same contract as network hosts.
func TestScanImageCLI(t *testing.T) {
	os19 := imagelab.Server2019(8388)
	good := imagelab.Build(t, imagelab.Spec{Reg: []string{os19.Reg()}, Files: os19.Files(`System32\ntoskrnl.exe`, `System32\drivers\srv.sys`, `System32\win32k.sys`)})
	dirty := imagelab.Build(t, imagelab.Spec{Reg: []string{os19.Reg()}, Dirty: []string{"SYSTEM"}, Logs: []string{"SYSTEM"}})
	broken := imagelab.Build(t, imagelab.Spec{})
	if err := os.WriteFile(filepath.Join(broken, filepath.FromSlash(imagelab.ConfigDir), "SOFTWARE"), []byte(strings.Repeat("not a hive ", 1000)), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "reports")
	t.Setenv(envPassword, "")
	code, stdout, stderr := runScanCLI(t, "", "--image", good, "--image", dirty, "--image", broken, "--format", "json", "--out", out)
	hosts := parseFullHosts(t, stdout)
	if len(hosts) != 3 {
		t.Fatalf("%d hosts reported, want 3\nstdout %s\nstderr %s", len(hosts), stdout, stderr)
	}
	for _, dir := range []string{good, dirty} {
		h := hosts[dir]
		if h.Status != "scanned" || h.Transport != "image" || h.Target != dir || len(h.Results) < 3 || !strings.Contains(string(h.OS), `"build":"17763"`) {
			t.Errorf("%s: %+v", dir, h)
		}
	}
	var named struct{ Name string }
	line := stdout[:strings.IndexByte(stdout, '\n')]
	if err := json.Unmarshal([]byte(line), &named); err != nil || named.Name != "DESKTOP-2KGM189" {
		t.Errorf("host name %q (%v), want the SYSTEM hive's ComputerName", named.Name, err)
	}
	if b := hosts[broken]; b.Status != "error" || !strings.Contains(b.Error, "SOFTWARE hive: not a registry hive") || !strings.Contains(b.Error, broken) {
		t.Errorf("broken image: %s %q", b.Status, b.Error)
	}
	// (The embedded catalog's data is months old: its age is the other
	// warning on stderr.)
	if !strings.Contains(stderr, dirty+": warning: the SYSTEM hive is dirty") || strings.Count(stderr, "hive is dirty") != 1 {
		t.Errorf("stderr lacks the one dirty-hive warning:\n%s", stderr)
	}
	if code&2 == 0 {
		t.Errorf("exit %d: an image could not be scanned, want 2 or 3", code)
	}
	files := runFiles(t, out)
	var xmls []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), `transport="image"`) {
			xmls = append(xmls, filepath.Base(f))
		}
	}
	if len(xmls) != 3 {
		t.Errorf("per-host XML files naming transport image: %v, want 3 (all: %v)", xmls, files)
	}
	if b, err := os.ReadFile(runFile(t, out, "rollup.xml")); err != nil || strings.Count(string(b), "DESKTOP-2KGM189") < 2 || !strings.Contains(string(b), broken) {
		t.Errorf("rollup.xml (%v) does not list the three images:\n%s", err, b)
	}
}

// TestScanImageEqualsSMB scans the lab hosts over SMB and their images
// (the same .reg files and files, with what Samba serves in place of
// CurrentVersion) in one command: each image gets exactly the SMB host's
// identity, products and results.
func TestScanImageEqualsSMB(t *testing.T) {
	names := []string{lab.Patched, lab.MissingRegKey, lab.OldFile, lab.NewerFile, lab.WrongChecksum}
	specs := lab.StandardHostsNamed(names...)
	l := lab.Start(t, specs...)
	t.Setenv(envPassword, l.Password)
	args := []string{"-u", l.Domain + `\` + l.User, "--catalog", labCatalog, "--checksums", "on", "--no-files", "--format", "json",
		"--smb-port", itoa(l.Hosts[0].Port)}
	images := map[string]string{}
	for _, spec := range specs {
		dir := imagelab.Build(t, imagelab.FromLab(spec, true))
		images[spec.Name] = dir
		args = append(args, l.Host(spec.Name).IP, "--image", dir)
	}
	_, stdout, stderr := runScanCLI(t, "", args...)
	hosts := parseFullHosts(t, stdout)
	if len(hosts) != 2*len(specs) {
		t.Fatalf("%d hosts reported, want %d\nstderr: %s", len(hosts), 2*len(specs), stderr)
	}
	for _, n := range names {
		s, i := hosts[l.Host(n).IP], hosts[images[n]]
		if s.Status != "scanned" || i.Status != "scanned" || i.Transport != "image" || s.Transport != "smb" {
			t.Errorf("%s: smb %s via %s (%s), image %s via %s (%s)", n, s.Status, s.Transport, s.Error, i.Status, i.Transport, i.Error)
			continue
		}
		for what, pair := range map[string][2]json.RawMessage{"os": {s.OS, i.OS}, "products": {s.Products, i.Products}, "results": {s.Results, i.Results}} {
			var x, y any
			_ = json.Unmarshal(pair[0], &x)
			_ = json.Unmarshal(pair[1], &y)
			// The image's SYSTEM hive is a real Windows one with its own
			// ComputerName; the Samba lab hosts have none.
			if m, ok := y.(map[string]any); ok && what == "os" {
				delete(m, "computerName")
			}
			if x == nil || !reflect.DeepEqual(x, y) {
				t.Errorf("%s: %s differ\n smb:   %s\n image: %s", n, what, pair[0], pair[1])
			}
		}
		var rs []struct{ Bulletin, Status string }
		if err := json.Unmarshal(i.Results, &rs); err != nil || len(rs) == 0 || rs[0].Status != lab.Expected[n] {
			t.Errorf("%s image: results %s, want MS17-010 %s", n, i.Results, lab.Expected[n])
		}
	}
}

// TestImageWarningsInReports: a dirty hive's warning reaches every report
// of the host, not only stderr: the per-host XML (valid against
// report.xsd), the XML stream, JSON Lines, the text and the table.
func TestImageWarningsInReports(t *testing.T) {
	os19 := imagelab.Server2019(8388)
	dirty := imagelab.Build(t, imagelab.Spec{Reg: []string{os19.Reg()}, Dirty: []string{"SOFTWARE"}, Logs: []string{"SOFTWARE"}})
	clean := imagelab.Build(t, imagelab.Spec{Reg: []string{os19.Reg()}})
	t.Setenv(envPassword, "")
	const warning = "the SOFTWARE hive is dirty"
	for _, format := range []string{"xml", "json", "text", "table"} {
		t.Run(format, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "reports")
			_, stdout, stderr := runScanCLI(t, "", "--image", dirty, "--image", clean, "--format", format, "--out", out)
			if strings.Count(stdout, warning) != 1 {
				t.Errorf("stdout names the dirty hive %d times, want once (the dirty image only)\nstdout:\n%s\nstderr:\n%s", strings.Count(stdout, warning), stdout, stderr)
			}
			switch format {
			case "xml":
				if !strings.Contains(stdout, "<Warning>"+warning) {
					t.Errorf("no Warning element in the XML stream:\n%s", stdout)
				}
			case "json":
				var h struct{ Address string }
				var w struct{ Warnings []string }
				line := stdout[:strings.IndexByte(stdout, '\n')]
				if err := json.Unmarshal([]byte(line), &h); err != nil || h.Address != dirty {
					t.Fatalf("first host %q (%v), want the dirty image first", h.Address, err)
				}
				if err := json.Unmarshal([]byte(line), &w); err != nil || len(w.Warnings) != 1 || !strings.HasPrefix(w.Warnings[0], warning) {
					t.Errorf("warnings %q (%v)", w.Warnings, err)
				}
			case "text":
				if !strings.Contains(stdout, "* Warning: "+warning) {
					t.Errorf("text lacks the warning line:\n%s", stdout)
				}
			case "table":
				if !strings.Contains(stdout, "WARNING ABOUT ITS DATA") {
					t.Errorf("table lacks the warnings table:\n%s", stdout)
				}
			}
			var found int
			for _, f := range runFiles(t, out) {
				b, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				if strings.Contains(string(b), "<Warning>"+warning) {
					found++
					xsdCheck(t, reportXSD, f)
				}
			}
			if found != 1 {
				t.Errorf("%d per-host files carry the warning, want 1", found)
			}
		})
	}
}
