// Package pe reads the version resource of a Windows PE file (EXE, DLL,
// SYS) through an io.ReaderAt, reading only the few bytes it needs.
//
// It exists because patchscan compares file versions on remote hosts: the
// SMB transport hands it a remote file whose every ReadAt is a network
// round trip, so the reader makes a handful of small reads (the headers,
// the resource directory, the version block) and never touches the rest of
// a file that may be tens of megabytes. Every length, count and offset
// taken from the file is bounded, since scanned hosts and their files are
// outside data: a hostile file yields an error, never a panic, a loop or a
// large allocation.
package pe

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Errors callers test with errors.Is. Every error ReadVersion returns for a
// bad file wraps exactly one of them; I/O errors from the ReaderAt are
// wrapped as they are, so a transport's own errors (timeouts, access
// denied) stay recognisable.
var (
	// ErrNotPE: the file is not a PE image at all (no MZ/PE signature, or an
	// optional header this reader does not know).
	ErrNotPE = errors.New("not a PE file")
	// ErrNoVersion: a valid PE without a version resource (or whose
	// version resource has no VS_FIXEDFILEINFO). Scanners treat this as
	// "file present, version unknown", not as a failure to read the file.
	ErrNoVersion = errors.New("PE file has no version resource")
	// ErrMalformed: the file claims to be a PE but its structures are
	// inconsistent (offsets past the end, impossible sizes, a broken
	// resource tree or version block).
	ErrMalformed = errors.New("malformed PE file")
)

// FormatError describes what is wrong with a file and where.
type FormatError struct {
	Kind   error // ErrNotPE, ErrNoVersion or ErrMalformed
	Offset int64 // file offset of the offending structure, -1 if none
	Msg    string
}

func (e *FormatError) Error() string {
	if e.Offset >= 0 {
		return fmt.Sprintf("pe: %v: %s (at file offset 0x%x)", e.Kind, e.Msg, e.Offset)
	}
	return fmt.Sprintf("pe: %v: %s", e.Kind, e.Msg)
}

func (e *FormatError) Unwrap() error { return e.Kind }

func formatErr(kind error, off int64, format string, args ...any) error {
	return &FormatError{Kind: kind, Offset: off, Msg: fmt.Sprintf(format, args...)}
}

// Machine types (IMAGE_FILE_MACHINE_*) this package names.
const (
	MachineI386  uint16 = 0x014c
	MachineARMNT uint16 = 0x01c4
	MachineIA64  uint16 = 0x0200
	MachineAMD64 uint16 = 0x8664
	MachineARM64 uint16 = 0xaa64
)

// MachineName returns a short architecture name ("x86", "x64", "arm64",
// ...) or the hexadecimal machine number for others.
func MachineName(m uint16) string {
	switch m {
	case MachineI386:
		return "x86"
	case MachineAMD64:
		return "x64"
	case MachineARM64:
		return "arm64"
	case MachineARMNT:
		return "arm"
	case MachineIA64:
		return "ia64"
	}
	return fmt.Sprintf("0x%04x", m)
}

// Info is what ReadVersion learns about a file.
type Info struct {
	Machine  uint16 // IMAGE_FILE_HEADER.Machine
	PE32Plus bool   // 64-bit optional header (PE32+)
	// HasVersion reports that a version resource with a VS_FIXEDFILEINFO
	// was found; the version fields below are set only then.
	HasVersion bool
	// FileVersion is VS_FIXEDFILEINFO dwFileVersionMS/LS as "a.b.c.d": the
	// binary version Windows itself compares ("6.1.7601.23689").
	FileVersion string
	// ProductVersion is dwProductVersionMS/LS as "a.b.c.d".
	ProductVersion string
	// StringFileVersion is the "FileVersion" string of the first
	// StringFileInfo table, as the vendor wrote it
	// ("6.1.7601.23689 (win7sp1_ldr.170209-0600)"); "" when absent. It is
	// for reports only: it is free text and sometimes disagrees with
	// FileVersion.
	StringFileVersion string
}

// Bounds on what a file may make the reader do. They are far above what
// real linkers produce and keep the worst case (hostile file) to a few
// hundred KB read and allocated in at most maxReads ReadAt calls.
const (
	// headChunk is the first read: DOS header, PE headers and section
	// table of ordinary files, and often the whole resource tree of
	// small ones.
	headChunk = 4096
	// rsrcWindow is the least a resource-directory read fetches, so the
	// directories, data entry and often the version block arrive together.
	rsrcWindow = 8192
	// maxSections bounds NumberOfSections. Windows accepts up to 96 on
	// older systems; linkers never come near 1024.
	maxSections = 1024
	// maxDirEntries bounds the entries of one resource directory level.
	maxDirEntries = 4096
	// maxVersionBlock: VS_VERSIONINFO.wLength is 16 bits.
	maxVersionBlock = 0xffff
	// maxCached windows kept; one for the headers, a few for resources.
	maxCached = 4
	// maxReads bounds ReadAt calls per file. Ordinary files need 1 to 4;
	// only a file whose structures are scattered on purpose gets near it.
	maxReads = 12
)

// ReadVersion reads the version resource of the PE file r of the given
// size. It returns ErrNotPE (wrapped) for files that are not PE images,
// ErrNoVersion for PE files without a version resource — in that case the
// returned Info is non-nil and carries Machine and PE32Plus — and
// ErrMalformed for broken files. I/O errors from r are wrapped unchanged.
//
// It makes at most a handful of ReadAt calls: typically one of 4 KB for a
// small file, three or four for a large one.
func ReadVersion(r io.ReaderAt, size int64) (*Info, error) {
	rd := &reader{r: r, size: size}
	h, err := rd.headers()
	if err != nil {
		return nil, err
	}
	info := &Info{Machine: h.machine, PE32Plus: h.pe32plus}
	block, blockOff, err := rd.versionBlock(h)
	if err != nil {
		if errors.Is(err, ErrNoVersion) {
			return info, err
		}
		return nil, err
	}
	if err := parseVersionInfo(block, blockOff, info); err != nil {
		if errors.Is(err, ErrNoVersion) {
			return info, err
		}
		return nil, err
	}
	return info, nil
}

// reader fetches byte ranges through a small cache of windows, so
// structures that lie in bytes already read cost no further ReadAt.
type reader struct {
	r      io.ReaderAt
	size   int64
	reads  int
	cached [][]byte // window contents
	starts []int64  // window file offsets
}

// lookup returns n bytes at off from a cached window, if one covers them.
func (rd *reader) lookup(off int64, n int) ([]byte, bool) {
	for i, w := range rd.cached {
		s := rd.starts[i]
		if off >= s && off-s <= int64(len(w)) && int64(n) <= int64(len(w))-(off-s) {
			return w[off-s : off-s+int64(n)], true
		}
	}
	return nil, false
}

// get returns exactly n bytes at file offset off, which must lie before
// limit (an exclusive file offset, at most the file size). On a cache miss
// it reads max(n, want) bytes clipped to limit, where want lets callers
// prefetch what usually follows.
func (rd *reader) get(off int64, n, want int, limit int64, what string) ([]byte, error) {
	if limit > rd.size {
		limit = rd.size
	}
	if off < 0 || n < 0 || off > limit || int64(n) > limit-off {
		return nil, formatErr(ErrMalformed, off,
			"%s (%d bytes) runs past the end of its section or of the file (%d bytes); the file is truncated or corrupt", what, n, rd.size)
	}
	if b, ok := rd.lookup(off, n); ok {
		return b, nil
	}
	m := int64(max(n, want))
	if m > limit-off {
		m = limit - off
	}
	if rd.reads == maxReads {
		return nil, formatErr(ErrMalformed, off,
			"reading %s would take more than %d reads: the file's structures are scattered implausibly", what, maxReads)
	}
	rd.reads++
	buf := make([]byte, m)
	if err := rd.readFull(buf, off, what); err != nil {
		return nil, err
	}
	if len(rd.cached) == maxCached {
		// Keep the header window (index 0); drop the oldest other one.
		rd.cached = append(rd.cached[:1], rd.cached[2:]...)
		rd.starts = append(rd.starts[:1], rd.starts[2:]...)
	}
	rd.cached = append(rd.cached, buf)
	rd.starts = append(rd.starts, off)
	return buf[:n], nil
}

// readFull is one ReadAt, with short reads reported clearly: the size the
// caller gave and the bytes the file really has disagree.
func (rd *reader) readFull(buf []byte, off int64, what string) error {
	n, err := rd.r.ReadAt(buf, off)
	if n == len(buf) {
		return nil // io.ReaderAt may return io.EOF with a full read
	}
	if err == nil || errors.Is(err, io.EOF) {
		return formatErr(ErrMalformed, off,
			"reading %s: got %d of %d bytes; the file is shorter than its reported size %d (changed while being read?)", what, n, len(buf), rd.size)
	}
	return fmt.Errorf("pe: reading %s (%d bytes at offset 0x%x): %w", what, len(buf), off, err)
}

// section is one IMAGE_SECTION_HEADER, reduced to what RVA mapping needs.
type section struct {
	va, vsize, rawPtr, rawSize uint32
}

type headers struct {
	machine   uint16
	pe32plus  bool
	rsrcRVA   uint32
	rsrcSize  uint32
	fileAlign uint32
	sections  []section
}

func u16(b []byte, off int) uint16 { return binary.LittleEndian.Uint16(b[off:]) }
func u32(b []byte, off int) uint32 { return binary.LittleEndian.Uint32(b[off:]) }

const (
	dosHeaderSize  = 64
	fileHeaderSize = 20
	sectionSize    = 40
	dirResource    = 2 // IMAGE_DIRECTORY_ENTRY_RESOURCE
)

// headers parses the DOS header, PE signature, file and optional headers
// and the section table — one read in the common case, two when the PE
// header lies beyond the first 4 KB.
func (rd *reader) headers() (*headers, error) {
	if rd.size < dosHeaderSize {
		return nil, formatErr(ErrNotPE, -1, "file is %d bytes, too small for a DOS header", rd.size)
	}
	head, err := rd.get(0, dosHeaderSize, headChunk, rd.size, "DOS header")
	if err != nil {
		return nil, err
	}
	if head[0] != 'M' || head[1] != 'Z' {
		return nil, formatErr(ErrNotPE, 0, "no MZ signature")
	}
	lfanew := int64(u32(head, 0x3c))
	fixed, err := rd.get(lfanew, 4+fileHeaderSize, headChunk, rd.size, "PE header")
	if err != nil {
		if errors.Is(err, ErrMalformed) {
			return nil, formatErr(ErrNotPE, 0x3c, "e_lfanew 0x%x points past the end of the file (%d bytes)", lfanew, rd.size)
		}
		return nil, err
	}
	if string(fixed[:4]) != "PE\x00\x00" {
		return nil, formatErr(ErrNotPE, lfanew, "no PE signature where e_lfanew points")
	}
	h := &headers{machine: u16(fixed, 4)}
	nsec := int(u16(fixed, 6))
	optSize := int(u16(fixed, 20))
	if nsec > maxSections {
		return nil, formatErr(ErrMalformed, lfanew+6, "%d sections, more than the %d this reader accepts", nsec, maxSections)
	}
	// Optional header and section table follow; fetch them in one piece.
	optOff := lfanew + 4 + fileHeaderSize
	rest, err := rd.get(optOff, optSize+nsec*sectionSize, 0, rd.size, "optional header and section table")
	if err != nil {
		return nil, err
	}
	if optSize < 2 {
		return nil, formatErr(ErrNotPE, optOff, "no optional header (SizeOfOptionalHeader %d): an object file, not an image", optSize)
	}
	var ddOff, countOff int
	switch magic := u16(rest, 0); magic {
	case 0x10b:
		ddOff, countOff = 96, 92
	case 0x20b:
		h.pe32plus = true
		ddOff, countOff = 112, 108
	default:
		return nil, formatErr(ErrNotPE, optOff, "unknown optional header magic 0x%x (want 0x10b or 0x20b)", magic)
	}
	if optSize >= 40 {
		h.fileAlign = u32(rest, 36)
	}
	// The resource entry exists only if the header is long enough and
	// NumberOfRvaAndSizes includes it; otherwise there are no resources.
	resEnd := ddOff + (dirResource+1)*8
	if optSize >= countOff+4 && optSize >= resEnd && u32(rest, countOff) > dirResource {
		h.rsrcRVA = u32(rest, ddOff+dirResource*8)
		h.rsrcSize = u32(rest, ddOff+dirResource*8+4)
	}
	tbl := rest[optSize:]
	h.sections = make([]section, nsec)
	for i := range h.sections {
		s := tbl[i*sectionSize:]
		h.sections[i] = section{va: u32(s, 12), vsize: u32(s, 8), rawSize: u32(s, 16), rawPtr: u32(s, 20)}
	}
	return h, nil
}

// rvaToOffset maps an RVA to a file offset and the end of the file data
// backing it (exclusive), as the Windows loader and pefile do: the first
// section whose virtual span holds the RVA, with PointerToRawData rounded
// down to 512 bytes for ordinarily aligned images; an RVA in no section
// maps to the same file offset (low-alignment images, header data).
func (rd *reader) rvaToOffset(h *headers, rva uint32) (off, end int64, err error) {
	for _, s := range h.sections {
		span := max(s.vsize, s.rawSize)
		if rva < s.va || uint64(rva) >= uint64(s.va)+uint64(span) {
			continue
		}
		raw := int64(s.rawPtr)
		if h.fileAlign >= 0x200 {
			raw &^= 0x1ff
		}
		off = raw + int64(rva-s.va)
		end = min(int64(s.rawPtr)+int64(s.rawSize), rd.size)
		if off >= rd.size {
			return 0, 0, formatErr(ErrMalformed, off,
				"RVA 0x%x maps past the end of the file (%d bytes); the file is truncated or corrupt", rva, rd.size)
		}
		if off >= end {
			return 0, 0, formatErr(ErrMalformed, off,
				"RVA 0x%x lies in a section's uninitialised part, not in the file", rva)
		}
		return off, end, nil
	}
	if int64(rva) < rd.size {
		return int64(rva), rd.size, nil
	}
	return 0, 0, formatErr(ErrMalformed, -1, "RVA 0x%x is in no section and past the end of the file (%d bytes)", rva, rd.size)
}
