package lab

import (
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/patchscan/patchscan/internal/testenv"
)

// impacket reads the lab's registry: what Samba serves under the keys the
// scanner uses (recorded in testdata/lab/README.md) is checked here so a
// Samba upgrade that changes it is noticed.
func TestLabServesRegistryAndShares(t *testing.T) {
	specs := StandardHosts()
	l := Start(t, specs[0], specs[5]) // patched, no-winreg
	if len(l.Hosts) != 2 {
		t.Fatalf("got %d hosts, want 2", len(l.Hosts))
	}
	p := l.Host(Patched)
	if p == nil || p.Password != l.Password {
		t.Fatal("patched host missing or with another password")
	}
	for _, h := range l.Hosts {
		c, err := net.DialTimeout("tcp", h.Addr(), 2*time.Second)
		if err != nil {
			t.Fatalf("%s: %v", h.Name, err)
		}
		c.Close()
	}
	if _, err := os.Stat(filepath.Join(p.Dir(), "C", "Windows", "System32", "drivers", "srv.sys")); err != nil {
		t.Fatalf("share tree: %v", err)
	}

	testenv.PythonModule(t, "impacket", "python3-impacket")
	cmd := exec.Command(testenv.Python, filepath.Join(RepoRoot(), "testdata/lab/rrp_dump.py"),
		p.IP, strconv.Itoa(p.Port), p.Domain, p.User,
		`SOFTWARE\Microsoft\Windows NT\CurrentVersion`,
		`SOFTWARE\Microsoft\Updates\Windows 7\SP1\KB4012212`,
		`SYSTEM\CurrentControlSet\Control\ProductOptions`,
		`SOFTWARE\Microsoft\Windows\CurrentVersion`,
		`SYSTEM\CurrentControlSet\Control\Nls\Language`,
		`SOFTWARE\NoSuchKey`)
	cmd.Env = append(os.Environ(), "PATCHSCAN_PASSWORD="+p.Password)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("rrp_dump.py: %v: %s", err, stderr.String())
	}
	var dump struct {
		Version int
		Keys    map[string]struct {
			Error  int
			Values []struct {
				Name string
				Type int
				Data string
			}
			Subkeys []any
		}
	}
	if err := json.Unmarshal(out, &dump); err != nil {
		t.Fatalf("rrp_dump.py output: %v\n%s", err, out)
	}
	find := func(key, name string) (int, string, bool) {
		for _, v := range dump.Keys[key].Values {
			if v.Name == name {
				return v.Type, v.Data, true
			}
		}
		return 0, "", false
	}
	utf16z := func(s string) string {
		b := make([]byte, 0, 2*len(s)+2)
		for _, r := range s {
			b = append(b, byte(r), 0)
		}
		b = append(b, 0, 0)
		return hexs(b)
	}
	tests := []struct {
		key, name string
		present   bool
		typ       int
		data      string
	}{
		{`SOFTWARE\Microsoft\Windows NT\CurrentVersion`, "CurrentVersion", true, 1, utf16z("6.1")},
		{`SOFTWARE\Microsoft\Windows NT\CurrentVersion`, "SystemRoot", true, 1, utf16z(`c:\Windows`)},
		// Samba serves this key itself and hides what was imported into it.
		{`SOFTWARE\Microsoft\Windows NT\CurrentVersion`, "ProductName", false, 0, ""},
		{`SOFTWARE\Microsoft\Windows NT\CurrentVersion`, "CSDVersion", false, 0, ""},
		{`SYSTEM\CurrentControlSet\Control\ProductOptions`, "ProductType", true, 1, utf16z("ServerNT")},
		{`SOFTWARE\Microsoft\Updates\Windows 7\SP1\KB4012212`, "Installed", true, 4, "01000000"},
		{`SOFTWARE\Microsoft\Windows\CurrentVersion`, "ProgramFilesDir", true, 1, utf16z(`C:\Program Files`)},
		{`SYSTEM\CurrentControlSet\Control\Nls\Language`, "InstallLanguage", true, 1, utf16z("0409")},
	}
	for _, tt := range tests {
		typ, data, ok := find(tt.key, tt.name)
		if ok != tt.present || typ != tt.typ || data != tt.data {
			t.Errorf("%s\\%s: got present=%v type=%d data=%s; want %v %d %s", tt.key, tt.name, ok, typ, data, tt.present, tt.typ, tt.data)
		}
	}
	if e := dump.Keys[`SOFTWARE\NoSuchKey`].Error; e != 2 {
		t.Errorf("absent key: error %d, want 2 (ERROR_FILE_NOT_FOUND)", e)
	}

	// The no-winreg host refuses the pipe.
	nw := l.Host(NoWinreg)
	cmd = exec.Command(testenv.Python, filepath.Join(RepoRoot(), "testdata/lab/rrp_dump.py"),
		nw.IP, strconv.Itoa(nw.Port), nw.Domain, nw.User, `SOFTWARE`)
	cmd.Env = append(os.Environ(), "PATCHSCAN_PASSWORD="+nw.Password)
	if out, err := cmd.CombinedOutput(); err == nil {
		t.Errorf("no-winreg host served winreg: %s", out)
	}
}

func hexs(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

func TestStopLeavesNoProcesses(t *testing.T) {
	dir := t.TempDir()
	l, err := Run(dir, Config{}, StandardHosts()[0])
	if err != nil {
		testenv.Missing(t, "lab cannot start: %v", err)
	}
	h := l.Hosts[0]
	// Make smbd start samba-dcerpcd and rpcd_winreg, which detach.
	cmd := exec.Command(testenv.Python, filepath.Join(RepoRoot(), "testdata/lab/rrp_dump.py"),
		h.IP, strconv.Itoa(h.Port), h.Domain, h.User, `SOFTWARE`)
	cmd.Env = append(os.Environ(), "PATCHSCAN_PASSWORD="+h.Password)
	_ = cmd.Run()
	if err := l.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := killByArg(h.Conf()); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && len(b) > 0 && strings.Contains(string(b), h.Conf()) {
			t.Errorf("process %s still running after Stop: %q", e.Name(), b)
		}
	}
	if c, err := net.DialTimeout("tcp", h.Addr(), time.Second); err == nil {
		c.Close()
		t.Errorf("%s still accepts connections after Stop", h.Addr())
	}
}

func TestSharedModeAnswersEveryLoopbackAddress(t *testing.T) {
	l := StartConfig(t, Config{Shared: true}, StandardHosts()[0])
	h := l.Hosts[0]
	if h.IP != "0.0.0.0" || h.Port == 445 || h.Port == 0 {
		t.Fatalf("shared host at %s:%d", h.IP, h.Port)
	}
	for _, ip := range []string{"127.0.0.1", "127.3.4.5", "127.200.1.9"} {
		c, err := net.DialTimeout("tcp", net.JoinHostPort(ip, strconv.Itoa(h.Port)), 2*time.Second)
		if err != nil {
			t.Errorf("%s: %v", ip, err)
			continue
		}
		c.Close()
	}
}

// StandardHostsNamed keeps StandardHosts' order, whatever the names' order,
// and knows no other hosts.
func TestStandardHostsNamed(t *testing.T) {
	var got []string
	for _, s := range StandardHostsNamed(OldFile, Patched, "no-such-host") {
		got = append(got, s.Name)
	}
	if want := []string{Patched, OldFile}; !slices.Equal(got, want) {
		t.Fatalf("%v, want %v", got, want)
	}
}
