// Command mkdefault regenerates the embedded default catalog (make
// catalog): the hand-curated legacy bulletins of catalog/default/legacy.xml
// (XP to 2012 R2 and the first Windows 10 releases, which MSRC's documents
// do not cover with checks) merged with the MSRC CVRF documents of
// catalog/default/msrc/ converted by catalog/msrc. The output depends only
// on its inputs, so running it twice gives the same bytes.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/patchscan/patchscan/catalog"
	"github.com/patchscan/patchscan/catalog/msrc"
	"github.com/patchscan/patchscan/internal/atomicfile"
)

func main() {
	dir := flag.String("dir", "catalog/default", "directory holding legacy.xml and msrc/*.xml.gz")
	out := flag.String("out", "catalog/default/catalog.xml", "the catalog to write")
	flag.Parse()
	if err := run(*dir, *out); err != nil {
		fmt.Fprintln(os.Stderr, "mkdefault:", err)
		os.Exit(1)
	}
}

func run(dir, out string) error {
	legacy, err := catalog.LoadFile(filepath.Join(dir, "legacy.xml"))
	if err != nil {
		return err
	}
	files, err := filepath.Glob(filepath.Join(dir, "msrc", "*.xml.gz"))
	if err != nil || len(files) == 0 {
		return fmt.Errorf("no MSRC documents in %s/msrc (%v)", dir, err)
	}
	sort.Strings(files)
	var docs []*msrc.Document
	for _, f := range files {
		d, err := msrc.ParseFile(f, msrc.Limits{})
		if err != nil {
			return err
		}
		docs = append(docs, d)
	}
	ms, warns, err := msrc.Convert(docs)
	if err != nil {
		return err
	}
	c, err := merge(legacy, ms)
	if err != nil {
		return err
	}
	if err := write(out, c); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "mkdefault: %s: %d products, %d bulletins, data of %s; %d MSRC data warnings (docs/msrc-import.md)\n",
		out, len(c.Products), len(c.Bulletins), c.LastDataUpdate, len(warns))
	return nil
}

// write writes the catalog atomically.
func write(path string, c *catalog.Catalog) error {
	return atomicfile.Write(path, func(w io.Writer) error { return catalog.Write(w, c) })
}
