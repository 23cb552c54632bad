package imagelab

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/internal/pe"
)

func TestSplitReg(t *testing.T) {
	in := "\ufeffWindows Registry Editor Version 5.00\r\n\r\n" +
		"; a comment\n" +
		"[HKEY_LOCAL_MACHINE\\SOFTWARE\\A\\B]\n\"x\"=\"1\"\n\n" +
		"[HKLM\\system\\CurrentControlSet\\Control\\X]\n@=\"d\"\n" +
		"[-HKEY_LOCAL_MACHINE\\SOFTWARE\\Old]\n"
	got, err := splitReg(in, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"SOFTWARE": "Windows Registry Editor Version 5.00\n\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\A]\n\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\A\\B]\n\"x\"=\"1\"\n\n[-HKEY_LOCAL_MACHINE\\SOFTWARE\\Old]\n\n",
		"SYSTEM":   "Windows Registry Editor Version 5.00\n\n[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet002]\n\n[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet002\\Control]\n\n[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet002\\Control\\X]\n@=\"d\"\n\n",
	}
	if len(got) != len(want) {
		t.Fatalf("hives %v, want %v", got, want)
	}
	for h, w := range want {
		if got[h] != w {
			t.Errorf("%s:\n%q\nwant\n%q", h, got[h], w)
		}
	}
	for _, bad := range []string{
		"[HKEY_CURRENT_USER\\Software\\X]\n",
		"[HKEY_LOCAL_MACHINE\\HARDWARE\\X]\n",
		"\"x\"=\"value before a key\"\n",
		"[HKEY_LOCAL_MACHINE\\SOFTWARE\\X\n",
	} {
		if _, err := splitReg(bad, 1); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestPresets builds each OS preset and reads it back with hivex (the
// registry) and internal/pe (the files): what other packages' tests rely
// on when they say "a Server 2019 at UBR 8388".
func TestPresets(t *testing.T) {
	cases := []struct {
		name                     string
		os                       OS
		build, csd, ptype, fileV string
	}{
		{"server2019", Server2019(8388), "17763", "", "ServerNT", "10.0.17763.8388"},
		{"server2025", Server2025(32313), "26100", "", "ServerNT", "10.0.26100.32313"},
		{"windows11", Windows11(7840), "26100", "", "WinNT", "10.0.26100.7840"},
		{"windows2000sp1", Windows2000(1), "2195", "Service Pack 1", "WinNT", "5.0.2195.0"},
		{"windows7x86", Windows7x86(), "7601", "Service Pack 1", "WinNT", "6.1.7601.0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := Build(t, Spec{Reg: []string{c.os.Reg(), Update("Windows 2000", "SP1", "Q281767")}, Files: c.os.Files(`System32\ntoskrnl.exe`)})
			cfg := filepath.Join(dir, filepath.FromSlash(ConfigDir))
			get := func(hive, key, name string) string {
				v, err := Get(filepath.Join(cfg, hive), key, name)
				if err != nil {
					t.Fatalf("hivexget %s %s %s: %v", hive, key, name, err)
				}
				return v
			}
			if v := get("SOFTWARE", `Microsoft\Windows NT\CurrentVersion`, "CurrentBuildNumber"); v != c.build {
				t.Errorf("CurrentBuildNumber %q, want %q", v, c.build)
			}
			if c.csd != "" {
				if v := get("SOFTWARE", `Microsoft\Windows NT\CurrentVersion`, "CSDVersion"); v != c.csd {
					t.Errorf("CSDVersion %q, want %q", v, c.csd)
				}
			}
			if v := get("SYSTEM", `ControlSet001\Control\ProductOptions`, "ProductType"); v != c.ptype {
				t.Errorf("ProductType %q, want %q", v, c.ptype)
			}
			if v := get("SOFTWARE", `Microsoft\Updates\Windows 2000\SP1\Q281767`, "Type"); v != "Update" {
				t.Errorf("update key Type %q", v)
			}
			if v := get("SYSTEM", `ControlSet001\Control\ComputerName\ComputerName`, "ComputerName"); v != "DESKTOP-2KGM189" {
				t.Errorf("ComputerName %q: the real SYSTEM hive's is DESKTOP-2KGM189", v)
			}
			root := strings.TrimPrefix(c.os.systemRoot(), `C:\`)
			f, err := os.Open(filepath.Join(dir, root, "System32", "ntoskrnl.exe"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			st, _ := f.Stat()
			info, err := pe.ReadVersion(f, st.Size())
			if err != nil || info.FileVersion != c.fileV {
				t.Errorf("ntoskrnl.exe version %v (%v), want %s", info, err, c.fileV)
			}
		})
	}
}
