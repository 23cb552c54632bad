package pe

import (
	"fmt"
	"unicode/utf16"

	"github.com/patchscan/patchscan/internal/textsafe"
)

const (
	fixedInfoSize      = 52 // VS_FIXEDFILEINFO
	fixedInfoSignature = 0xfeef04bd
	nodeHeaderSize     = 6 // wLength, wValueLength, wType
)

// node is one VS_VERSIONINFO-style block (VS_VERSIONINFO, StringFileInfo,
// StringTable, String, ...): a header, a NUL-terminated UTF-16 key, then,
// each 32-bit aligned, a value and child nodes. Offsets are relative to the
// version resource, as GetFileVersionInfo copies it to an aligned buffer.
type node struct {
	key      string
	valueLen int // wValueLength, in bytes for binary values, in WCHARs for text
	valueOff int // aligned offset just past the key
	end      int // offset just past the node (start + wLength)
}

func align4(n int) int { return (n + 3) &^ 3 }

// parseNode parses the node at off in b, whose wLength must fit within limit.
func parseNode(b []byte, off, limit int) (node, error) {
	if off+nodeHeaderSize > limit {
		return node{}, fmt.Errorf("block at offset %d: header runs past its parent (ends at %d)", off, limit)
	}
	length := int(u16(b, off))
	if length < nodeHeaderSize+2 {
		return node{}, fmt.Errorf("block at offset %d: length %d is too short for a header and key (does not fit a block)", off, length)
	}
	if off+length > limit {
		return node{}, fmt.Errorf("block at offset %d: length %d does not fit in its parent (%d bytes left)", off, length, limit-off)
	}
	n := node{valueLen: int(u16(b, off+2)), end: off + length}
	units := make([]uint16, 0, 16)
	p := off + nodeHeaderSize
	for {
		if p+2 > n.end {
			return node{}, fmt.Errorf("block at offset %d: key has no terminating NUL", off)
		}
		c := u16(b, p)
		p += 2
		if c == 0 {
			break
		}
		units = append(units, c)
	}
	n.key = string(utf16.Decode(units))
	n.valueOff = min(align4(p), n.end)
	return n, nil
}

// children calls fn for each child node in [from, n.end), stopping at the
// first malformed one or when fn returns false. A child that cannot be
// parsed ends the walk without an error: children carry only the report
// string, and the fixed file info already read is what detection needs.
func children(b []byte, from int, parent node, fn func(node) bool) {
	for off := align4(from); off < parent.end; {
		c, err := parseNode(b, off, parent.end)
		if err != nil || !fn(c) {
			return
		}
		off = align4(c.end) // c.end > off: wLength >= 8 was checked
	}
}

// parseVersionInfo decodes a VS_VERSIONINFO block into info.
func parseVersionInfo(b []byte, fileOff int64, info *Info) error {
	root, err := parseNode(b, 0, len(b))
	if err != nil {
		return formatErr(ErrMalformed, fileOff, "VS_VERSIONINFO: %v", err)
	}
	if root.key != "VS_VERSION_INFO" {
		return formatErr(ErrMalformed, fileOff, "version resource key is %q, not VS_VERSION_INFO", textsafe.Line(root.key, maxQuoted))
	}
	if root.valueLen < fixedInfoSize || root.valueOff+fixedInfoSize > root.end {
		return formatErr(ErrNoVersion, fileOff, "version resource has no VS_FIXEDFILEINFO (value length %d)", root.valueLen)
	}
	fi := b[root.valueOff : root.valueOff+fixedInfoSize]
	if sig := u32(fi, 0); sig != fixedInfoSignature {
		return formatErr(ErrMalformed, fileOff+int64(root.valueOff), "VS_FIXEDFILEINFO signature is 0x%08x, not 0x%08x", sig, uint32(fixedInfoSignature))
	}
	info.HasVersion = true
	info.FileVersion = dotted(u32(fi, 8), u32(fi, 12))
	info.ProductVersion = dotted(u32(fi, 16), u32(fi, 20))

	// StringFileInfo -> first StringTable -> "FileVersion".
	children(b, root.valueOff+root.valueLen, root, func(sfi node) bool {
		if sfi.key != "StringFileInfo" {
			return true
		}
		children(b, sfi.valueOff, sfi, func(table node) bool {
			children(b, table.valueOff, table, func(s node) bool {
				if s.key == "FileVersion" {
					info.StringFileVersion = utf16String(b[s.valueOff:s.end])
					return false
				}
				return true
			})
			return false // only the first string table
		})
		return false
	})
	return nil
}

// dotted formats a VS_FIXEDFILEINFO version pair as "a.b.c.d".
func dotted(ms, ls uint32) string {
	return fmt.Sprintf("%d.%d.%d.%d", ms>>16, ms&0xffff, ls>>16, ls&0xffff)
}

// utf16String decodes little-endian UTF-16 up to the first NUL.
func utf16String(b []byte) string {
	units := make([]uint16, 0, len(b)/2)
	for i := 0; i+2 <= len(b); i += 2 {
		c := u16(b, i)
		if c == 0 {
			break
		}
		units = append(units, c)
	}
	return string(utf16.Decode(units))
}

// maxQuoted bounds, in runes, file text quoted in an error.
const maxQuoted = 64
