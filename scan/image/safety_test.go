package image_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/patchscan/patchscan/catalog"
	"github.com/patchscan/patchscan/detect"
	"github.com/patchscan/patchscan/internal/imagelab"
	"github.com/patchscan/patchscan/internal/lab"
	"github.com/patchscan/patchscan/scan/image"
)

// TestSymlinksStayInside: links inside the image are followed while they
// stay inside (as a junction on a mounted NTFS); a link that leads out of
// it, absolute or by "..", is an error for that fact, never read.
func TestSymlinksStayInside(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "outside.sys")
	if err := os.WriteFile(outside, []byte("secret outside the image"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := imagelab.Build(t, imagelab.Spec{Files: []imagelab.File{{Path: `Windows\System32\drivers\srv.sys`, Src: lab.SrvExact}}})
	drivers := filepath.Join(dir, "Windows", "System32", "drivers")
	links := map[string]string{
		"abs.sys":    outside,
		"rel.sys":    "../../../../" + filepath.Base(filepath.Dir(outside)) + "/outside.sys",
		"inside.sys": "srv.sys",
		"up.sys":     "../drivers/srv.sys",
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(drivers, name)); err != nil {
			t.Fatal(err)
		}
	}
	// A directory link out of the image, and one whose name differs in case.
	if err := os.Symlink(filepath.Dir(outside), filepath.Join(dir, "Windows", "Out")); err != nil {
		t.Fatal(err)
	}
	h := open(t, dir)
	ans := ask(t, h,
		file(`C:\Windows\System32\drivers\abs.sys`, true),
		file(`C:\Windows\System32\drivers\rel.sys`, true),
		file(`C:\Windows\out\outside.sys`, true),
		file(`C:\Windows\System32\drivers\inside.sys`, false),
		file(`C:\Windows\System32\DRIVERS\UP.SYS`, false),
	)
	for i, a := range ans[:3] {
		if a.Found || a.Err == nil || !strings.Contains(a.Err.Error(), "leads out of the image") {
			t.Errorf("link out %d: found %v err %v; want an error saying it leads out", i, a.Found, a.Err)
		}
	}
	for i, a := range ans[3:] {
		if !a.Found || a.File.Version != "6.1.7601.23689" {
			t.Errorf("link inside %d: %+v", i, a)
		}
	}

	// A hive that is a link out of the image: the image is refused.
	cfg := filepath.Join(dir, filepath.FromSlash(imagelab.ConfigDir))
	if err := os.Rename(filepath.Join(cfg, "SOFTWARE"), outside); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(cfg, "SOFTWARE")); err != nil {
		t.Fatal(err)
	}
	if h, err := image.Open(dir, image.Options{}); err == nil || !strings.Contains(err.Error(), "leads out of the image") {
		if h != nil {
			h.Close()
		}
		t.Fatalf("SOFTWARE linked out of the image: err %v", err)
	}
}

// entry is what a write, a chmod or even a read that updates the access
// time would change.
type entry struct {
	mode         fs.FileMode
	size         int64
	ino          uint64
	mtime, ctime syscall.Timespec
	atime        syscall.Timespec
}

func snapshot(t *testing.T, dir string) map[string]entry {
	t.Helper()
	out := map[string]entry{}
	walkNoAtime(t, dir, func(p string) {
		var st syscall.Stat_t
		if err := syscall.Lstat(p, &st); err != nil {
			t.Fatal(err)
		}
		out[p] = entry{fs.FileMode(st.Mode), st.Size, st.Ino, st.Mtim, st.Ctim, st.Atim}
	})
	return out
}

// walkNoAtime calls fn on dir and everything under it, children first,
// listing directories with O_NOATIME so that the walk itself changes no
// access time.
func walkNoAtime(t *testing.T, dir string, fn func(string)) {
	t.Helper()
	f, err := os.OpenFile(dir, os.O_RDONLY|syscall.O_NOATIME, 0)
	if err != nil {
		t.Fatal(err)
	}
	ents, err := f.ReadDir(-1)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		p := filepath.Join(dir, e.Name())
		if e.IsDir() {
			walkNoAtime(t, p, fn)
		} else {
			fn(p)
		}
	}
	fn(dir)
}

// TestNeverWrites scans an image (every hive, files hashed whole) and
// checks that no file or directory under it changed: names, inodes,
// sizes, modes, modification and change times, and access times (files
// are opened with O_NOATIME).
func TestNeverWrites(t *testing.T) {
	os19 := imagelab.Server2019(8388)
	dir := imagelab.Build(t, imagelab.Spec{
		RegFiles: []string{lab.BaseReg, lab.KBReg},
		Reg:      []string{os19.Reg()},
		Files:    append(os19.Files(`System32\ntoskrnl.exe`), imagelab.File{Path: lab.SrvPath, Src: lab.SrvExact}),
		Dirty:    []string{"SYSTEM"}, Logs: []string{"SYSTEM"},
	})
	// Make the access times older than the modification times, so a read
	// would update them even under relatime.
	old := time.Now().Add(-48 * time.Hour)
	walkNoAtime(t, dir, func(p string) {
		st, err := os.Lstat(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, old, st.ModTime()); err != nil {
			t.Fatal(err)
		}
	})
	before := snapshot(t, dir)
	cat, err := catalog.LoadFile(filepath.Join(lab.RepoRoot(), "testdata", "catalogs", "lab.xml"))
	if err != nil {
		t.Fatal(err)
	}
	h := open(t, dir)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rep, err := detect.New(cat, detect.Options{Checksums: detect.ChecksumOn}).Scan(ctx, h)
	if err != nil || len(rep.Results) == 0 {
		t.Fatalf("scan: %v (%v)", err, rep)
	}
	ask(t, h, file(`C:\Windows\System32\ntoskrnl.exe`, true), regKey(`HKLM\SAM\SAM`), regKey(`HKLM\SECURITY\Policy`))
	h.Close()
	after := snapshot(t, dir)
	if len(before) != len(after) {
		t.Errorf("%d entries before the scan, %d after", len(before), len(after))
	}
	for p, b := range before {
		if a, ok := after[p]; !ok || a != b {
			t.Errorf("%s changed: %+v -> %+v", p, b, a)
		}
	}
}
