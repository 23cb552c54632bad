package catalog

import (
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzLoad feeds arbitrary documents to the loader. It must never panic,
// must return either a catalog or an error, and the parallel chunked parse
// must agree exactly with a whole-document parse.
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
		if len(data) > 0 && data[0] == 0x1f {
			return // gzip: the comparison below is about XML
		}
		c1, err1 := parse(data, "f.xml", o.withDefaults())
		c2, err2 := parseWhole(data, "f.xml", o.withDefaults())
		dropRegexps(c1)
		dropRegexps(c2)
		if !reflect.DeepEqual(c1, c2) || !reflect.DeepEqual(errString(err1), errString(err2)) {
			t.Fatalf("chunked and whole parses differ:\n%v\n%v", err1, err2)
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

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// dropRegexps clears compiled regexps, which reflect.DeepEqual cannot
// compare meaningfully (they are compiled from Value, which is compared).
func dropRegexps(c *Catalog) {
	if c == nil {
		return
	}
	for i := range c.Products {
		for j := range c.Products[i].Detection {
			c.Products[i].Detection[j].Regexp = nil
		}
	}
	for i := range c.Bulletins {
		for j := range c.Bulletins[i].Patches {
			for k := range c.Bulletins[i].Patches[j].RegChecks {
				c.Bulletins[i].Patches[j].RegChecks[k].Regexp = nil
			}
		}
	}
}
