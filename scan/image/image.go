// Package image is the fact source for offline Windows volumes:
// `patchscan scan --image DIR`, where DIR is the root of a Windows system
// volume (a mounted NTFS, a mounted VM disk, an extracted tree). The
// registry comes from the hives in Windows\System32\config, read lazily by
// scan/image/hive; files are read from the tree. Nothing is ever written
// under DIR, and no symbolic link is followed out of it.
//
// Decisions (issue 12; docs/image-scan.md says more):
//
//   - HKLM\SOFTWARE, \SYSTEM, \SAM and \SECURITY map to those hives;
//     HKLM\SYSTEM\CurrentControlSet to the ControlSet00N that
//     SYSTEM\Select\Current names (Select\Default when Current is absent),
//     since the CurrentControlSet link exists only on a running Windows.
//     Other HKLM subtrees (HARDWARE) are built at boot: not found.
//   - Keys, values and file names are matched without regard to case, one
//     path component at a time, as Windows does, even when DIR lies on a
//     case-sensitive file system.
//   - The image is one volume: the system drive, whose letter comes from
//     SystemRoot. A file on another drive is an error for that check, never
//     "missing".
//   - Dirty hives (Windows was writing them when the copy was taken) are
//     scanned as they are, with a warning that names the hive and says
//     whether its .LOG1/.LOG2 are beside it: the logs are not replayed.
//     regparser's RecoverHive reads only the Windows 8.1+ log format (not
//     the one of Windows 7 and earlier), copies the whole hive to a
//     temporary file, prints to stdout (where patchscan streams XML) and
//     allocates whatever sizes the log announces; a replay of our own is a
//     parser of its own, left for later.
//   - A hive that is missing, truncated, garbage or damaged where a lookup
//     leads makes the whole host an error with the hive's name and the
//     damage: a registry that cannot be trusted gives no verdicts.
package image

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/patchscan/patchscan/scan/image/hive"
	"github.com/patchscan/patchscan/scan/transport"
)

// TransportName is what reports say for hosts scanned from an image.
const TransportName = "image"

// Options tune Open.
type Options struct {
	// CachePages bounds each hive's page cache (4 KiB pages); 0 means
	// hive.DefaultCachePages (4 MiB a hive).
	CachePages int
	// FileConcurrency is how many files are read at once; 0 means 8.
	FileConcurrency int
}

// Host is an open image. It implements facts.Host; Close releases it.
type Host struct {
	dir      string // absolute path of the volume root, as reports show it
	root     *os.Root
	opts     Options
	hives    map[string]*openHive // SOFTWARE, SYSTEM, and SAM, SECURITY when present
	ctlSet   string               // "ControlSet001"
	name     string
	drive    byte // the system drive's letter, upper case
	warnings []string

	files *resolver
	keyMu sync.Mutex
	keys  map[string]keyResult // lower-case full key path -> lookup result
}

type openHive struct {
	h    *hive.Hive
	file *os.File
	rel  string // path under the root, as found
}

// Open opens the Windows volume at dir: its SOFTWARE and SYSTEM hives
// (required), SAM and SECURITY (when present), and reads the host's
// identity. Errors are *transport.Error of kind Failed with a hint.
func Open(dir string, opts Options) (*Host, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, openErr(dir, "open the image", err, "")
	}
	root, err := os.OpenRoot(abs)
	if err != nil {
		return nil, openErr(abs, "open the image", err, "give the directory that holds Windows\\ (the root of the mounted system volume)")
	}
	h := &Host{dir: abs, root: root, opts: opts, hives: map[string]*openHive{}, keys: map[string]keyResult{}}
	h.files = newResolver(root)
	if err := h.openHives(); err != nil {
		h.Close()
		return nil, err
	}
	if err := h.identity(); err != nil {
		h.Close()
		return nil, err
	}
	return h, nil
}

func openErr(dir, op string, err error, hint string) error {
	return &transport.Error{Outcome: transport.Failed, Host: dir, Op: op, Err: err, Hint: hint}
}

// Name is the host's ComputerName from its SYSTEM hive ("" when absent).
func (h *Host) Name() string { return h.name }

// Address is the image's absolute path: what reports show as its address.
func (h *Host) Address() string { return h.dir }

// TransportName is "image"; the run reports it as the host's transport.
func (h *Host) TransportName() string { return TransportName }

// Warnings are what the operator should know about this image's data
// (dirty hives, a missing ComputerName), one sentence each.
func (h *Host) Warnings() []string { return append([]string(nil), h.warnings...) }

// Close releases the hive files and the root.
func (h *Host) Close() error {
	var errs []error
	for _, oh := range h.hives {
		errs = append(errs, oh.file.Close())
	}
	h.hives = map[string]*openHive{}
	if h.root != nil {
		errs = append(errs, h.root.Close())
		h.root = nil
	}
	return errors.Join(errs...)
}

// configDir is where Windows keeps the machine hives.
var configDir = []string{"Windows", "System32", "config"}

func (h *Host) openHives() error {
	for _, name := range []string{"SYSTEM", "SOFTWARE", "SAM", "SECURITY"} {
		rel, err := h.files.resolve(append(append([]string(nil), configDir...), name))
		if errors.Is(err, os.ErrNotExist) {
			if name == "SAM" || name == "SECURITY" {
				continue
			}
			return openErr(h.dir, "open the image", fmt.Errorf(`no %s hive (Windows\System32\config\%s)`, name, name),
				`give the root of a Windows system volume, the directory that holds Windows\`)
		}
		if err != nil {
			return openErr(h.dir, "open the "+name+" hive", err, "")
		}
		oh, err := h.openHive(name, rel)
		if err != nil {
			return err
		}
		h.hives[name] = oh
		if oh.h.Dirty() {
			h.warnings = append(h.warnings, h.dirtyWarning(name, oh))
		}
	}
	return nil
}

func (h *Host) openHive(name, rel string) (*openHive, error) {
	f, err := h.files.open(rel)
	if err != nil {
		return nil, openErr(h.dir, "open the "+name+" hive", err, "")
	}
	st, err := f.Stat()
	if err == nil && !st.Mode().IsRegular() {
		err = fmt.Errorf("%s is not a regular file", rel)
	}
	if err != nil {
		f.Close()
		return nil, openErr(h.dir, "open the "+name+" hive", err, "")
	}
	hv, err := hive.Open(f, st.Size(), name+" hive", hive.Options{CachePages: h.opts.CachePages})
	if err != nil {
		f.Close()
		return nil, openErr(h.dir, "read the "+name+" hive", err, hiveHint(err))
	}
	return &openHive{h: hv, file: f, rel: rel}, nil
}

func hiveHint(err error) string {
	if errors.Is(err, hive.ErrCorrupt) {
		return "the hive file is damaged or incomplete: copy it again from the source volume (or restore it from a backup) and rescan"
	}
	return ""
}

// dirtyWarning says a hive is dirty and whether its logs are beside it.
func (h *Host) dirtyWarning(name string, oh *openHive) string {
	p, s := oh.h.Sequences()
	var logs []string
	for _, ext := range []string{".LOG1", ".LOG2", ".LOG"} {
		if rel, err := h.files.resolve(append(append([]string(nil), configDir...), name+ext)); err == nil {
			if st, err := h.root.Stat(rel); err == nil && st.Size() > 0 {
				logs = append(logs, name+ext)
			}
		}
	}
	what := "no transaction log is beside it"
	if len(logs) > 0 {
		what = "its transaction logs (" + strings.Join(logs, ", ") + ") are not replayed"
	}
	return fmt.Sprintf("the %s hive is dirty (header sequence numbers %d and %d: Windows had not finished writing it when the image was taken) and %s, so changes made shortly before, such as the last updates installed, may be missing from this scan",
		name, p, s, what)
}
