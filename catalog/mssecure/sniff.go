package mssecure

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/xml"
	"io"
)

// SniffBytes is how much of a document Is looks at: the root element of a
// real file starts within its first few hundred bytes (after the XML
// declaration and a comment or two).
const SniffBytes = 64 << 10

// Is reports whether the document br holds is Microsoft's mssecure.xml:
// its root element is <BulletinDatastore> with a SchemaVersion or
// ToolVersion attribute, as every HFNetChk and MBSA file has and no
// patchscan catalog does. It only peeks (br can then be read from its
// start) and looks into gzip data through its first bytes. Give it a
// reader of at least SniffBytes (bufio.NewReaderSize) to see that far.
func Is(br *bufio.Reader) bool {
	head, _ := br.Peek(min(SniffBytes, br.Size()))
	if len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b {
		z, err := gzip.NewReader(bytes.NewReader(head))
		if err != nil {
			return false
		}
		plain, _ := io.ReadAll(io.LimitReader(z, SniffBytes))
		head = plain // what the compressed prefix holds; the rest is not needed
	}
	dec := xml.NewDecoder(bytes.NewReader(head))
	dec.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	for {
		tok, err := dec.RawToken()
		if err != nil {
			return false
		}
		if s, ok := tok.(xml.StartElement); ok {
			return isRoot(s)
		}
	}
}

func isRoot(s xml.StartElement) bool {
	if s.Name.Space != "" || s.Name.Local != "BulletinDatastore" {
		return false
	}
	for _, a := range s.Attr {
		if a.Name.Space == "" && (a.Name.Local == "SchemaVersion" || a.Name.Local == "ToolVersion") {
			return true
		}
	}
	return false
}
