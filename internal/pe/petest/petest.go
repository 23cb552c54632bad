// Package petest writes synthetic PE images for tests: a valid PE32+
// (x64) file of any size whose version resource lies at its very end,
// after a zero-filled code section. Such a file is the worst case for a
// version reader that reads too much (a 30 MB image would be streamed
// whole), and is too big to commit, so tests generate it into
// t.TempDir(). Image describes any other shape (machine, PE32, header
// offset, where the resources lie and which), for the reader's own tests
// of unusual and hostile files, with the version resource's parts
// (VersionResource, VersionNode) to build their data.
//
// The package is self-contained (it does not import internal/pe) so that
// internal/pe's own tests can use it, and so that it stays an independent
// writer of the format rather than a mirror of the reader.
package petest

import (
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
	fileAlign = 0x200
	sectAlign = 0x1000

	rtString      = 6
	rtVersion     = 16
	resSubdirFlag = 0x80000000
	fixedInfoSig  = 0xfeef04bd
)

func alignUp(n, a int64) int64 { return (n + a - 1) / a * a }

// image is what Spec asks for, in Image's terms: an x64 PE32+ file whose
// .text pads it to Size, with an RT_STRING block before RT_VERSION so that
// the version data is the last thing in the file.
func (s Spec) image() Image {
	im := Image{Machine: 0x8664, Resources: []Resource{
		{Type: rtString, Data: bytes.Repeat([]byte{7}, 3000)},
		{Type: rtVersion, Data: VersionResource(s.FileVersion, s.FileVersion, s.StringFileVersion)},
	}}
	// The .text size (at least one file alignment) is what is left of Size
	// after the headers and the resources, whose length does not depend on
	// where they land.
	im.TextSize = fileAlign
	lo := im.layout()
	im.TextSize = max(alignUp(s.Size, fileAlign)-lo.sizeOfHeaders-lo.rsrcRaw, fileAlign)
	return im
}

// Write writes the image described by s to w and returns the bytes
// written. The padding is streamed, so a large image costs no memory.
func Write(w io.Writer, s Spec) (int64, error) {
	if s.Size < 0 || s.Size > maxSize {
		return 0, fmt.Errorf("petest: size %d is outside 0..%d", s.Size, int64(maxSize))
	}
	return s.image().Write(w)
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

func pad4(b *bytes.Buffer) {
	for b.Len()%4 != 0 {
		b.WriteByte(0)
	}
}

// UTF16Z is s in UTF-16LE with a terminating NUL, as resource strings are.
func UTF16Z(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	return append(b, 0, 0)
}

// VersionNode encodes one VS_VERSIONINFO-style node (key, value,
// children); text says the value is a string (wValueLength then counts
// WCHARs).
func VersionNode(key string, value []byte, text bool, kids ...[]byte) []byte {
	var b bytes.Buffer
	vlen, typ := len(value), uint16(0)
	if text {
		vlen, typ = vlen/2, 1
	}
	_ = binary.Write(&b, binary.LittleEndian, [3]uint16{0, uint16(vlen), typ}) // wLength patched below
	b.Write(UTF16Z(key))
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

// VersionResource builds a VS_VERSIONINFO with file version fv, product
// version pv and, when str is not "", a StringFileInfo table (040904b0)
// carrying str as its FileVersion.
func VersionResource(fv, pv [4]uint16, str string) []byte {
	ms := func(v [4]uint16) uint32 { return uint32(v[0])<<16 | uint32(v[1]) }
	ls := func(v [4]uint16) uint32 { return uint32(v[2])<<16 | uint32(v[3]) }
	var fi bytes.Buffer
	// Signature, struct version, file and product versions, then mask,
	// flags, OS, type, subtype and date, all zero.
	_ = binary.Write(&fi, binary.LittleEndian, [13]uint32{fixedInfoSig, 0x10000, ms(fv), ls(fv), ms(pv), ls(pv)})
	var kids [][]byte
	if str != "" {
		table := VersionNode("040904b0", nil, false,
			VersionNode("CompanyName", UTF16Z("patchscan tests"), true),
			VersionNode("FileVersion", UTF16Z(str), true),
		)
		kids = append(kids, VersionNode("StringFileInfo", nil, false, table))
	}
	kids = append(kids, VersionNode("VarFileInfo", nil, false,
		VersionNode("Translation", binary.LittleEndian.AppendUint32(nil, 0x04b00409), false)))
	return VersionNode("VS_VERSION_INFO", fi.Bytes(), false, kids...)
}
