package update

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/patchscan/patchscan/catalog/msrc"
	"github.com/patchscan/patchscan/internal/atomicfile"
)

// cache is the per-month document store: msrc/<ID>.xml.gz (the document as
// received, compressed) and msrc/<ID>.json (how it was received).
type cache struct {
	dir string
}

// docMeta is what a later update needs to avoid fetching a document again.
type docMeta struct {
	ETag           string `json:"etag,omitempty"`
	LastModified   string `json:"lastModified,omitempty"`
	CurrentRelease string `json:"currentRelease,omitempty"` // the document's CurrentReleaseDate
	Source         string `json:"source,omitempty"`         // URL or path it came from
}

func (c *cache) init() error {
	if err := os.MkdirAll(filepath.Join(c.dir, "msrc"), 0o755); err != nil {
		return fmt.Errorf("cache directory: %w", err)
	}
	return nil
}

func (c *cache) docPath(id string) string  { return filepath.Join(c.dir, "msrc", id+".xml.gz") }
func (c *cache) metaPath(id string) string { return filepath.Join(c.dir, "msrc", id+".json") }

// meta returns the metadata of a held document; held is false when the
// document or its metadata is missing or unreadable.
func (c *cache) meta(id string) (m docMeta, held bool) {
	if _, err := os.Stat(c.docPath(id)); err != nil {
		return docMeta{}, false
	}
	f, err := os.Open(c.metaPath(id))
	if err != nil {
		return docMeta{}, false
	}
	defer f.Close()
	if err := json.NewDecoder(io.LimitReader(f, 64<<10)).Decode(&m); err != nil {
		return docMeta{}, false
	}
	return m, true
}

// store replaces a held document and its metadata, each atomically.
func (c *cache) store(id string, body []byte, m docMeta) error {
	err := writeAtomic(c.docPath(id), func(w io.Writer) error {
		z, _ := gzip.NewWriterLevel(w, gzip.BestCompression)
		if _, err := z.Write(body); err != nil {
			return err
		}
		return z.Close()
	})
	if err != nil {
		return err
	}
	return writeAtomic(c.metaPath(id), func(w io.Writer) error {
		e := json.NewEncoder(w)
		e.SetIndent("", "  ")
		return e.Encode(m)
	})
}

// parse reads a held document.
func (c *cache) parse(id string, max int64) (*msrc.Document, error) {
	return msrc.ParseFile(c.docPath(id), msrc.Limits{MaxBytes: max})
}

// writeAtomic writes path atomically (internal/atomicfile).
func writeAtomic(path string, write func(io.Writer) error) error {
	return atomicfile.Write(path, write)
}
