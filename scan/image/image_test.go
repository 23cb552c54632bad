package image_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/patchscan/patchscan/facts"
	"github.com/patchscan/patchscan/internal/imagelab"
	"github.com/patchscan/patchscan/internal/lab"
	"github.com/patchscan/patchscan/scan/image"
	"github.com/patchscan/patchscan/scan/transport"
)

func open(t *testing.T, dir string) *image.Host {
	t.Helper()
	h, err := image.Open(dir, image.Options{})
	if err != nil {
		t.Fatalf("open %s: %v", dir, err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

func ask(t *testing.T, h *image.Host, reqs ...facts.Request) []facts.Answer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ans, err := h.Facts(ctx, reqs)
	if err != nil {
		t.Fatalf("Facts: %v", err)
	}
	if len(ans) != len(reqs) {
		t.Fatalf("%d answers to %d requests", len(ans), len(reqs))
	}
	return ans
}

func reg(key, name string) facts.Request {
	return facts.Request{Kind: facts.FactRegValue, Key: key, Name: name}
}

func regKey(key string) facts.Request { return facts.Request{Kind: facts.FactRegKey, Key: key} }

func file(path string, hash bool) facts.Request {
	return facts.Request{Kind: facts.FactFile, Path: path, SHA256: hash}
}

// TestServer2019Image scans an image of a Windows Server 2019 at UBR 8388
// built on the real Windows 10 SYSTEM, SAM and SECURITY hives: identity
// from the real SYSTEM hive, registry through CurrentControlSet, keys of
// every hive, files with their versions and hashes, and what an image
// cannot answer.
func TestServer2019Image(t *testing.T) {
	os19 := imagelab.Server2019(8388)
	dir := imagelab.Build(t, imagelab.Spec{
		Reg:   []string{os19.Reg()},
		Files: append(os19.Files(`System32\ntoskrnl.exe`), imagelab.File{Path: `Program Files\Tool\tool.exe`, Src: lab.SrvExact}),
	})
	if err := os.Mkdir(filepath.Join(dir, "Windows", "System32", "drivers.dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	h := open(t, dir)
	if h.Name() != "DESKTOP-2KGM189" {
		t.Errorf("Name = %q, want the real SYSTEM hive's ComputerName DESKTOP-2KGM189", h.Name())
	}
	if h.Address() != dir || h.TransportName() != "image" {
		t.Errorf("Address %q transport %q, want %q image", h.Address(), h.TransportName(), dir)
	}
	if w := h.Warnings(); len(w) != 0 {
		t.Errorf("warnings on a clean image: %q", w)
	}
	src, err := os.ReadFile(filepath.Join(lab.RepoRoot(), lab.SrvExact))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(src)
	const cv = `HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion`
	cases := []struct {
		req   facts.Request
		found bool
		text  string // value text, or file version
		err   string
	}{
		{reg(cv, "CurrentBuildNumber"), true, "17763", ""},
		{reg(`hkey_local_machine\software\MICROSOFT\windows nt\currentversion`, "ubr"), true, "8388", ""},
		{reg(cv, "NoSuchValue"), false, "", ""},
		{reg(`HKLM\SYSTEM\CurrentControlSet\Control\ProductOptions`, "ProductType"), true, "ServerNT", ""},
		{reg(`HKLM\SYSTEM\ControlSet001\Control\ProductOptions`, "ProductType"), true, "ServerNT", ""},
		{reg(`HKLM\SYSTEM\CurrentControlSet\Control\Session Manager\Environment`, "PROCESSOR_ARCHITECTURE"), true, "AMD64", ""},
		{reg(`HKLM\SYSTEM\Select`, "Current"), true, "1", ""},
		{regKey(`HKLM\SAM\SAM\Domains\Account`), true, "", ""},
		{regKey(`HKLM\SECURITY\Policy`), true, "", ""},
		{regKey(`HKLM\HARDWARE\DESCRIPTION`), false, "", ""},
		{regKey(`HKLM`), true, "", ""},
		{regKey(`HKCU\Software`), false, "", "only HKLM"},
		{file(`C:\Windows\System32\ntoskrnl.exe`, false), true, "10.0.17763.8388", ""},
		{file(`c:\WINDOWS\system32\NTOSKRNL.EXE`, false), true, "10.0.17763.8388", ""},
		{file(`C:\Program Files\Tool\tool.exe`, true), true, "6.1.7601.23689", ""},
		{file(`C:\Windows\System32\missing.dll`, false), false, "", ""},
		{file(`C:\Windows\NoDir\missing.dll`, false), false, "", ""},
		{file(`C:\Windows\System32\drivers.dir`, false), false, "", "is a directory"},
		{file(`D:\Data\x.exe`, false), false, "", "on drive D:"},
		{file(`C:\Windows\..\..\etc\passwd`, false), false, "", "not a plain file name"},
		{file(`Windows\x.exe`, false), false, "", "not an absolute drive path"},
	}
	reqs := make([]facts.Request, len(cases))
	for i, c := range cases {
		reqs[i] = c.req
	}
	ans := ask(t, h, reqs...)
	for i, c := range cases {
		a := ans[i]
		what := c.req.Key + " " + c.req.Name + c.req.Path
		switch {
		case c.err != "":
			if a.Err == nil || !strings.Contains(a.Err.Error(), c.err) {
				t.Errorf("%s: err %v, want one saying %q", what, a.Err, c.err)
			}
			continue
		case a.Err != nil:
			t.Errorf("%s: %v", what, a.Err)
			continue
		case a.Found != c.found:
			t.Errorf("%s: found %v, want %v", what, a.Found, c.found)
			continue
		}
		got := a.Value.Text()
		if c.req.Kind == facts.FactFile {
			got = a.File.Version
		}
		if c.found && c.text != "" && got != c.text {
			t.Errorf("%s = %q, want %q", what, got, c.text)
		}
	}
	if tool := ans[14].File; tool.SHA256 != hex.EncodeToString(sum[:]) || tool.Size != int64(len(src)) {
		t.Errorf("tool.exe: sha256 %s size %d, want %x %d", tool.SHA256, tool.Size, sum, len(src))
	}
}

// TestOpenRefusesBrokenImages: an image without its hives, or with hives
// that are truncated or garbage, is an error naming the hive and the
// damage; never a panic, never a scanned host.
func TestOpenRefusesBrokenImages(t *testing.T) {
	cfg := filepath.FromSlash(imagelab.ConfigDir)
	cases := []struct {
		name   string
		spec   imagelab.Spec
		damage func(dir string) error
		want   string
	}{
		{"not a volume", imagelab.Spec{Omit: []string{"SOFTWARE", "SYSTEM"}}, nil, `no SYSTEM hive (Windows\System32\config\SYSTEM)`},
		{"no SOFTWARE", imagelab.Spec{Omit: []string{"SOFTWARE"}}, nil, "no SOFTWARE hive"},
		{"truncated SOFTWARE", imagelab.Spec{}, func(dir string) error {
			return os.Truncate(filepath.Join(dir, cfg, "SOFTWARE"), 6000)
		}, "SOFTWARE hive: truncated"},
		{"garbage SYSTEM", imagelab.Spec{}, func(dir string) error {
			return os.WriteFile(filepath.Join(dir, cfg, "SYSTEM"), []byte(strings.Repeat("garbage ", 9000)), 0o644)
		}, "SYSTEM hive: not a registry hive"},
		{"no Select", imagelab.Spec{Reg: []string{"Windows Registry Editor Version 5.00\n\n[-HKEY_LOCAL_MACHINE\\SYSTEM\\Select]\n"}}, nil, "no Select key"},
		{"Select names a missing set", imagelab.Spec{Reg: []string{"Windows Registry Editor Version 5.00\n\n[HKEY_LOCAL_MACHINE\\SYSTEM\\Select]\n\"Current\"=dword:00000005\n"}}, nil, `Select\Current names ControlSet005`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := imagelab.Build(t, c.spec)
			if c.damage != nil {
				if err := c.damage(dir); err != nil {
					t.Fatal(err)
				}
			}
			h, err := image.Open(dir, image.Options{})
			if err == nil {
				h.Close()
				t.Fatal("opened")
			}
			var te *transport.Error
			if !errors.As(err, &te) || te.Outcome != transport.Failed || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), dir) {
				t.Fatalf("err = %v, want a host error naming %s and saying %q", err, dir, c.want)
			}
		})
	}
}

// TestDirtyHiveWarns: dirty hives are scanned, with a warning that names
// the hive and says whether logs are beside it.
func TestDirtyHiveWarns(t *testing.T) {
	dir := imagelab.Build(t, imagelab.Spec{Dirty: []string{"SYSTEM", "SOFTWARE"}, Logs: []string{"SYSTEM"}})
	h := open(t, dir)
	w := strings.Join(h.Warnings(), "\n")
	for _, want := range []string{
		"the SYSTEM hive is dirty", "its transaction logs (SYSTEM.LOG1, SYSTEM.LOG2) are not replayed",
		"the SOFTWARE hive is dirty", "no transaction log is beside it", "may be missing from this scan",
	} {
		if !strings.Contains(w, want) {
			t.Errorf("warnings %q lack %q", w, want)
		}
	}
	if h.Name() != "DESKTOP-2KGM189" {
		t.Errorf("a dirty hive is still read: name %q", h.Name())
	}
}

// TestControlSetFromSelect: CurrentControlSet is whatever Select\Current
// names, not ControlSet001; a control set without a ComputerName leaves
// the host named by its path, with a warning.
func TestControlSetFromSelect(t *testing.T) {
	dir := imagelab.Build(t, imagelab.Spec{ControlSet: 2, Reg: []string{"Windows Registry Editor Version 5.00\n\n[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\ProductOptions]\n\"ProductType\"=\"LanmanNT\"\n"}})
	h := open(t, dir)
	ans := ask(t, h, reg(`HKLM\SYSTEM\CurrentControlSet\Control\ProductOptions`, "ProductType"),
		reg(`HKLM\SYSTEM\ControlSet001\Control\ProductOptions`, "ProductType"))
	if got := ans[0].Value.Text(); got != "LanmanNT" {
		t.Errorf("CurrentControlSet ProductType = %q (found %v), want ControlSet002's LanmanNT", got, ans[0].Found)
	}
	if got := ans[1].Value.Text(); got != "WinNT" {
		t.Errorf("ControlSet001 ProductType = %q, want the real hive's WinNT", got)
	}
	if h.Name() != "" || !strings.Contains(strings.Join(h.Warnings(), " "), "no ComputerName") {
		t.Errorf("name %q warnings %q; want no name and a warning", h.Name(), h.Warnings())
	}
}

// TestCaseInsensitivePaths: hives and files found whatever the case on a
// case-sensitive file system.
func TestCaseInsensitivePaths(t *testing.T) {
	dir := imagelab.Build(t, imagelab.Spec{
		LowerCaseConfig: true,
		Reg:             []string{imagelab.Windows7x86().Reg()},
		Files:           []imagelab.File{{Path: `windows/system32/Drivers/SRV.SYS`, Src: lab.SrvOld}},
	})
	h := open(t, dir)
	ans := ask(t, h, file(`C:\Windows\System32\drivers\srv.sys`, false), reg(`HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion`, "CSDVersion"))
	if !ans[0].Found || ans[0].File.Version != "6.1.7601.17514" {
		t.Errorf("srv.sys: %+v", ans[0])
	}
	if ans[1].Value.Text() != "Service Pack 1" {
		t.Errorf("CSDVersion %q", ans[1].Value.Text())
	}
}

// TestOpenKeyEnumerates: OpenKey gives other readers (the configuration
// checks) the image's keys to enumerate: the real SAM hive's users, the
// current control set's services.
func TestOpenKeyEnumerates(t *testing.T) {
	h := open(t, imagelab.Build(t, imagelab.Spec{}))
	users, ok, err := h.OpenKey(`HKLM\SAM\SAM\Domains\Account\Users\Names`)
	if err != nil || !ok {
		t.Fatalf("Users\\Names: %v %v", ok, err)
	}
	subs, err := users.Subkeys()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range subs {
		n, err := s.Name()
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	if !strings.Contains(strings.Join(names, ","), "Administrator") || !strings.Contains(strings.Join(names, ","), "Guest") {
		t.Errorf("SAM users %q: want the built-in Administrator and Guest", names)
	}
	svc, ok, err := h.OpenKey(`hklm\system\currentcontrolset\services\LanmanServer`)
	if err != nil || !ok {
		t.Fatalf("LanmanServer: %v %v", ok, err)
	}
	if v, ok, err := svc.Value("Start"); err != nil || !ok || v.Type != 4 {
		t.Errorf("LanmanServer Start: %+v %v %v", v, ok, err)
	}
	if _, err := image.Open(t.TempDir(), image.Options{}); err == nil {
		t.Error("an empty directory opened as an image")
	}
}
