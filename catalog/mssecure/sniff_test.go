package mssecure

import (
	"bufio"
	"bytes"
	"os"
	"strings"
	"testing"
)

// TestIs: mssecure.xml is told from a native catalog by its root's
// attributes, plain or gzip-compressed, and the reader is left unread.
func TestIs(t *testing.T) {
	gz, err := os.ReadFile(sample)
	if err != nil {
		t.Fatal(err)
	}
	native, err := os.ReadFile("../../testdata/catalogs/example.xml")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		doc  []byte
		want bool
	}{
		{"the real file", sampleXML(t), true},
		{"the real file, gzip", gz, true},
		{"a comment and a declaration first", []byte("<?xml version=\"1.0\"?>\n<!-- x -->\n<BulletinDatastore ToolVersion=\"3.1\"/>"), true},
		{"a native catalog", native, false},
		{"a native catalog's root", []byte(`<BulletinDatastore DataVersion="1" FormatVersion="2">`), false},
		{"another root with the attributes", []byte(`<cvrfdoc SchemaVersion="1.1"/>`), false},
		{"a prefixed root", []byte(`<x:BulletinDatastore xmlns:x="u" ToolVersion="3.1"/>`), false},
		{"not XML", []byte("\x00\x01garbage"), false},
		{"empty", nil, false},
		{"gzip magic, no gzip", []byte{0x1f, 0x8b, 0, 0}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			br := bufio.NewReaderSize(bytes.NewReader(tt.doc), SniffBytes)
			if got := Is(br); got != tt.want {
				t.Errorf("Is = %v, want %v", got, tt.want)
			}
			rest := new(bytes.Buffer)
			rest.ReadFrom(br)
			if !bytes.Equal(rest.Bytes(), tt.doc) {
				t.Error("Is consumed the reader")
			}
		})
	}
	if Is(bufio.NewReader(strings.NewReader(`<BulletinDatastore ToolVersion="3.1">`))) != true {
		t.Error("a small reader: Is looks at what it can peek")
	}
}
