package detect

import (
	"errors"
	"strings"
	"testing"
)

func TestResolveTemplates(t *testing.T) {
	var hv hostVars
	hv.setDir(varSystemRoot, `C:\WINDOWS\`, true, nil)
	hv.val[varSystemDrive] = hv.val[varSystemRoot][:2]
	hv.setDir(varProgramFiles, expandInValue(`%SystemDrive%\Program Files`, &hv), true, nil)
	hv.setDir(varProgramFilesX86, "", false, nil)
	hv.setDir(varCommonFiles, "", false, errors.New("access denied"))
	tests := []struct {
		tmpl, want, err string
	}{
		{`%SystemRoot%\System32\x.dll`, `C:\WINDOWS\System32\x.dll`, ""},
		{`%windir%\x`, `C:\WINDOWS\x`, ""},
		{`%SYSTEMDRIVE%\boot.ini`, `C:\boot.ini`, ""},
		{`%ProgramFiles%\a`, `C:\Program Files\a`, ""},
		{`%ProgramW6432%\a`, `C:\Program Files\a`, ""},
		{`C:\fixed\path`, `C:\fixed\path`, ""},
		{`%ProgramFiles(x86)%\a`, "", `cannot resolve %ProgramFiles(x86)% on this host: ProgramFilesDir (x86) (HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion) not readable (the value does not exist)`},
		{`%CommonProgramFiles%\a`, "", `cannot resolve %CommonProgramFiles% on this host: CommonFilesDir (HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion) could not be read: access denied`},
		{`%Temp%\a`, "", `path "%Temp%\\a" uses the unknown variable %Temp%`},
		{`%SystemRoot\a`, "", `path "%SystemRoot\\a" has an unterminated % variable`},
	}
	for _, tt := range tests {
		tp := parseTemplate(tt.tmpl)
		got, err := tp.resolve(&hv)
		if got != tt.want || err != tt.err {
			t.Errorf("resolve(%q) = %q, %q; want %q, %q", tt.tmpl, got, err, tt.want, tt.err)
		}
	}
}

func TestBadDir(t *testing.T) {
	tests := []struct {
		dir string
		ok  bool
	}{
		{`C:\Windows`, true},
		{`d:\WinNT`, true},
		{`C:`, true},
		{`\\evil\share`, false},
		{`Windows`, false},
		{`C:Windows`, false},
		{`C:\Windows\..\x`, false},
		{`C:\Win` + "\x00" + `dows`, false},
		{`C:\a/b`, false},
		{`C:\` + strings.Repeat("a", 600), false},
		{"", false},
		{"1:\\x", false},
	}
	for _, tt := range tests {
		if got := badDir(tt.dir) == ""; got != tt.ok {
			t.Errorf("badDir(%q) ok = %v, want %v (%s)", tt.dir, got, tt.ok, badDir(tt.dir))
		}
	}
}

func TestSPLevel(t *testing.T) {
	tests := []struct {
		csd  string
		want int
	}{
		{"", 0},
		{"Service Pack 1", 1},
		{"service pack 3, v.3244", 3},
		{"Service Pack", 0},
		{"Beta 2", 0},
		{"Service Pack 12345", 123},
	}
	for _, tt := range tests {
		if got := spLevel(tt.csd); got != tt.want {
			t.Errorf("spLevel(%q) = %d, want %d", tt.csd, got, tt.want)
		}
	}
}
