package image

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"sync"
	"syscall"

	"github.com/patchscan/patchscan/facts"
	"github.com/patchscan/patchscan/internal/pe"
)

// maxDirEntries bounds the listing of one directory, read when a name is
// not found as written (System32 holds ~5,000 names, WinSxS ~100,000).
const maxDirEntries = 250_000

// resolver finds paths under the image root without regard to case, one
// component at a time: the name as written first (one lstat), else the
// directory's listing, read once and kept. Every access goes through
// os.Root, which refuses any path, symbolic link or ".." leading out of
// the root: a link inside the image is followed only while it stays in it.
type resolver struct {
	root *os.Root
	mu   sync.Mutex
	dirs map[string]map[string]string // dir -> lower-case name -> name on disk
}

func newResolver(root *os.Root) *resolver {
	return &resolver{root: root, dirs: map[string]map[string]string{}}
}

var errEscapes = errors.New("a symbolic link leads out of the image; patchscan does not follow it")

// resolve returns the path under the root ("Windows/System32/x") of the
// components, matched without regard to case; fs.ErrNotExist when one is
// missing.
func (r *resolver) resolve(parts []string) (string, error) {
	cur := ""
	for _, p := range parts {
		if p == "" || p == "." || p == ".." || strings.ContainsAny(p, "/\x00") {
			return "", fmt.Errorf("path component %q is not a plain file name", p)
		}
		name, err := r.lookup(cur, p)
		if err != nil {
			return "", err
		}
		cur = path.Join(cur, name)
	}
	return cur, nil
}

func (r *resolver) lookup(dir, name string) (string, error) {
	_, err := r.root.Lstat(path.Join(dir, name))
	switch {
	case err == nil:
		return name, nil
	case !errors.Is(err, fs.ErrNotExist):
		return "", rootErr(err)
	}
	names, err := r.list(dir)
	if err != nil {
		return "", err
	}
	if actual, ok := names[strings.ToLower(name)]; ok {
		return actual, nil
	}
	return "", fs.ErrNotExist
}

func (r *resolver) list(dir string) (map[string]string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if names, ok := r.dirs[dir]; ok {
		return names, nil
	}
	d := dir
	if d == "" {
		d = "."
	}
	f, err := r.open(d)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	names := map[string]string{}
	for n := 0; ; {
		ents, err := f.ReadDir(1024)
		for _, e := range ents {
			key := strings.ToLower(e.Name())
			// Two names that differ only in case (possible on Linux):
			// the same one every time, whatever the directory's order.
			if prev, ok := names[key]; !ok || e.Name() < prev {
				names[key] = e.Name()
			}
		}
		if n += len(ents); n > maxDirEntries {
			return nil, fmt.Errorf("directory %s has more than %d entries", d, maxDirEntries)
		}
		if errors.Is(err, io.EOF) || len(ents) == 0 {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	r.dirs[dir] = names
	return names, nil
}

// open opens a file or directory read-only without updating its access
// time (where the kernel lets us: the owner or root) and without blocking
// on a FIFO planted in the image.
func (r *resolver) open(rel string) (*os.File, error) {
	f, err := r.root.OpenFile(rel, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOATIME, 0)
	if errors.Is(err, syscall.EPERM) {
		f, err = r.root.OpenFile(rel, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	}
	return f, rootErr(err)
}

func rootErr(err error) error {
	if err != nil && strings.Contains(err.Error(), "escapes from parent") {
		return errEscapes
	}
	return err
}

// winPath splits `C:\Windows\System32\x.sys` into its components on the
// image, which holds the system drive only.
func (h *Host) winPath(p string) ([]string, error) {
	p = strings.ReplaceAll(p, "/", `\`)
	if len(p) < 3 || p[1] != ':' || p[2] != '\\' || !isLetter(p[0]) {
		return nil, fmt.Errorf("file path %q is not an absolute drive path (C:\\...)", p)
	}
	if upper(p[0]) != h.drive {
		return nil, fmt.Errorf("file %s is on drive %c:, and the image is the system volume %c: only (scan that volume's image too)", p, upper(p[0]), h.drive)
	}
	var parts []string
	for _, c := range strings.Split(p[3:], `\`) {
		if c != "" {
			parts = append(parts, c)
		}
	}
	if len(parts) == 0 {
		return nil, fmt.Errorf("file path %q names a drive, not a file", p)
	}
	return parts, nil
}

// fileAnswer reads one file's size and PE version, and its SHA-256 when
// asked.
func (h *Host) fileAnswer(ctx context.Context, r facts.Request) facts.Answer {
	parts, err := h.winPath(r.Path)
	if err != nil {
		return facts.Answer{Err: err}
	}
	where := r.Path + " (in the image)"
	rel, err := h.files.resolve(parts)
	if errors.Is(err, fs.ErrNotExist) {
		return facts.Answer{}
	}
	if err != nil {
		return facts.Answer{Err: fmt.Errorf("%s: %w", where, err)}
	}
	f, err := h.files.open(rel)
	if err != nil {
		return facts.Answer{Err: fmt.Errorf("open %s: %w", where, err)}
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return facts.Answer{Err: fmt.Errorf("%s: %w", where, err)}
	}
	if st.IsDir() {
		return facts.Answer{Err: fmt.Errorf("%s is a directory, not a file", where)}
	}
	if !st.Mode().IsRegular() {
		return facts.Answer{Err: fmt.Errorf("%s is not a regular file (%s)", where, st.Mode().Type())}
	}
	info := facts.FileInfo{Size: st.Size()}
	v, err := pe.ReadVersion(f, st.Size())
	switch {
	case err == nil:
		info.Version, info.StringVersion = v.FileVersion, v.StringFileVersion
	case errors.Is(err, pe.ErrNoVersion), errors.Is(err, pe.ErrNotPE):
		// Found, without a version: the engine decides what that means.
	default:
		return facts.Answer{Err: fmt.Errorf("%s: %w", where, err)}
	}
	if r.SHA256 {
		sum := sha256.New()
		if _, err := io.Copy(sum, ctxReader{ctx, io.NewSectionReader(f, 0, st.Size())}); err != nil {
			return facts.Answer{Err: fmt.Errorf("hash %s: %w", where, err)}
		}
		info.SHA256 = hex.EncodeToString(sum.Sum(nil))
	}
	return facts.Answer{Found: true, File: info}
}

// ctxReader stops a long hash when the scan is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
