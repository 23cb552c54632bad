package pe

import (
	"bytes"
	"encoding/binary"
	"io"
	"os"
	"testing"
	"unicode/utf16"
)

// This file builds PE images in memory for tests: small ones shaped like
// hostile or unusual files, and the 30 MB one the read-count test needs,
// which is too big to commit. They are valid enough for python3-pefile
// too (see pefile_test.go).

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

func le16(b *bytes.Buffer, v uint16) { _ = binary.Write(b, binary.LittleEndian, v) }
func le32(b *bytes.Buffer, v uint32) { _ = binary.Write(b, binary.LittleEndian, v) }

func pad4(b *bytes.Buffer) {
	for b.Len()%4 != 0 {
		b.WriteByte(0)
	}
}

func utf16z(s string) []byte {
	var b bytes.Buffer
	for _, u := range utf16.Encode([]rune(s)) {
		le16(&b, u)
	}
	le16(&b, 0)
	return b.Bytes()
}

// verNode encodes one VS_VERSIONINFO-style node. text says the value is a
// string (wValueLength counts WCHARs).
func verNode(key string, value []byte, text bool, kids ...[]byte) []byte {
	var b bytes.Buffer
	le16(&b, 0) // wLength, patched below
	vlen := len(value)
	if text {
		vlen /= 2
	}
	le16(&b, uint16(vlen))
	typ := uint16(0)
	if text {
		typ = 1
	}
	le16(&b, typ)
	b.Write(utf16z(key))
	pad4(&b)
	b.Write(value)
	for _, k := range kids {
		pad4(&b)
		b.Write(k)
	}
	out := b.Bytes()
	binary.LittleEndian.PutUint16(out, uint16(len(out)))
	return out
}

// versionResource builds a VS_VERSIONINFO with the given binary versions
// and, when strFileVersion is not "", a StringFileInfo carrying it.
func versionResource(fv, pv [4]uint16, strFileVersion string) []byte {
	var fi bytes.Buffer
	le32(&fi, fixedInfoSignature)
	le32(&fi, 0x10000)
	le32(&fi, uint32(fv[0])<<16|uint32(fv[1]))
	le32(&fi, uint32(fv[2])<<16|uint32(fv[3]))
	le32(&fi, uint32(pv[0])<<16|uint32(pv[1]))
	le32(&fi, uint32(pv[2])<<16|uint32(pv[3]))
	for range 7 { // mask, flags, OS, type, subtype, date MS/LS
		le32(&fi, 0)
	}
	var kids [][]byte
	if strFileVersion != "" {
		table := verNode("040904b0", nil, false,
			verNode("CompanyName", utf16z("patchscan tests"), true),
			verNode("FileVersion", utf16z(strFileVersion), true),
		)
		kids = append(kids, verNode("StringFileInfo", nil, false, table))
	}
	var tr bytes.Buffer
	le32(&tr, 0x04b00409)
	kids = append(kids, verNode("VarFileInfo", nil, false, verNode("Translation", tr.Bytes(), false)))
	return verNode("VS_VERSION_INFO", fi.Bytes(), false, kids...)
}

// resType is one resource type with a single name (ID 1) and language
// (0x409) holding data.
type resType struct {
	id   uint32
	data []byte
}

// resourceTree lays out a resource tree for a section whose data starts at
// RVA va: all directories first, then data entries, then the data, as
// linkers do.
func resourceTree(va uint32, types []resType) []byte {
	n := len(types)
	rootSize := 16 + 8*n
	subSize := 16 + 8 // a directory with one entry
	dataEntries := rootSize + n*2*subSize
	dataStart := dataEntries + n*16
	var b bytes.Buffer
	dir := func(entries int) {
		le32(&b, 0)
		le32(&b, 0)
		le16(&b, 4)
		le16(&b, 0)
		le16(&b, 0)
		le16(&b, uint16(entries))
	}
	dir(n)
	for i, t := range types {
		le32(&b, t.id)
		le32(&b, resSubdirFlag|uint32(rootSize+i*2*subSize))
	}
	for i := range types {
		dir(1) // name level
		le32(&b, 1)
		le32(&b, resSubdirFlag|uint32(rootSize+i*2*subSize+subSize))
		dir(1) // language level
		le32(&b, 0x409)
		le32(&b, uint32(dataEntries+i*16))
	}
	off := dataStart
	for _, t := range types {
		le32(&b, va+uint32(off))
		le32(&b, uint32(len(t.data)))
		le32(&b, 0)
		le32(&b, 0)
		off = align4(off + len(t.data))
	}
	for _, t := range types {
		b.Write(t.data)
		pad4(&b)
	}
	return b.Bytes()
}

// peSpec describes a synthetic PE image.
type peSpec struct {
	machine uint16
	plus    bool   // PE32+
	lfanew  uint32 // 0 means 0x80
	// padSize, when > 0, adds a ".text" section of that many zero bytes
	// before the resource section, to make a large file.
	padSize int
	// rsrc, when non-nil, is the resource tree (built for the section RVA
	// by the builder); rsrcPrefix bytes precede it in its section, whose
	// name is rsrcName (".rsrc" by default).
	rsrc       []resType
	rsrcPrefix int
	rsrcName   string
}

// built is a synthetic image and where its resource tree landed.
type built struct {
	data    []byte
	rsrcOff int // file offset of the resource directory
	rsrcVA  uint32
}

func alignUp(n, a int) int { return (n + a - 1) / a * a }

func buildPE(s peSpec) built {
	const fileAlign, sectAlign = 0x200, 0x1000
	lfanew := s.lfanew
	if lfanew == 0 {
		lfanew = 0x80
	}
	optSize := 224
	if s.plus {
		optSize = 240
	}
	type sec struct {
		name string
		data []byte
		va   uint32
		raw  int
	}
	var secs []*sec
	if s.padSize > 0 {
		secs = append(secs, &sec{name: ".text", data: make([]byte, s.padSize)})
	}
	var rs *sec
	if s.rsrc != nil || s.rsrcPrefix > 0 {
		name := s.rsrcName
		if name == "" {
			name = ".rsrc"
		}
		rs = &sec{name: name}
		secs = append(secs, rs)
	}
	headerEnd := int(lfanew) + 4 + fileHeaderSize + optSize + len(secs)*sectionSize
	sizeOfHeaders := alignUp(headerEnd, fileAlign)
	va := uint32(sectAlign)
	raw := sizeOfHeaders
	var res built
	for _, x := range secs {
		x.va, x.raw = va, raw
		if x == rs {
			tree := resourceTree(va+uint32(s.rsrcPrefix), s.rsrc)
			x.data = append(bytes.Repeat([]byte{0xcc}, s.rsrcPrefix), tree...)
			res.rsrcOff, res.rsrcVA = raw+s.rsrcPrefix, va+uint32(s.rsrcPrefix)
		}
		raw += alignUp(len(x.data), fileAlign)
		va += uint32(alignUp(max(len(x.data), 1), sectAlign))
	}
	sizeOfImage := va

	var b bytes.Buffer
	b.WriteString("MZ")
	b.Write(make([]byte, 0x3c-2))
	le32(&b, lfanew)
	b.Write(make([]byte, int(lfanew)-b.Len()))
	b.WriteString("PE\x00\x00")
	// IMAGE_FILE_HEADER
	le16(&b, s.machine)
	le16(&b, uint16(len(secs)))
	le32(&b, 0) // TimeDateStamp
	le32(&b, 0)
	le32(&b, 0)
	le16(&b, uint16(optSize))
	if s.plus {
		le16(&b, 0x0022) // executable, large address aware
	} else {
		le16(&b, 0x0102) // executable, 32-bit machine
	}
	// Optional header
	if s.plus {
		le16(&b, 0x20b)
	} else {
		le16(&b, 0x10b)
	}
	b.Write([]byte{2, 40})      // linker version
	le32(&b, 0)                 // SizeOfCode
	le32(&b, 0)                 // SizeOfInitializedData
	le32(&b, 0)                 // SizeOfUninitializedData
	le32(&b, 0)                 // AddressOfEntryPoint
	le32(&b, uint32(sectAlign)) // BaseOfCode
	if s.plus {
		_ = binary.Write(&b, binary.LittleEndian, uint64(0x140000000))
	} else {
		le32(&b, 0) // BaseOfData
		le32(&b, 0x400000)
	}
	le32(&b, sectAlign)
	le32(&b, fileAlign)
	le16(&b, 6) // OS version
	le16(&b, 0)
	le16(&b, 0) // image version
	le16(&b, 0)
	le16(&b, 6) // subsystem version
	le16(&b, 0)
	le32(&b, 0) // Win32VersionValue
	le32(&b, sizeOfImage)
	le32(&b, uint32(sizeOfHeaders))
	le32(&b, 0) // CheckSum
	le16(&b, 3) // console
	le16(&b, 0x8160)
	for range 4 { // stack/heap reserve/commit
		if s.plus {
			_ = binary.Write(&b, binary.LittleEndian, uint64(0x100000))
		} else {
			le32(&b, 0x100000)
		}
	}
	le32(&b, 0)  // LoaderFlags
	le32(&b, 16) // NumberOfRvaAndSizes
	for i := range 16 {
		if i == dirResource && rs != nil && s.rsrc != nil {
			le32(&b, res.rsrcVA)
			le32(&b, uint32(len(rs.data)-s.rsrcPrefix))
			continue
		}
		le32(&b, 0)
		le32(&b, 0)
	}
	for _, x := range secs {
		var name [8]byte
		copy(name[:], x.name)
		b.Write(name[:])
		le32(&b, uint32(len(x.data))) // VirtualSize
		le32(&b, x.va)
		le32(&b, uint32(alignUp(len(x.data), fileAlign)))
		le32(&b, uint32(x.raw))
		le32(&b, 0)
		le32(&b, 0)
		le16(&b, 0)
		le16(&b, 0)
		le32(&b, 0x40000040) // initialised data, readable
	}
	b.Write(make([]byte, sizeOfHeaders-b.Len()))
	for _, x := range secs {
		b.Write(x.data)
		b.Write(make([]byte, alignUp(len(x.data), fileAlign)-len(x.data)))
	}
	res.data = b.Bytes()
	return res
}
