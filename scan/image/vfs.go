package image

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/patchscan/patchscan/facts"
)

// The file system of an image is that of the volume under DIR, when DIR
// is the Windows volume mounted (NTFS through the ntfs3 or ntfs driver,
// FAT through vfat, exFAT); a tree copied onto another file system, or
// mounted through FUSE (ntfs-3g), says nothing of what Windows had. Other
// volumes of the machine are not in an image at all.

// mountinfo is where the kernel lists the mounts; a variable for tests.
var mountinfo = "/proc/self/mountinfo"

// windowsFS maps Linux file system types to Windows' names for them.
var windowsFS = map[string]string{"ntfs": "NTFS", "ntfs3": "NTFS", "vfat": "FAT32", "msdos": "FAT", "exfat": "exFAT"}

// volumes is the image's own volume.
func (h *Host) volumes() ([]facts.Volume, error) {
	dir, err := filepath.EvalSymlinks(h.dir)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(mountinfo)
	if err != nil {
		return nil, facts.Unavailable("the mounts of this machine cannot be read (%v): the image's file system is not known", err)
	}
	defer f.Close()
	fstype, err := mountType(f, dir)
	if err != nil {
		return nil, err
	}
	name, ok := windowsFS[fstype]
	if !ok {
		return nil, facts.Unavailable("the image lies on %s here, not on a mounted Windows volume (NTFS, FAT): the file system Windows had is not known, and an image holds no other volume", fstype)
	}
	return []facts.Volume{{Root: string(h.drive) + `:\`, FileSystem: name}}, nil
}

// mountType returns the type of the mount holding dir (an absolute,
// symlink-free path), from /proc/self/mountinfo: the longest mount point
// that contains dir.
func mountType(r io.Reader, dir string) (string, error) {
	best, bestType := -1, ""
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		// id parent major:minor root mountpoint options [optional...] - fstype source super
		f := strings.Fields(sc.Text())
		sep := -1
		for i, s := range f {
			if s == "-" {
				sep = i
				break
			}
		}
		if len(f) < 5 || sep < 6 || sep+1 >= len(f) {
			continue
		}
		mp := unescapeMount(f[4])
		if (dir == mp || strings.HasPrefix(dir, strings.TrimSuffix(mp, "/")+"/")) && len(mp) > best {
			best, bestType = len(mp), f[sep+1]
		}
	}
	if err := sc.Err(); err != nil {
		return "", fmt.Errorf("reading the mount table: %w", err)
	}
	if best < 0 {
		return "", facts.Unavailable("no mount holds %s: the image's file system is not known", dir)
	}
	return bestType, nil
}

// unescapeMount undoes mountinfo's octal escapes (\040 for a space).
func unescapeMount(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && isOctal(s[i+1:i+4]) {
			c := (s[i+1]-'0')<<6 | (s[i+2]-'0')<<3 | (s[i+3] - '0')
			b.WriteByte(c)
			i += 3
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isOctal(s string) bool {
	if len(s) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if s[i] < '0' || s[i] > '7' {
			return false
		}
	}
	return true
}
