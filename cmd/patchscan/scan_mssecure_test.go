package main

import (
	"bytes"
	"encoding/xml"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/internal/imagelab"
)

// hostReport is what the test reads of a per-host XML file.
type hostReport struct {
	Host struct {
		Target   string `xml:"target,attr"`
		Status   string `xml:"status,attr"`
		Products []struct {
			Name string `xml:"name,attr"`
		} `xml:"Products>Product"`
		Results []struct {
			Kind     string   `xml:"kind,attr"`
			Bulletin string   `xml:"bulletin,attr"`
			KB       string   `xml:"kb,attr"`
			Status   string   `xml:"status,attr"`
			Reasons  []string `xml:"Reason"`
			Checks   []struct {
				Path     string `xml:"path,attr"`
				Expected string `xml:"expected,attr"`
				Found    string `xml:"found,attr"`
			} `xml:"Check"`
		} `xml:"Result"`
	} `xml:"Host"`
}

// TestScanImageMssecure: the verdicts, end to end. The built
// binary scans three offline Windows 2000 Professional images (Samba's
// winreg always says CurrentVersion 6.1, an image says 5.0) with
// Microsoft's own mssecure.xml as --catalog, converted on the fly: MS01-005
// Q281767 is missing at SP1 without the update's key, installed with it,
// not applicable at SP2; the per-host XML files say so.
func TestScanImageMssecure(t *testing.T) {
	wait := buildE2EBinary(t)
	images := map[string]string{
		"missing":        imagelab.Build(t, imagelab.Spec{Reg: []string{imagelab.Windows2000(1).Reg()}}),
		"installed":      imagelab.Build(t, imagelab.Spec{Reg: []string{imagelab.Windows2000(1).Reg(), imagelab.Update("Windows 2000", "SP1", "Q281767")}}),
		"not-applicable": imagelab.Build(t, imagelab.Spec{Reg: []string{imagelab.Windows2000(2).Reg()}}),
	}
	out := filepath.Join(t.TempDir(), "reports")
	args := []string{"scan", "--catalog", plainSample(t, true), "--out", out, "--format", "json"}
	for _, dir := range images {
		args = append(args, "--image", dir)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(wait(), args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != ExitMissing {
		t.Fatalf("exit %v, want %d (a patch is missing)\nstderr:\n%s", err, ExitMissing, stderr.String())
	}
	if !strings.Contains(stderr.String(), "is Microsoft's mssecure.xml (HFNetChk 3.1), converted on the fly: mssecure.xml 1.0.1.148") {
		t.Errorf("stderr does not say the catalog was converted:\n%s", stderr.String())
	}
	reports := readHostReports(t, runDir(t, out))
	for want, dir := range images {
		r, ok := reports[dir]
		if !ok {
			t.Fatalf("no per-host XML for the %s image %s (have %d)", want, dir, len(reports))
		}
		assertMS01005(t, want, r)
	}
}

func readHostReports(t *testing.T, dir string) map[string]hostReport {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.xml"))
	out := map[string]hostReport{}
	for _, f := range files {
		if filepath.Base(f) == "rollup.xml" {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var r hostReport
		if err := xml.Unmarshal(b, &r); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out[r.Host.Target] = r
	}
	return out
}

// assertMS01005 checks one host's MS01-005 result and what goes with it.
func assertMS01005(t *testing.T, want string, r hostReport) {
	t.Helper()
	found := false
	for _, p := range r.Host.Products {
		found = found || p.Name == "Windows 2000 Professional"
	}
	if r.Host.Status != "scanned" || !found {
		t.Errorf("%s image: status %s, products %+v", want, r.Host.Status, r.Host.Products)
	}
	missingSP, seen := false, false
	defer func() {
		if !seen {
			t.Errorf("%s image: no MS01-005 result", want)
		}
	}()
	for _, res := range r.Host.Results {
		if res.Kind == "service-pack" && res.Status == "missing" {
			missingSP = true
		}
		if res.Bulletin != "MS01-005" {
			continue
		}
		seen = true
		if res.KB != "Q281767" || res.Status != want {
			t.Errorf("%s image: MS01-005 %s is %s (%q)", want, res.KB, res.Status, res.Reasons)
		}
		switch want {
		case "missing":
			if len(res.Reasons) == 0 || res.Reasons[0] != `The registry value HKLM\SOFTWARE\Microsoft\Updates\Windows 2000\SP1\Q281767\Type does not exist. It is required for this patch to be considered installed.` {
				t.Errorf("missing: reasons %q", res.Reasons)
			}
		case "installed":
			if len(res.Checks) != 1 || res.Checks[0].Found != "Update" || res.Checks[0].Expected != "equals Update" {
				t.Errorf("installed: checks %+v", res.Checks)
			}
		}
	}
	// MBSA also reported the missing service pack: SP2 is Windows 2000's
	// current one in the file.
	if wantSP := want != "not-applicable"; missingSP != wantSP {
		t.Errorf("%s image: a missing service pack result: %v, want %v", want, missingSP, wantSP)
	}
}
