package catalog

import (
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad feeds arbitrary documents to the loader. It must never panic,
// and must return either a catalog or a ValidationError with problems. A
// catalog it returns must come back unchanged through Write and Load.
func FuzzLoad(f *testing.F) {
	files, _ := filepath.Glob(testdata + "*.xml")
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(minimal(okProduct, okBulletin("A")+okBulletin("B"))))
	f.Add([]byte(`<BulletinDatastore><Bulletins><!-- <Bulletin> --><![CDATA[<x>]]><Bulletin BulletinID="a>b"/></Bulletins><Bulletins/></BulletinDatastore>`))
	f.Add(gzipBytes(f, []byte(minimal(okProduct, okBulletin("A")))))
	o := Options{MaxBytes: 1 << 20, MaxDepth: 16}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := LoadOptions(bytes.NewReader(data), "f.xml", o)
		if (c == nil) == (err == nil) {
			t.Fatalf("catalog %v with error %v", c != nil, err)
		}
		var ve *ValidationError
		if err != nil && (!errors.As(err, &ve) || len(ve.Problems) == 0) {
			t.Fatalf("error is not a ValidationError with problems: %v", err)
		}
		if c == nil {
			return
		}
		var w bytes.Buffer
		if err := Write(&w, c); err != nil {
			t.Fatalf("Write of a loaded catalog: %v", err)
		}
		back, err := LoadOptions(&w, "w.xml", Options{MaxBytes: 8 << 20})
		if err != nil {
			t.Fatalf("Load(Write(c)): %v\n%s", err, w.String())
		}
		if d := diffCatalogs(c, back); d != "" {
			t.Fatalf("Load(Write(c)) differs from c: %s", d)
		}
	})
}

func gzipBytes(tb testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	if _, err := w.Write(b); err != nil {
		tb.Fatal(err)
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}
