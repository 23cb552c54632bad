// Package petest writes synthetic PE images for tests: a valid PE32+
// (x64) file of any size whose version resource lies at its very end,
// after a zero-filled code section. Such a file is the worst case for a
// version reader that reads too much (a 30 MB image would be streamed
// whole), and is too big to commit, so tests generate it into
// t.TempDir().
//
// The package is self-contained (it does not import internal/pe) so that
// internal/pe's own tests can use it, and so that it stays an independent
// writer of the format rather than a mirror of the reader.
package petest

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"unicode/utf16"
)

// Spec describes the image to write.
type Spec struct {
	// Size is the file's minimum size in bytes; the code section is padded
	// so that the file is exactly Size rounded up to 512 bytes (the file
	// alignment), or the smallest valid image when Size is smaller.
	Size int64
	// FileVersion is written as both the file and the product version of
	// VS_FIXEDFILEINFO.
	FileVersion [4]uint16
	// StringFileVersion, when not "", is written as the FileVersion entry
	// of a StringFileInfo table (040904b0), as Windows' own files carry.
	StringFileVersion string
}

// maxSize bounds Size: section offsets and sizes are 32-bit, and a test
// never needs more.
const maxSize = 1 << 31

const (
	fileAlign  = 0x200
	sectAlign  = 0x1000
	lfanew     = 0x80
	optSize    = 240 // PE32+ optional header with 16 data directories
	nSections  = 2   // .text (padding), .rsrc (at the end)
	headersEnd = lfanew + 4 + 20 + optSize + nSections*40

	rtString      = 6
	rtVersion     = 16
	resSubdirFlag = 0x80000000
	fixedInfoSig  = 0xfeef04bd
)

func alignUp(n, a int64) int64 { return (n + a - 1) / a * a }

// layout is where an image's parts go: .text pads the file to its size,
// .rsrc holds the version resource at the end.
type layout struct {
	sizeOfHeaders, sizeOfImage int64
	textVA, textRaw            int64
	rsrcVA, rsrcLen, rsrcRaw   int64
}

func layoutFor(s Spec) layout {
	lo := layout{sizeOfHeaders: alignUp(headersEnd, fileAlign), textVA: sectAlign}
	// The .rsrc section's RVA depends on the .text size, and its tree
	// holds RVAs, so the tree's length (independent of the RVA) comes
	// first.
	lo.rsrcLen = int64(len(resources(0, s)))
	lo.rsrcRaw = alignUp(lo.rsrcLen, fileAlign)
	lo.textRaw = max(alignUp(s.Size, fileAlign)-lo.sizeOfHeaders-lo.rsrcRaw, fileAlign)
	lo.rsrcVA = lo.textVA + alignUp(lo.textRaw, sectAlign)
	lo.sizeOfImage = lo.rsrcVA + alignUp(lo.rsrcLen, sectAlign)
	return lo
}

// Write writes the image described by s to w and returns the bytes
// written. The padding is streamed, so a large image costs no memory.
func Write(w io.Writer, s Spec) (int64, error) {
	if s.Size < 0 || s.Size > maxSize {
		return 0, fmt.Errorf("petest: size %d is outside 0..%d", s.Size, int64(maxSize))
	}
	lo := layoutFor(s)
	rsrc := resources(uint32(lo.rsrcVA), s)
	bw := bufio.NewWriterSize(w, 64<<10)
	var total int64
	n, err := bw.Write(headers(lo))
	total += int64(n)
	if err == nil {
		var m int64
		m, err = io.CopyN(bw, zeros{}, lo.textRaw)
		total += m
	}
	if err == nil {
		rsrc = append(rsrc, make([]byte, lo.rsrcRaw-lo.rsrcLen)...)
		n, err = bw.Write(rsrc)
		total += int64(n)
	}
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		return total, fmt.Errorf("petest: writing the image: %w", err)
	}
	return total, nil
}

// headers returns the DOS stub, the PE headers and the section table,
// padded to SizeOfHeaders.
func headers(lo layout) []byte {
	var h bytes.Buffer
	le := func(v any) { _ = binary.Write(&h, binary.LittleEndian, v) }
	h.WriteString("MZ")
	h.Write(make([]byte, 0x3c-2))
	le(uint32(lfanew))
	h.Write(make([]byte, lfanew-h.Len()))
	h.WriteString("PE\x00\x00")
	// IMAGE_FILE_HEADER: AMD64, two sections, no symbols, executable and
	// large-address aware.
	le(uint16(0x8664))
	le(uint16(nSections))
	le([3]uint32{})
	le(uint16(optSize))
	le(uint16(0x0022))
	optionalHeader(le, lo)
	section := func(name string, virtSize, va, rawSize, raw int64, flags uint32) {
		var n [8]byte
		copy(n[:], name)
		h.Write(n[:])
		le([4]uint32{uint32(virtSize), uint32(va), uint32(rawSize), uint32(raw)})
		le([2]uint32{}) // relocations, line numbers
		le([2]uint16{})
		le(flags)
	}
	section(".text", lo.textRaw, lo.textVA, lo.textRaw, lo.sizeOfHeaders, 0x60000020)            // code, execute, read
	section(".rsrc", lo.rsrcLen, lo.rsrcVA, lo.rsrcRaw, lo.sizeOfHeaders+lo.textRaw, 0x40000040) // initialised data, read
	h.Write(make([]byte, int(lo.sizeOfHeaders)-h.Len()))
	return h.Bytes()
}

// optionalHeader writes IMAGE_OPTIONAL_HEADER64 with 16 data directories,
// only the resource one set.
func optionalHeader(le func(any), lo layout) {
	le(uint16(0x20b))
	le([2]byte{14, 0})     // linker version
	le(uint32(lo.textRaw)) // SizeOfCode
	le(uint32(lo.rsrcRaw)) // SizeOfInitializedData
	le(uint32(0))          // SizeOfUninitializedData
	le(uint32(0))          // AddressOfEntryPoint
	le(uint32(lo.textVA))  // BaseOfCode
	le(uint64(0x140000000))
	le(uint32(sectAlign))
	le(uint32(fileAlign))
	le([4]uint16{6, 1, 0, 0}) // OS and image versions
	le([2]uint16{6, 1})       // subsystem version
	le(uint32(0))             // Win32VersionValue
	le(uint32(lo.sizeOfImage))
	le(uint32(lo.sizeOfHeaders))
	le(uint32(0))      // CheckSum
	le(uint16(3))      // console
	le(uint16(0x8160)) // DLL characteristics
	le([4]uint64{0x100000, 0x1000, 0x100000, 0x1000})
	le(uint32(0))  // LoaderFlags
	le(uint32(16)) // NumberOfRvaAndSizes
	for i := range 16 {
		if i == 2 { // IMAGE_DIRECTORY_ENTRY_RESOURCE
			le([2]uint32{uint32(lo.rsrcVA), uint32(lo.rsrcLen)})
			continue
		}
		le([2]uint32{})
	}
}

// Bytes returns the image in memory.
func Bytes(s Spec) ([]byte, error) {
	var b bytes.Buffer
	b.Grow(int(min(max(s.Size, 0), maxSize)) + fileAlign)
	if _, err := Write(&b, s); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// WriteFile writes the image to a new file at path and returns its size.
func WriteFile(path string, s Spec) (int64, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return 0, fmt.Errorf("petest: %w", err)
	}
	n, werr := Write(f, s)
	return n, errors.Join(werr, f.Close())
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// resources lays out the .rsrc section for RVA va, as linkers do: all
// directories, then the data entries, then the data. An RT_STRING block
// precedes RT_VERSION, so the version data is the last thing in the file.
func resources(va uint32, s Spec) []byte {
	types := []struct {
		id   uint32
		data []byte
	}{
		{rtString, bytes.Repeat([]byte{7}, 3000)},
		{rtVersion, versionResource(s.FileVersion, s.StringFileVersion)},
	}
	n := len(types)
	rootSize := 16 + 8*n
	subSize := 16 + 8 // a directory with one entry
	dataEntries := rootSize + n*2*subSize
	dataStart := dataEntries + n*16
	var b bytes.Buffer
	le := func(v any) { _ = binary.Write(&b, binary.LittleEndian, v) }
	dir := func(entries int) {
		le([2]uint32{})                         // characteristics, timestamp
		le([4]uint16{4, 0, 0, uint16(entries)}) // version 4.0, named 0, IDs
	}
	dir(n)
	for i, t := range types {
		le([2]uint32{t.id, resSubdirFlag | uint32(rootSize+i*2*subSize)})
	}
	for i := range types {
		dir(1) // name level: ID 1
		le([2]uint32{1, resSubdirFlag | uint32(rootSize+i*2*subSize+subSize)})
		dir(1) // language level: en-US, pointing at a data entry
		le([2]uint32{0x409, uint32(dataEntries + i*16)})
	}
	off := dataStart
	for _, t := range types {
		le([4]uint32{va + uint32(off), uint32(len(t.data)), 0, 0})
		off = int(alignUp(int64(off+len(t.data)), 4))
	}
	for _, t := range types {
		b.Write(t.data)
		pad4(&b)
	}
	return b.Bytes()
}

func pad4(b *bytes.Buffer) {
	for b.Len()%4 != 0 {
		b.WriteByte(0)
	}
}

func utf16z(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	return append(b, 0, 0)
}

// verNode encodes one VS_VERSIONINFO-style node; text says the value is a
// string (wValueLength then counts WCHARs).
func verNode(key string, value []byte, text bool, kids ...[]byte) []byte {
	var b bytes.Buffer
	vlen, typ := len(value), uint16(0)
	if text {
		vlen, typ = vlen/2, 1
	}
	_ = binary.Write(&b, binary.LittleEndian, [3]uint16{0, uint16(vlen), typ}) // wLength patched below
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

// versionResource builds a VS_VERSIONINFO with fv as file and product
// version and, when str is not "", a StringFileInfo carrying it.
func versionResource(fv [4]uint16, str string) []byte {
	ms := uint32(fv[0])<<16 | uint32(fv[1])
	ls := uint32(fv[2])<<16 | uint32(fv[3])
	var fi bytes.Buffer
	// Signature, struct version, file and product versions, then mask,
	// flags, OS, type, subtype and date, all zero.
	_ = binary.Write(&fi, binary.LittleEndian, [13]uint32{fixedInfoSig, 0x10000, ms, ls, ms, ls})
	var kids [][]byte
	if str != "" {
		table := verNode("040904b0", nil, false,
			verNode("CompanyName", utf16z("patchscan tests"), true),
			verNode("FileVersion", utf16z(str), true),
		)
		kids = append(kids, verNode("StringFileInfo", nil, false, table))
	}
	kids = append(kids, verNode("VarFileInfo", nil, false,
		verNode("Translation", binary.LittleEndian.AppendUint32(nil, 0x04b00409), false)))
	return verNode("VS_VERSION_INFO", fi.Bytes(), false, kids...)
}
