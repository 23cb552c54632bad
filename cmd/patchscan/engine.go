package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/patchscan/patchscan/catalog"
	"github.com/patchscan/patchscan/detect"
)

// engine loads the catalog and builds the engine the options ask for.
// Without --catalog it says on stderr which catalog it uses (defaultCatalog).
func (f *scanFlags) engine(stderr io.Writer) (*catalog.Catalog, *detect.Engine, error) {
	cat, err := loadCatalog(f.catalogPath, stderr)
	if err != nil {
		return nil, nil, err
	}
	opts := detect.Options{Checksums: f.checksums, Baseline: f.baseline}
	if f.suppressFile != "" {
		if opts.Suppress, err = readIDList(f.suppressFile, "--suppress"); err != nil {
			return nil, nil, err
		}
	}
	if f.approvedFile != "" {
		if opts.Approved, err = readIDList(f.approvedFile, "--approved"); err != nil {
			return nil, nil, err
		}
		if opts.Approved == nil {
			opts.Approved = []string{} // an empty approved list approves nothing
		}
	}
	return cat, detect.New(cat, opts), nil
}

func loadCatalog(path string, stderr io.Writer) (*catalog.Catalog, error) {
	var cat *catalog.Catalog
	var err error
	if path == "" {
		cat, err = defaultCatalog(stderr, time.Now())
	} else {
		cat, err = loadCatalogFile(path, os.Stdin, stderr, false)
	}
	if err != nil {
		return nil, &exitError{code: ExitBadCatalog, err: fmt.Errorf("catalog: %w", err)}
	}
	return cat, nil
}

// readIDList reads bulletin IDs or KB numbers, one per line, '#' comments.
func readIDList(name, flag string) ([]string, error) {
	fh, err := os.Open(name)
	if err != nil {
		return nil, usageErrorf("%s: %v", flag, err)
	}
	defer fh.Close()
	var ids []string
	sc := bufio.NewScanner(io.LimitReader(fh, 16<<20))
	for n := 1; sc.Scan(); n++ {
		line, _, _ := strings.Cut(sc.Text(), "#")
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if strings.ContainsAny(line, " \t,;") || len(line) > 64 {
			return nil, usageErrorf("%s %s:%d: %q is not one bulletin ID or KB number", flag, name, n, clipText(line))
		}
		ids = append(ids, line)
	}
	if err := sc.Err(); err != nil {
		return nil, usageErrorf("%s %s: %v", flag, name, err)
	}
	return ids, nil
}

func clipText(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

func hasMissing(r *detect.Report) bool {
	if r == nil {
		return false
	}
	for _, res := range r.Results {
		if res.Status == detect.StatusMissing {
			return true
		}
	}
	return false
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
