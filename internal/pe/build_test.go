package pe

import (
	"io"
	"os"
	"testing"

	"github.com/patchscan/patchscan/internal/pe/petest"
)

// The tests build their PE images with petest (an independent writer of
// the format): small ones shaped like hostile or unusual files, and the
// 30 MB one the read-count test needs, which is too big to commit. They
// are valid enough for python3-pefile too (see pefile_test.go).

// countingReader counts ReadAt calls and bytes, to hold ReadVersion to its
// promise of a few small reads.
type countingReader struct {
	r     io.ReaderAt
	reads int
	bytes int64
}

func (c *countingReader) ReadAt(p []byte, off int64) (int, error) {
	c.reads++
	c.bytes += int64(len(p))
	return c.r.ReadAt(p, off)
}

// readVersionFile runs ReadVersion on the file at path through a counting
// reader, so a test can check both the answer and what it cost.
func readVersionFile(t *testing.T, path string) (info *Info, cr *countingReader, size int64, err error) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	cr = &countingReader{r: f}
	info, err = ReadVersion(cr, st.Size())
	return info, cr, st.Size(), err
}

// built is a synthetic image (petest.Image) and where its resource tree
// landed, for the tests that patch the tree.
type built struct {
	data    []byte
	rsrcOff int // file offset of the resource directory
}

func buildPE(im petest.Image) built {
	data, lo, err := im.Bytes()
	if err != nil {
		panic(err) // the test's own image is wrong
	}
	return built{data: data, rsrcOff: int(lo.ResourceOffset)}
}
