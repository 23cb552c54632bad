// Package hive reads Windows registry hive files (the regf format of
// Windows\System32\config\SOFTWARE, SYSTEM, SAM, SECURITY) from an
// io.ReaderAt, lazily: opening a hive reads its 4 KiB header, and each
// lookup reads only the cells on its path, through a bounded page cache.
// Memory stays a few MiB whatever the hive's size.
//
// The structures are decoded with www.velocidex.com/golang/regparser (the
// parser Velociraptor uses; its struct layouts come from Microsoft's
// symbols). Its own walkers (OpenKey, Subkeys, Values, ValueData) are not
// used, because a hive is outside data and they trust it: an "ri" index
// that lists itself recurses until the stack overflows (fatal in Go, no
// recover can catch it), value data is read one byte per ReadAt for as
// long as the hive says, counts up to 2^32 size allocations, and key and
// value names stored as UTF-16 (any name with a character beyond Latin-1)
// come back as raw bytes. This package walks the tree itself and checks
// every offset, size and count against the hive before following it:
// hostile input ends in a *CorruptError, never a panic, a hang or an
// allocation larger than the hive allows (value data is capped at
// MaxValueSize).
//
// Lookups are case-insensitive, as on Windows. Dirty hives (a header whose
// two sequence numbers differ: Windows had not finished writing it) are
// read as they are; Dirty reports it so the caller can warn. Transaction
// logs (.LOG1/.LOG2) are not replayed.
package hive

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"www.velocidex.com/golang/regparser"
)

// Limits on what a hive may make the reader do.
const (
	// MaxValueSize caps one value's data. Windows documents 1 MB as the
	// practical limit of a value; 16 MiB leaves room for odd real ones.
	MaxValueSize = 16 << 20
	// MaxDepth is Windows' limit on key nesting.
	MaxDepth = 512
	// maxCellsPerLookup bounds the cells one call may visit, so a hive
	// whose lists repeat the same entries millions of times costs a
	// bounded time, not hours.
	maxCellsPerLookup = 1 << 21
)

const (
	baseBlockSize = 4096
	regfSignature = 0x66676572 // "regf"
	hbinSignature = 0x6e696268 // "hbin"
	sigNK         = 0x6b6e     // "nk"
	sigVK         = 0x6b76     // "vk"
	sigLF         = 0x666c     // "lf"
	sigLH         = 0x686c     // "lh"
	sigLI         = 0x696c     // "li"
	sigRI         = 0x6972     // "ri"
	sigDB         = 0x6264     // "db"
	noCell        = 0xffffffff
)

// ErrCorrupt is matched (errors.Is) by every error about the hive's
// content: a damaged, truncated or hostile file.
var ErrCorrupt = errors.New("corrupt registry hive")

// CorruptError says what is wrong with a hive and where.
type CorruptError struct {
	Hive   string // the name given to Open
	Offset int64  // file offset of the faulty structure; -1 when none applies
	What   string
}

func (e *CorruptError) Error() string {
	if e.Offset < 0 {
		return fmt.Sprintf("%s: %s", e.Hive, e.What)
	}
	return fmt.Sprintf("%s: %s (at file offset %#x)", e.Hive, e.What, e.Offset)
}

func (e *CorruptError) Is(target error) bool { return target == ErrCorrupt }

// Hive is an open registry hive. Its methods may be called concurrently.
type Hive struct {
	name    string
	r       *pageCache
	prof    *regparser.RegistryProfile
	binsLen uint32 // bytes of hive bins after the base block
	minor   uint32
	root    uint32
	seq1    uint32
	seq2    uint32
}

// Options tune Open.
type Options struct {
	// CachePages bounds the page cache (pages of 4 KiB); 0 means
	// DefaultCachePages.
	CachePages int
}

// Open checks a hive's header and returns the hive ready for lookups. name
// is used in errors ("SOFTWARE hive"). size is the file's size. A file that
// is not a hive, is truncated, or whose header is damaged gives a
// *CorruptError saying which.
func Open(r io.ReaderAt, size int64, name string, opts Options) (*Hive, error) {
	h := &Hive{name: name, prof: regparser.NewRegistryProfile()}
	if size < baseBlockSize+32 {
		return nil, h.corrupt(-1, "truncated: the file has %d bytes, a hive has at least %d", size, baseBlockSize+32)
	}
	h.r = newPageCache(r, size, opts.CachePages)
	head := make([]byte, 512)
	if _, err := h.r.ReadAt(head, 0); err != nil {
		return nil, fmt.Errorf("%s: read the header: %w", name, err)
	}
	if binary.LittleEndian.Uint32(head) != regfSignature {
		return nil, h.corrupt(0, "not a registry hive (no regf signature)")
	}
	if got, want := binary.LittleEndian.Uint32(head[0x1fc:]), headerChecksum(head); got != want {
		return nil, h.corrupt(0x1fc, "damaged header: checksum %#x, the header's bytes give %#x", got, want)
	}
	base := h.prof.HBASE_BLOCK(h.r, 0)
	if base.Major() != 1 || base.Minor() < 1 || base.Minor() > 6 {
		return nil, h.corrupt(0x14, "unsupported hive format version %d.%d", base.Major(), base.Minor())
	}
	if t := base.Type(); t != 0 {
		return nil, h.corrupt(0x1c, "file type %d: a transaction log or an alternate file, not a primary hive", t)
	}
	h.minor, h.seq1, h.seq2 = base.Minor(), base.Sequence1(), base.Sequence2()
	h.binsLen, h.root = base.Length(), base.RootCell()
	switch {
	case h.binsLen == 0 || h.binsLen%pageSize != 0:
		return nil, h.corrupt(0x28, "damaged header: hive bins size %d is not a positive multiple of 4096", h.binsLen)
	case int64(h.binsLen) > size-baseBlockSize:
		return nil, h.corrupt(-1, "truncated: the header says %d bytes of hive bins follow it, the file has %d", h.binsLen, size-baseBlockSize)
	}
	if sig := readU32(h.r, baseBlockSize); sig != hbinSignature {
		return nil, h.corrupt(baseBlockSize, "no hive bin where the data should start")
	}
	if _, err := h.keyNode(h.root); err != nil {
		return nil, err
	}
	return h, nil
}

// Name is the name the hive was opened with.
func (h *Hive) Name() string { return h.name }

// Dirty reports that the hive's header sequence numbers differ: Windows
// was writing the hive when the file was taken, and changes held in its
// transaction logs may be missing.
func (h *Hive) Dirty() bool { return h.seq1 != h.seq2 }

// Sequences are the header's primary and secondary sequence numbers.
func (h *Hive) Sequences() (primary, secondary uint32) { return h.seq1, h.seq2 }

// FileReads is how many 4 KiB pages were read from the file so far.
func (h *Hive) FileReads() int {
	h.r.mu.Lock()
	defer h.r.mu.Unlock()
	return h.r.reads
}

// headerChecksum is the XOR of the header's first 127 dwords, with 0 and
// -1 mapped as Windows does.
func headerChecksum(head []byte) uint32 {
	var x uint32
	for i := 0; i < 0x1fc; i += 4 {
		x ^= binary.LittleEndian.Uint32(head[i:])
	}
	switch x {
	case 0:
		return 1
	case 0xffffffff:
		return 0xfffffffe
	}
	return x
}

func (h *Hive) corrupt(off int64, format string, args ...any) error {
	return &CorruptError{Hive: h.name, Offset: off, What: fmt.Sprintf(format, args...)}
}

func readU32(r io.ReaderAt, off int64) uint32 {
	var b [4]byte
	if n, _ := r.ReadAt(b[:], off); n < 4 {
		return 0
	}
	return binary.LittleEndian.Uint32(b[:])
}
