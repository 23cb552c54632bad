package report

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/patchscan/patchscan/internal/atomicfile"
	"github.com/patchscan/patchscan/internal/textsafe"
	"github.com/patchscan/patchscan/scan"
)

// RollupFile is the name of the rollup written next to the per-host files.
const RollupFile = "rollup.xml"

// maxBaseLen bounds a per-host file name (without suffix and extension), in
// bytes: far below every file system's 255-byte limit, leaving room for
// the temp-file prefix and suffix.
const maxBaseLen = 100

// FileBase turns a host's name (else its address, else its target) into a
// safe file base name: no path separators, no "..", no control or
// characters Windows forbids, no reserved Windows device names, no leading
// or trailing dots and spaces, at most maxBaseLen bytes, never empty.
func FileBase(h scan.HostResult) string {
	for _, s := range []string{h.Name, h.Address, h.Target} {
		if b := sanitizeBase(s); b != "" {
			return b
		}
	}
	return "host"
}

func sanitizeBase(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		switch {
		case r == utf8.RuneError && n == 1, !unicode.IsPrint(r), textsafe.Unsafe(r):
			r = '_'
		case strings.ContainsRune(`<>:"/\|?*`, r):
			// ':' also keeps IPv6 addresses and NTFS streams out.
			r = '_'
		}
		if b.Len()+utf8.RuneLen(r) > maxBaseLen {
			break
		}
		b.WriteRune(r)
	}
	// Windows drops trailing dots and spaces; a leading dot hides the file
	// (and starts ".."); runs of dots collapse so ".." appears nowhere.
	out := strings.Trim(b.String(), ". ")
	for strings.Contains(out, "..") {
		out = strings.ReplaceAll(out, "..", ".")
	}
	if out == "" {
		return ""
	}
	if reservedWindowsName(out) {
		out = "_" + out
	}
	return out
}

// reservedWindowsName reports whether Windows treats name (with any
// extension) as a device: CON, PRN, AUX, NUL, COM0-9, LPT0-9 (and their
// superscript-digit forms).
func reservedWindowsName(name string) bool {
	stem := strings.ToUpper(name)
	if i := strings.IndexByte(stem, '.'); i >= 0 {
		stem = stem[:i]
	}
	stem = strings.TrimRight(stem, " ")
	switch stem {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$":
		return true
	}
	if len(stem) >= 4 && (strings.HasPrefix(stem, "COM") || strings.HasPrefix(stem, "LPT")) {
		switch stem[3:] {
		case "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "¹", "²", "³":
			return true
		}
	}
	return false
}

// namer hands out unique file names within one directory for one run,
// case-insensitively (Windows and macOS file systems fold case).
type namer struct{ used map[string]bool }

func newNamer(reserved ...string) *namer {
	n := &namer{used: map[string]bool{}}
	for _, r := range reserved {
		n.used[strings.ToLower(r)] = true
	}
	return n
}

// name returns base+ext, or base_2+ext, base_3+ext, ... when taken.
func (n *namer) name(base, ext string) string {
	cand := base + ext
	for i := 2; n.used[strings.ToLower(cand)]; i++ {
		cand = base + "_" + strconv.Itoa(i) + ext
	}
	n.used[strings.ToLower(cand)] = true
	return cand
}

// WriteFileAtomic writes path through a temp file in the same directory,
// fsyncs it and renames it into place, so a reader sees the old file or
// the whole new one, never a part (internal/atomicfile). Files are mode
// 0600: a list of a host's missing patches is a map for an attacker.
func WriteFileAtomic(path string, write func(io.Writer) error) error {
	return atomicfile.WriteMode(path, 0o600, write)
}

type dirSink struct {
	guard
	dir    string
	meta   Meta
	names  *namer
	rollup *Rollup
}

// NewDir returns a Sink writing one ScanReport file per host into dir (as
// each host finishes) and rollup.xml at Close, all atomically. dir is
// created if needed. A host file that cannot be written is reported by
// Write, and the host still counts in the rollup.
func NewDir(dir string, meta Meta) (Sink, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating report directory: %w (choose another with --out, or skip files with --no-files)", err)
	}
	meta = meta.withDefaults()
	rollup := NewRollup(meta.CatalogVersion, meta.Generated)
	rollup.NoteInsecure(meta.Insecure) // a run that scanned no host still says it
	return &dirSink{
		dir: dir, meta: meta,
		// "rollup" is reserved so a host named ROLLUP cannot replace the rollup.
		names:  newNamer(RollupFile),
		rollup: rollup,
	}, nil
}

func (s *dirSink) Write(h scan.HostResult) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	s.rollup.Add(Summarize(s.meta, h))
	path := filepath.Join(s.dir, s.names.name(FileBase(h), ".xml"))
	return WriteFileAtomic(path, func(w io.Writer) error { return WriteHostXML(w, s.meta, h) })
}

func (s *dirSink) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	return WriteFileAtomic(filepath.Join(s.dir, RollupFile), s.rollup.WriteXML)
}
