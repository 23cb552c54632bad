// Package imagelab builds offline Windows images for tests: a directory
// shaped like the root of a Windows system volume, with registry hives in
// Windows/System32/config and files where Windows keeps them, for
// scan/image (`patchscan scan --image DIR`) to scan.
//
// Hives start from REAL Windows hives (testdata/hives: the SYSTEM hive of
// a Windows 10 1709 workstation, SAM and SECURITY; see its README) and
// .reg content is merged into copies of them with hivex's hivexregedit
// (Debian libwin-hivex-perl), a tool nobody here wrote. SOFTWARE, of which
// no real hive is available, starts as the real SECURITY hive emptied of
// its keys. So the host name, control sets and everything a test does not
// set are Windows' own.
//
// Typical use:
//
//	dir := imagelab.Build(t, imagelab.Spec{
//		Reg:   []string{imagelab.Server2019(8388).Reg()},
//		Files: imagelab.Server2019(8388).Files(`Windows\System32\ntoskrnl.exe`),
//	})
//
// Build needs hivexregedit and xz; without them it skips the test, and
// fails it when CI=true (as the Samba lab does).
package imagelab

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/patchscan/patchscan/internal/lab"
	"github.com/patchscan/patchscan/internal/pe/petest"
	"github.com/patchscan/patchscan/internal/testenv"
)

// ConfigDir is where Windows keeps its hives, relative to the volume root.
const ConfigDir = "Windows/System32/config"

// Spec describes an image.
type Spec struct {
	// Reg is .reg content (the text of a .reg file: "Windows Registry
	// Editor Version 5.00", [HKEY_LOCAL_MACHINE\...] sections), merged in
	// order after RegFiles. Keys under HKEY_LOCAL_MACHINE\SOFTWARE go to
	// the SOFTWARE hive, \SYSTEM to SYSTEM (with CurrentControlSet mapped
	// to the control set SYSTEM\Select\Current names), \SAM and \SECURITY
	// to those hives.
	Reg []string
	// RegFiles are .reg files merged first, in order; relative paths are
	// relative to the repository root (testdata/lab/base.reg).
	RegFiles []string
	// Files to place on the volume.
	Files []File
	// NoSAM and NoSECURITY leave out the real SAM and SECURITY hives
	// (they are in every image otherwise).
	NoSAM, NoSECURITY bool
	// Omit leaves these hives out entirely ("SOFTWARE", "SYSTEM"), to
	// test an image that lacks them.
	Omit []string
	// Dirty marks these hives dirty in their headers, as a hive copied
	// while Windows was writing it; every other hive is written clean.
	Dirty []string
	// Logs adds transaction logs (<HIVE>.LOG1 and .LOG2, 8 KiB of zeros:
	// there, but not valid logs) beside these hives, as a copied Windows
	// volume has.
	Logs []string
	// ControlSet, when not 0, makes SYSTEM\Select\Current (and Default)
	// name ControlSet00N, and CurrentControlSet in .reg content maps to it.
	// Only what the content writes is in a new control set: the real
	// hive's own is ControlSet001.
	ControlSet int
	// LowerCaseConfig names the config directory and hive files in lower
	// case, as some extraction tools leave them, to test that lookups
	// ignore case on a case-sensitive file system.
	LowerCaseConfig bool
}

// File is one file to place on the volume.
type File struct {
	// Path on the system drive, `Windows\System32\ntoskrnl.exe` (a
	// leading `C:\` is accepted).
	Path string
	// One source: Src, a file to copy (relative paths are relative to the
	// repository root); Version, a synthetic PE whose file version is
	// this ("10.0.17763.6660", internal/pe/petest); or Data.
	Src     string
	Version string
	Data    []byte
	// Append is added after the content (same version, other checksum).
	Append []byte
}

// Build builds the image in a new directory under t.TempDir() and returns
// its path. It skips the test when hivex or xz is missing (fails under
// CI=true) and fails it on any other error.
func Build(t testing.TB, s Spec) string {
	t.Helper()
	if err := Available(); err != nil {
		testenv.Missing(t, "imagelab: %v", err)
	}
	dir := filepath.Join(t.TempDir(), "image")
	if err := BuildDir(dir, s); err != nil {
		t.Fatalf("imagelab: %v", err)
	}
	return dir
}

// BuildDir builds the image into dir, which must not exist yet.
func BuildDir(dir string, s Spec) error {
	if err := os.Mkdir(dir, 0o755); err != nil {
		return err
	}
	configDir := ConfigDir
	if s.LowerCaseConfig {
		configDir = strings.ToLower(configDir)
	}
	cfg := filepath.Join(dir, filepath.FromSlash(configDir))
	if err := os.MkdirAll(cfg, 0o755); err != nil {
		return err
	}
	texts, err := s.regTexts()
	if err != nil {
		return err
	}
	for _, name := range hiveNames {
		if s.skips(name) {
			continue
		}
		file := name
		if s.LowerCaseConfig {
			file = strings.ToLower(name)
		}
		if err := s.buildHive(filepath.Join(cfg, file), name, texts[name]); err != nil {
			return fmt.Errorf("%s hive: %w", name, err)
		}
	}
	for _, f := range s.Files {
		if err := placeFile(dir, f); err != nil {
			return err
		}
	}
	return nil
}

func (s Spec) skips(hive string) bool {
	return contains(s.Omit, hive) || (hive == "SAM" && s.NoSAM) || (hive == "SECURITY" && s.NoSECURITY)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// regTexts reads RegFiles and Reg and splits them by hive, in order.
func (s Spec) regTexts() (map[string][]string, error) {
	var all []string
	for _, f := range s.RegFiles {
		b, err := os.ReadFile(repoPath(f))
		if err != nil {
			return nil, err
		}
		all = append(all, string(b))
	}
	all = append(all, s.Reg...)
	cs := 1 // what the real SYSTEM hive's Select\Current names
	if s.ControlSet != 0 {
		cs = s.ControlSet
		all = append([]string{fmt.Sprintf("Windows Registry Editor Version 5.00\n\n[HKEY_LOCAL_MACHINE\\SYSTEM\\Select]\n\"Current\"=dword:%08x\n\"Default\"=dword:%08x\n", cs, cs)}, all...)
	}
	out := map[string][]string{}
	for i, text := range all {
		parts, err := splitReg(text, cs)
		if err != nil {
			return nil, fmt.Errorf(".reg content %d: %w", i+1, err)
		}
		for h, p := range parts {
			out[h] = append(out[h], p)
		}
	}
	return out, nil
}

// buildHive writes the base hive, merges the texts, and sets the header's
// dirty state and the logs.
func (s Spec) buildHive(path, name string, texts []string) error {
	base, err := baseHive(name)
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, base, 0o644); err != nil {
		return err
	}
	for _, text := range texts {
		if err := merge(path, name, text); err != nil {
			return err
		}
	}
	if err := SetDirty(path, contains(s.Dirty, name)); err != nil {
		return err
	}
	if contains(s.Logs, name) {
		for _, ext := range []string{".LOG1", ".LOG2"} {
			if err := os.WriteFile(path+ext, make([]byte, 8192), 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}

// Real hives, decompressed once per process and kept in memory.
var (
	realOnce  sync.Once
	realHives map[string][]byte
	realErr   error
)

// RealHive returns the bytes of a real hive of testdata/hives: "SYSTEM"
// (Windows 10 1709), "SAM" or "SECURITY".
func RealHive(name string) ([]byte, error) {
	realOnce.Do(func() {
		realHives = map[string][]byte{}
		for h, file := range map[string]string{"SYSTEM": "SYSTEM_WIN_10_1709.xz", "SAM": "SAM.xz", "SECURITY": "SECURITY.xz"} {
			var b []byte
			b, realErr = unxz(filepath.Join(lab.RepoRoot(), "testdata", "hives", file))
			if realErr != nil {
				return
			}
			realHives[h] = b
		}
	})
	if realErr != nil {
		return nil, realErr
	}
	b, ok := realHives[name]
	if !ok {
		return nil, fmt.Errorf("no real %s hive in testdata/hives", name)
	}
	return b, nil
}

func unxz(path string) ([]byte, error) {
	if _, err := exec.LookPath("xz"); err != nil {
		return nil, errors.New("xz not installed (Debian xz-utils)")
	}
	var out, errb bytes.Buffer
	cmd := exec.Command("xz", "-dc", path)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("xz -dc %s: %v: %s", path, err, errb.String())
	}
	return out.Bytes(), nil
}

var (
	emptyOnce sync.Once
	emptyHive []byte
	emptyErr  error
)

// baseHive is what a hive starts from: the real one, or for SOFTWARE the
// real SECURITY hive with its keys deleted (by hivex, once per process).
func baseHive(name string) ([]byte, error) {
	if name != "SOFTWARE" {
		return RealHive(name)
	}
	emptyOnce.Do(func() {
		var sec []byte
		if sec, emptyErr = RealHive("SECURITY"); emptyErr != nil {
			return
		}
		dir, err := os.MkdirTemp("", "imagelab-")
		if err != nil {
			emptyErr = err
			return
		}
		defer os.RemoveAll(dir)
		p := filepath.Join(dir, "SOFTWARE")
		if emptyErr = os.WriteFile(p, sec, 0o600); emptyErr != nil {
			return
		}
		del := "Windows Registry Editor Version 5.00\n"
		for _, k := range []string{"Cache", "Policy", "RXACT", "SAM"} {
			del += "\n[-HKEY_LOCAL_MACHINE\\SOFTWARE\\" + k + "]\n"
		}
		if emptyErr = merge(p, "SOFTWARE", del+"\n"); emptyErr != nil {
			return
		}
		emptyHive, emptyErr = os.ReadFile(p)
	})
	return emptyHive, emptyErr
}

func repoPath(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(lab.RepoRoot(), filepath.FromSlash(p))
}

func placeFile(root string, f File) error {
	p := strings.ReplaceAll(f.Path, `\`, "/")
	if len(p) >= 3 && p[1] == ':' && p[2] == '/' {
		p = p[3:]
	}
	rel := filepath.FromSlash(p)
	if !filepath.IsLocal(rel) {
		return fmt.Errorf("image file %q is not a path on the system drive", f.Path)
	}
	dst := filepath.Join(root, rel)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	var data []byte
	var err error
	switch {
	case f.Src != "":
		data, err = os.ReadFile(repoPath(f.Src))
	case f.Version != "":
		data, err = peWithVersion(f.Version)
	default:
		data = f.Data
	}
	if err != nil {
		return fmt.Errorf("image file %s: %w", f.Path, err)
	}
	return os.WriteFile(dst, append(data, f.Append...), 0o644)
}

// peWithVersion is a small valid x64 PE whose version resource says v.
func peWithVersion(v string) ([]byte, error) {
	var fv [4]uint16
	parts := strings.Split(v, ".")
	if len(parts) != 4 {
		return nil, fmt.Errorf("version %q is not a.b.c.d", v)
	}
	for i, p := range parts {
		var n uint64
		if _, err := fmt.Sscan(p, &n); err != nil || n > 0xffff {
			return nil, fmt.Errorf("version %q: part %q is not 0-65535", v, p)
		}
		fv[i] = uint16(n)
	}
	return petest.Bytes(petest.Spec{FileVersion: fv, StringFileVersion: v})
}
