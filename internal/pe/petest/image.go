package petest

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
)

// Resource is one resource type of an image, with a single name (ID 1)
// and language (en-US) holding Data.
type Resource struct {
	Type uint32
	Data []byte
}

// Image describes an image in full, for tests that need other shapes than
// Spec's (other machines, PE32, odd header offsets, resources elsewhere):
// the DOS stub and PE headers, then an optional zero-filled .text section,
// then the section holding the resource tree, laid out as linkers do (all
// directories, then the data entries, then the data).
type Image struct {
	Machine uint16 // IMAGE_FILE_HEADER.Machine
	PE32    bool   // a PE32 optional header (32-bit) rather than PE32+
	Lfanew  uint32 // offset of the PE header; 0x80 when 0
	// TextSize is the size of a zero-filled .text section before the
	// resources; none when 0. It is streamed, so a large one costs no
	// memory.
	TextSize int64
	// Resources are the resource tree's types, in order; with none (nil)
	// the image has no resource directory.
	Resources []Resource
	// ResourcePrefix bytes (0xcc) precede the tree in its section, named
	// ResourceSection (".rsrc" when "").
	ResourcePrefix  int
	ResourceSection string
}

// Layout is where an image's parts land.
type Layout struct {
	ResourceOffset int64  // file offset of the resource directory
	ResourceVA     uint32 // its RVA
}

// layout is the image's geometry: section sizes, offsets and RVAs.
type layout struct {
	lfanew, optSize, sections  int64
	sizeOfHeaders, sizeOfImage int64
	textVA, textRaw            int64
	rsrcVA, rsrcLen, rsrcRaw   int64
	hasRsrc                    bool
}

func (im Image) layout() layout {
	lo := layout{lfanew: int64(im.Lfanew), optSize: 240, textVA: sectAlign}
	if lo.lfanew == 0 {
		lo.lfanew = 0x80
	}
	if im.PE32 {
		lo.optSize = 224
	}
	lo.textRaw = alignUp(im.TextSize, fileAlign)
	lo.hasRsrc = im.Resources != nil || im.ResourcePrefix > 0
	if lo.textRaw > 0 {
		lo.sections++
	}
	if lo.hasRsrc {
		lo.sections++
	}
	lo.sizeOfHeaders = alignUp(lo.lfanew+4+20+lo.optSize+lo.sections*40, fileAlign)
	// The resource section's RVA depends on the .text size, and its tree
	// holds RVAs, but the tree's length does not depend on them.
	lo.rsrcVA = lo.textVA + alignUp(lo.textRaw, sectAlign)
	if lo.hasRsrc {
		lo.rsrcLen = int64(im.ResourcePrefix + len(resourceTree(0, im.Resources)))
	}
	lo.rsrcRaw = alignUp(lo.rsrcLen, fileAlign)
	lo.sizeOfImage = lo.rsrcVA
	if lo.hasRsrc {
		lo.sizeOfImage += alignUp(max(lo.rsrcLen, 1), sectAlign)
	}
	return lo
}

// Write writes the image to w and returns the bytes written.
func (im Image) Write(w io.Writer) (int64, error) {
	if im.TextSize < 0 || im.TextSize > maxSize || im.ResourcePrefix < 0 || im.Lfanew > 1<<20 {
		return 0, fmt.Errorf("petest: text size %d, resource prefix %d or PE header offset %d out of range", im.TextSize, im.ResourcePrefix, im.Lfanew)
	}
	lo := im.layout()
	bw := bufio.NewWriterSize(w, 64<<10)
	var total int64
	n, err := bw.Write(im.headers(lo))
	total += int64(n)
	if err == nil {
		var m int64
		m, err = io.CopyN(bw, zeros{}, lo.textRaw)
		total += m
	}
	if err == nil && lo.hasRsrc {
		sec := append(bytes.Repeat([]byte{0xcc}, im.ResourcePrefix), resourceTree(uint32(lo.rsrcVA)+uint32(im.ResourcePrefix), im.Resources)...)
		n, err = bw.Write(append(sec, make([]byte, lo.rsrcRaw-lo.rsrcLen)...))
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

// Bytes returns the image in memory and where its resources landed.
func (im Image) Bytes() ([]byte, Layout, error) {
	var b bytes.Buffer
	if _, err := im.Write(&b); err != nil {
		return nil, Layout{}, err
	}
	lo := im.layout()
	off := lo.sizeOfHeaders + lo.textRaw + int64(im.ResourcePrefix)
	return b.Bytes(), Layout{ResourceOffset: off, ResourceVA: uint32(lo.rsrcVA) + uint32(im.ResourcePrefix)}, nil
}

// headers returns the DOS stub, the PE headers and the section table,
// padded to SizeOfHeaders.
func (im Image) headers(lo layout) []byte {
	var h bytes.Buffer
	le := func(v any) { _ = binary.Write(&h, binary.LittleEndian, v) }
	h.WriteString("MZ")
	h.Write(make([]byte, 0x3c-2))
	le(uint32(lo.lfanew))
	h.Write(make([]byte, int(lo.lfanew)-h.Len()))
	h.WriteString("PE\x00\x00")
	// IMAGE_FILE_HEADER: no symbols; executable, and large-address aware
	// (PE32+) or 32-bit (PE32).
	characteristics := uint16(0x0022)
	if im.PE32 {
		characteristics = 0x0102
	}
	le(im.Machine)
	le(uint16(lo.sections))
	le([3]uint32{})
	le(uint16(lo.optSize))
	le(characteristics)
	im.optionalHeader(le, lo)
	section := func(name string, virtSize, va, rawSize, raw int64, flags uint32) {
		var n [8]byte
		copy(n[:], name)
		h.Write(n[:])
		le([4]uint32{uint32(virtSize), uint32(va), uint32(rawSize), uint32(raw)})
		le([2]uint32{}) // relocations, line numbers
		le([2]uint16{})
		le(flags)
	}
	if lo.textRaw > 0 {
		section(".text", lo.textRaw, lo.textVA, lo.textRaw, lo.sizeOfHeaders, 0x60000020) // code, execute, read
	}
	if lo.hasRsrc {
		name := im.ResourceSection
		if name == "" {
			name = ".rsrc"
		}
		section(name, lo.rsrcLen, lo.rsrcVA, lo.rsrcRaw, lo.sizeOfHeaders+lo.textRaw, 0x40000040) // initialised data, read
	}
	h.Write(make([]byte, int(lo.sizeOfHeaders)-h.Len()))
	return h.Bytes()
}

// optionalHeader writes IMAGE_OPTIONAL_HEADER64 (or 32) with 16 data
// directories, only the resource one set.
func (im Image) optionalHeader(le func(any), lo layout) {
	if im.PE32 {
		le(uint16(0x10b))
	} else {
		le(uint16(0x20b))
	}
	le([2]byte{14, 0})     // linker version
	le(uint32(lo.textRaw)) // SizeOfCode
	le(uint32(lo.rsrcRaw)) // SizeOfInitializedData
	le(uint32(0))          // SizeOfUninitializedData
	le(uint32(0))          // AddressOfEntryPoint
	le(uint32(lo.textVA))  // BaseOfCode
	if im.PE32 {
		le([2]uint32{0, 0x400000}) // BaseOfData, ImageBase
	} else {
		le(uint64(0x140000000))
	}
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
	if im.PE32 {
		le([4]uint32{0x100000, 0x1000, 0x100000, 0x1000})
	} else {
		le([4]uint64{0x100000, 0x1000, 0x100000, 0x1000})
	}
	le(uint32(0))  // LoaderFlags
	le(uint32(16)) // NumberOfRvaAndSizes
	for i := range 16 {
		if i == 2 && im.Resources != nil { // IMAGE_DIRECTORY_ENTRY_RESOURCE
			le([2]uint32{uint32(lo.rsrcVA) + uint32(im.ResourcePrefix), uint32(lo.rsrcLen) - uint32(im.ResourcePrefix)})
			continue
		}
		le([2]uint32{})
	}
}

// resourceTree lays out types for a tree at RVA va, as linkers do: all
// directories, then the data entries, then the data.
func resourceTree(va uint32, types []Resource) []byte {
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
		le([2]uint32{t.Type, resSubdirFlag | uint32(rootSize+i*2*subSize)})
	}
	for i := range types {
		dir(1) // name level: ID 1
		le([2]uint32{1, resSubdirFlag | uint32(rootSize+i*2*subSize+subSize)})
		dir(1) // language level: en-US, pointing at a data entry
		le([2]uint32{0x409, uint32(dataEntries + i*16)})
	}
	off := dataStart
	for _, t := range types {
		le([4]uint32{va + uint32(off), uint32(len(t.Data)), 0, 0})
		off = int(alignUp(int64(off+len(t.Data)), 4))
	}
	for _, t := range types {
		b.Write(t.Data)
		pad4(&b)
	}
	return b.Bytes()
}
