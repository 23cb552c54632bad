package update

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
)

// dirSource reads documents from a directory (an offline mirror):
// cvrfDocument-2026-Feb.xml or 2026-Feb.xml, optionally gzip-compressed.
type dirSource struct {
	dir string
	o   Options
}

var docFile = regexp.MustCompile(`^(?:cvrfDocument-)?(\d{4}-[A-Za-z]{3}(?:-[A-Za-z0-9]{1,16})?)\.xml(\.gz)?$`)

func newDirSource(o Options) (*dirSource, error) {
	st, err := os.Stat(o.Source)
	if err != nil {
		return nil, optionErrorf("--source %s: %v; give an http(s) URL or a directory of CVRF documents", o.Source, err)
	}
	if !st.IsDir() {
		return nil, optionErrorf("--source %s is not a directory; single files are imported with patchscan catalog import msrc", o.Source)
	}
	return &dirSource{dir: o.Source, o: o}, nil
}

func (s *dirSource) name(id string) string { return filepath.Join(s.dir, id) }

func (s *dirSource) list(_ context.Context, since, _ time.Time) ([]listItem, error) {
	ents, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("--source %s: %w", s.dir, err)
	}
	seen := map[string]string{}
	var out []listItem
	for _, e := range ents {
		m := docFile.FindStringSubmatch(e.Name())
		if m == nil || e.IsDir() {
			continue
		}
		month, ok := monthOf(m[1])
		if !ok || month.Before(since) {
			continue
		}
		if prev, dup := seen[m[1]]; dup {
			return nil, fmt.Errorf("--source %s holds %s twice (%s, %s); keep one", s.dir, m[1], prev, e.Name())
		}
		seen[m[1]] = e.Name()
		out = append(out, listItem{id: m[1], path: filepath.Join(s.dir, e.Name())})
	}
	sort.Slice(out, func(i, j int) bool { return monthLess(out[i].id, out[j].id) })
	return out, nil
}

// fetch reads a file unless the held copy came from the same file, size
// and modification time.
func (s *dirSource) fetch(_ context.Context, it listItem, meta docMeta, held bool, progress func(int64)) ([]byte, docMeta, error) {
	st, err := os.Stat(it.path)
	if err != nil {
		return nil, docMeta{}, err
	}
	stamp := fmt.Sprintf("%d-%d", st.Size(), st.ModTime().UnixNano())
	if held && meta.ETag == stamp && meta.Source == it.path {
		return nil, docMeta{}, errNotModified
	}
	f, err := os.Open(it.path)
	if err != nil {
		return nil, docMeta{}, err
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(it.path, ".gz") {
		z, err := gzip.NewReader(f)
		if err != nil {
			return nil, docMeta{}, fmt.Errorf("%s: not gzip: %w", it.path, err)
		}
		r = z
	}
	body, err := io.ReadAll(io.LimitReader(r, s.o.MaxBytes+1))
	if err != nil {
		return nil, docMeta{}, fmt.Errorf("%s: %w", it.path, err)
	}
	if int64(len(body)) > s.o.MaxBytes {
		return nil, docMeta{}, fmt.Errorf("%s: document is over the %d-byte limit", it.path, s.o.MaxBytes)
	}
	progress(int64(len(body)))
	return body, docMeta{ETag: stamp, Source: it.path}, nil
}
