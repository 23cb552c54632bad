package smb

import (
	"strings"
	"testing"
)

func TestSharePath(t *testing.T) {
	tests := []struct {
		path, root  string
		share, rel  string
		errContains string
	}{
		{`C:\Windows\System32\drivers\srv.sys`, `C:\Windows`, "ADMIN$", `System32\drivers\srv.sys`, ""},
		{`c:\WINDOWS\system32\x.dll`, `c:\Windows`, "ADMIN$", `system32\x.dll`, ""},
		{`C:\Windows\System32\x.dll`, ``, "C$", `Windows\System32\x.dll`, ""},
		{`C:\WindowsApps\x.dll`, `C:\Windows`, "C$", `WindowsApps\x.dll`, ""},
		{`D:\Program Files\App\a.exe`, `C:\Windows`, "D$", `Program Files\App\a.exe`, ""},
		{`e:/data/x.dll`, `C:\Windows`, "E$", `data\x.dll`, ""},
		{`C:\`, `C:\Windows`, "", "", "names a drive"},
		{`\\other\share\x.dll`, `C:\Windows`, "", "", "not an absolute drive path"},
		{`%SystemRoot%\x.dll`, `C:\Windows`, "", "", "not an absolute drive path"},
		{`1:\x`, ``, "", "", "not an absolute drive path"},
	}
	for _, tt := range tests {
		share, rel, err := sharePath(tt.path, tt.root)
		if tt.errContains != "" {
			if err == nil || !strings.Contains(err.Error(), tt.errContains) {
				t.Errorf("%s: err %v, want %q", tt.path, err, tt.errContains)
			}
			continue
		}
		if err != nil || share != tt.share || rel != tt.rel {
			t.Errorf("%s (root %s): %s %s %v, want %s %s", tt.path, tt.root, share, rel, err, tt.share, tt.rel)
		}
	}
}

func TestSplitHKLM(t *testing.T) {
	tests := []struct{ in, out, err string }{
		{`HKLM\SOFTWARE\X`, `SOFTWARE\X`, ""},
		{`hkey_local_machine\Software\X\`, `Software\X`, ""},
		{`HKLM`, ``, ""},
		{`HKCU\Software`, "", "only HKLM"},
		{`HKLMX\Software`, "", "only HKLM"},
	}
	for _, tt := range tests {
		got, err := splitHKLM(tt.in)
		if (err != nil) != (tt.err != "") || got != tt.out || (err != nil && !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("%s: %q %v", tt.in, got, err)
		}
	}
}
