package report

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"time"
)

// A scan's report files go into a folder of their own under the --out
// directory, named by the run's start (UTC), and the link "latest" in
// the --out directory points to the newest run that finished: a
// scheduled scan into the same --out never leaves one run's host files
// beside another's, and `patchscan rollup DIR` reads DIR/latest, so it
// agrees with that run's rollup.xml (issue 13.12). Older runs stay, each
// complete on its own. docs/report-format.md, "Report folders".

// LatestLink is the name of the link to the newest complete run.
const LatestLink = "latest"

// runNameLayout names a run's folder: sortable, no ':' (Windows, SMB
// shares), UTC.
const runNameLayout = "2006-01-02T150405Z"

// runName matches the folders NewRunDir makes: the time, and "-N" when
// two runs started in the same second.
var runName = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{6}Z(-\d+)?$`)

// IsRunName reports whether name is a run folder's name.
func IsRunName(name string) bool { return runName.MatchString(name) }

// RunDir is the Sink of a run's report files: the per-host files and
// rollup.xml in the run's own folder, then the latest link.
type RunDir struct {
	*dirSink
	root, name string
	incomplete bool
	linked     bool
}

// NewRunDir creates root if needed and a new folder for this run in it,
// and returns the Sink writing the run's files there. The latest link is
// only moved by Close, and only for a complete run. A "latest" in root
// that is not a link (a file or a folder of the operator's) is an error
// before anything is written.
func NewRunDir(root string, meta Meta) (*RunDir, error) {
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, fmt.Errorf("creating report directory: %w (choose another with --out, or skip files with --no-files)", err)
	}
	if st, err := os.Lstat(filepath.Join(root, LatestLink)); err == nil && st.Mode()&fs.ModeSymlink == 0 {
		return nil, fmt.Errorf("%s is not a link, and patchscan keeps its link to the newest run there: move it away, or choose another --out", filepath.Join(root, LatestLink))
	}
	meta = meta.withDefaults()
	name, err := makeRunFolder(root, meta.Generated)
	if err != nil {
		return nil, err
	}
	files, err := NewDir(filepath.Join(root, name), meta)
	if err != nil {
		return nil, err
	}
	return &RunDir{dirSink: files.(*dirSink), root: root, name: name}, nil
}

// makeRunFolder creates root/<start time>, or <start time>-2, -3, ... when
// another run started in the same second, and returns its name.
func makeRunFolder(root string, start time.Time) (string, error) {
	base := start.UTC().Format(runNameLayout)
	for i := 1; i <= 1000; i++ {
		name := base
		if i > 1 {
			name += "-" + strconv.Itoa(i)
		}
		err := os.Mkdir(filepath.Join(root, name), 0o755)
		if err == nil {
			return name, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", fmt.Errorf("creating the run's report folder: %w (choose another --out, or skip files with --no-files)", err)
		}
	}
	return "", fmt.Errorf("creating the run's report folder in %s: 1000 runs started at %s already have one", root, base)
}

// Path is the run's folder.
func (d *RunDir) Path() string { return filepath.Join(d.root, d.name) }

// Root is the --out directory.
func (d *RunDir) Root() string { return d.root }

// Linked reports whether Close pointed the latest link at this run.
func (d *RunDir) Linked() bool { return d.linked }

// MarkIncomplete says the run was interrupted before every target was
// scanned: its rollup.xml says interrupted="true" and the latest link
// keeps pointing to the last complete run. Call it before Close.
func (d *RunDir) MarkIncomplete() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.incomplete = true
	d.rollup.MarkInterrupted()
}

// Close writes the run's rollup.xml and then, for a complete run,
// replaces the latest link with one to this run, atomically (a reader
// following it sees the previous run or this one, whole).
func (d *RunDir) Close() error {
	if err := d.dirSink.Close(); err != nil || d.incomplete || d.linked {
		return err
	}
	if err := replaceLink(d.root, d.name); err != nil {
		return err
	}
	d.linked = true
	return nil
}

// replaceLink points root/latest at the folder name (a relative link:
// the --out directory may be moved or mounted elsewhere) through a
// temporary link renamed over it.
func replaceLink(root, name string) error {
	link := filepath.Join(root, LatestLink)
	for i := 0; ; i++ {
		tmp := filepath.Join(root, fmt.Sprintf(".%s.tmp-%d-%d", LatestLink, os.Getpid(), i))
		err := os.Symlink(name, tmp)
		if errors.Is(err, fs.ErrExist) && i < 100 {
			continue
		}
		if err != nil {
			return fmt.Errorf("pointing %s to the new run %s: %w (the run's reports are complete in %s)", link, name, err, filepath.Join(root, name))
		}
		if err := os.Rename(tmp, link); err != nil {
			_ = os.Remove(tmp)
			return fmt.Errorf("pointing %s to the new run %s: %w (the run's reports are complete in %s)", link, name, err, filepath.Join(root, name))
		}
		break
	}
	if dir, err := os.Open(root); err == nil {
		_ = dir.Sync()
		_ = dir.Close()
	}
	return nil
}

// LatestRun returns the folder that dir's latest link points to, when
// dir is a --out directory with one, and whether it was; otherwise dir
// itself (a run's folder, or a folder of report files).
func LatestRun(dir string) (string, bool) {
	link := filepath.Join(dir, LatestLink)
	st, err := os.Lstat(link)
	if err != nil || st.Mode()&fs.ModeSymlink == 0 {
		return dir, false
	}
	if st, err := os.Stat(link); err != nil || !st.IsDir() {
		return dir, false
	}
	return link, true
}

// Runs lists the run folders in dir, oldest first; none when dir is not
// a --out directory.
func Runs(dir string) []string {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var runs []string
	for _, e := range ents {
		if e.IsDir() && IsRunName(e.Name()) {
			runs = append(runs, filepath.Join(dir, e.Name()))
		}
	}
	// ReadDir sorts by name, and names sort by start time (a -N suffix
	// after its base).
	return runs
}
