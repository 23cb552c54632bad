package mssecure

import (
	"context"
	"testing"

	"github.com/patchscan/patchscan/detect"
	"github.com/patchscan/patchscan/detect/memhost"
	"github.com/patchscan/patchscan/facts"
)

// windows2000 is a Windows 2000 Professional host at service pack sp, as
// the engine reads it (the end-to-end test reads the same from an image).
func windows2000(sp string) *memhost.Host {
	const cv = `HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion`
	h := memhost.New()
	h.SetValue(cv, "CurrentVersion", facts.SZ("5.0"))
	h.SetValue(cv, "CurrentBuildNumber", facts.SZ("2195"))
	h.SetValue(cv, "ProductName", facts.SZ("Microsoft Windows 2000"))
	h.SetValue(cv, "SystemRoot", facts.SZ(`C:\WINNT`))
	if sp != "" {
		h.SetValue(cv, "CSDVersion", facts.SZ(sp))
	}
	h.SetValue(`HKLM\SYSTEM\CurrentControlSet\Control\ProductOptions`, "ProductType", facts.SZ("WinNT"))
	h.SetValue(`HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion`, "ProgramFilesDir", facts.SZ(`C:\Program Files`))
	return h
}

// TestVerdictsMS01005: MBSA's verdicts for MS01-005 Q281767 on the
// converted real file: missing on Windows 2000 Professional SP1 without the
// update's key, installed with it, not applicable on SP2.
func TestVerdictsMS01005(t *testing.T) {
	c, _ := convertBack(t, withMS01005(t))
	e := detect.New(c, detect.Options{})
	const key = `HKLM\SOFTWARE\Microsoft\Updates\Windows 2000\SP1\Q281767`
	for _, tt := range []struct {
		name   string
		host   *memhost.Host
		want   detect.Status
		reason string
	}{
		{"SP1 without the key", windows2000("Service Pack 1"), detect.StatusMissing,
			`The registry value HKLM\SOFTWARE\Microsoft\Updates\Windows 2000\SP1\Q281767\Type does not exist. It is required for this patch to be considered installed.`},
		{"SP1 with the key", func() *memhost.Host {
			h := windows2000("Service Pack 1")
			h.SetValue(key, "Type", facts.SZ("Update"))
			h.SetValue(key, "Installed", facts.DWORD(1))
			return h
		}(), detect.StatusInstalled, ""},
		{"SP2", windows2000("Service Pack 2"), detect.StatusNotApplicable,
			"Windows 2000 Professional is at service pack level 2, which includes this fix (fixed in service pack level 2)."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := e.Scan(context.Background(), tt.host)
			if err != nil {
				t.Fatal(err)
			}
			var got *detect.Result
			for i, r := range rep.Results {
				if r.BulletinID == "MS01-005" && r.KB == "Q281767" {
					got = &rep.Results[i]
				}
			}
			if got == nil {
				t.Fatalf("no MS01-005 result among %d", len(rep.Results))
			}
			if got.Status != tt.want || tt.reason != "" && (len(got.Reasons) == 0 || got.Reasons[0] != tt.reason) {
				t.Errorf("%s: %s %q, want %s %q", tt.name, got.Status, got.Reasons, tt.want, tt.reason)
			}
		})
	}
}
