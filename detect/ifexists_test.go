package detect_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/catalog"
	"github.com/patchscan/patchscan/detect"
	"github.com/patchscan/patchscan/facts"
)

// TestIfExists: a FileCheck with IfExists (mssecure.xml's command e,
// "change if exists, ignore if not") passes when the file is absent and
// judges a present file as any other check, checksum included.
func TestIfExists(t *testing.T) {
	const plugin = `%ProgramFiles%\TestApp\plugin.dll`
	const onHost = `C:\Program Files\TestApp\plugin.dll`
	for _, tt := range []struct {
		name      string
		present   string // version on the host; "" = absent
		ifExists  bool
		checksums bool
		want      detect.Status
		result    detect.CheckResult
		reason    string
	}{
		{"absent file passes", "", true, false, detect.StatusInstalled, detect.CheckPass, ""},
		{"absent file without IfExists is missing", "", false, false, detect.StatusMissing, detect.CheckFail,
			`File C:\Program Files\TestApp\plugin.dll does not exist; version 5.0.2195.1 or later is required.`},
		{"present at the version is installed", "5.0.2195.1", true, false, detect.StatusInstalled, detect.CheckPass, ""},
		{"present and older is missing", "5.0.2195.0", true, false, detect.StatusMissing, detect.CheckFail,
			`File C:\Program Files\TestApp\plugin.dll has version 5.0.2195.0; 5.0.2195.1 or later is required.`},
		{"present and newer is MBSA's warning", "5.0.2195.9", true, false, detect.StatusWarning, detect.CheckNewer, ""},
		{"present with a wrong checksum is missing", "5.0.2195.1", true, true, detect.StatusMissing, detect.CheckFail,
			`File C:\Program Files\TestApp\plugin.dll has an invalid checksum and its file version [5.0.2195.1] is equal to what is expected [5.0.2195.1].`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := fc(plugin, "5.0.2195.1")
			c.IfExists, c.SHA256 = tt.ifExists, strings.Repeat("b", 64)
			h := serverHost()
			if tt.present != "" {
				h.SetFile(onHost, facts.FileInfo{Size: 10, Version: tt.present, SHA256: strings.Repeat("c", 64)})
			}
			opts := detect.Options{Checksums: detect.ChecksumOff}
			if tt.checksums {
				opts.Checksums = detect.ChecksumOn
			}
			r := byKB(scan(t, testCatalog(bulletin("MS01-022", patch("Q296441", c))), opts, h))["Q296441"]
			if r.Status != tt.want || len(r.Checks) != 1 || r.Checks[0].Result != tt.result {
				t.Fatalf("status %s, checks %+v (%q); want %s with check %s", r.Status, r.Checks, r.Reasons, tt.want, tt.result)
			}
			if tt.reason != "" && !slices.Contains(r.Reasons, tt.reason) {
				t.Errorf("reasons %q, want %q", r.Reasons, tt.reason)
			}
			if exp := r.Checks[0].Expected; strings.HasSuffix(exp, "(if present)") != tt.ifExists {
				t.Errorf("expected %q: says (if present) only for IfExists checks", exp)
			}
			if tt.present == "" && r.Checks[0].Found != "(not found)" {
				t.Errorf("found %q, want (not found)", r.Checks[0].Found)
			}
		})
	}
}

// TestIfExistsRegistryStillDecides: an absent IfExists file does not make
// a patch installed whose registry check fails.
func TestIfExistsRegistryStillDecides(t *testing.T) {
	c := fc(`%SystemRoot%\System32\absent.dll`, "1.0")
	c.IfExists = true
	key := regValue(`HKLM\SOFTWARE\Microsoft\Updates\Windows 2000\SP1\Q281767`, "Type", catalog.OpEquals, "Update")
	r := byKB(scan(t, testCatalog(bulletin("MS01-005", patch("Q281767", key, c))), detect.Options{}, serverHost()))["Q281767"]
	if r.Status != detect.StatusMissing {
		t.Errorf("status %s (%q), want missing", r.Status, r.Reasons)
	}
}
