package hive

import (
	"encoding/binary"
	"unicode/utf16"

	"www.velocidex.com/golang/regparser"
)

// Every structure of a hive lives in a cell: a 4-byte size (negative when
// allocated) and the payload. Offsets inside the hive are relative to the
// first hive bin, which starts right after the 4 KiB base block.

type cell struct {
	pos  int64  // file offset of the payload
	size uint32 // payload bytes
}

// cell validates the cell at hive offset off before anything reads it: in
// the hive's data, allocated, and wholly inside the data.
func (h *Hive) cell(off uint32, what string) (cell, error) {
	if off == noCell {
		return cell{}, h.corrupt(-1, "a %s is referenced but has no cell", what)
	}
	pos := baseBlockSize + int64(off)
	if uint64(off)+8 > uint64(h.binsLen) {
		return cell{}, h.corrupt(-1, "%s cell offset %#x lies outside the hive's %d bytes of data", what, off, h.binsLen)
	}
	raw := int32(h.prof.HCELL(h.r, pos).Next())
	if raw >= 0 {
		return cell{}, h.corrupt(pos, "%s cell is not allocated (a freed cell: the hive is damaged)", what)
	}
	n := uint32(-int64(raw))
	if n < 8 || uint64(off)+uint64(n) > uint64(h.binsLen) {
		return cell{}, h.corrupt(pos, "%s cell of %d bytes runs past the end of the hive's data", what, n)
	}
	return cell{pos: pos + 4, size: n - 4}, nil
}

// Key node ("nk") layout: fixed part of 76 bytes, then the name.
const (
	nkFixed       = 0x4c
	nkCompName    = 0x20 // KEY_COMP_NAME: the name is Latin-1, one byte a character
	vkFixed       = 0x14
	vkCompName    = 0x1 // VALUE_COMP_NAME
	bigDataChunk  = 16344
	bigDataMinVer = 4 // "db" records exist from format 1.4
)

type keyNode struct {
	c    cell
	node *regparser.CM_KEY_NODE
}

func (h *Hive) keyNode(off uint32) (keyNode, error) {
	c, err := h.cell(off, "key")
	if err != nil {
		return keyNode{}, err
	}
	if c.size < nkFixed {
		return keyNode{}, h.corrupt(c.pos, "key cell of %d bytes is too small for a key node", c.size)
	}
	node := h.prof.CM_KEY_NODE(h.r, c.pos)
	if node.Signature() != sigNK {
		return keyNode{}, h.corrupt(c.pos, "expected a key node (nk), found %q", sig2(node.Signature()))
	}
	if nkFixed+uint32(node.NameLength()) > c.size {
		return keyNode{}, h.corrupt(c.pos, "key name of %d bytes overruns its %d-byte cell", node.NameLength(), c.size)
	}
	return keyNode{c: c, node: node}, nil
}

func (h *Hive) keyName(k keyNode) (string, error) {
	return h.name16(k.c.pos+nkFixed, int(k.node.NameLength()), k.node.Flags()&nkCompName != 0)
}

type valueNode struct {
	c    cell
	node *regparser.CM_KEY_VALUE
}

func (h *Hive) valueNode(off uint32) (valueNode, error) {
	c, err := h.cell(off, "value")
	if err != nil {
		return valueNode{}, err
	}
	if c.size < vkFixed {
		return valueNode{}, h.corrupt(c.pos, "value cell of %d bytes is too small for a value node", c.size)
	}
	node := h.prof.CM_KEY_VALUE(h.r, c.pos)
	if node.Signature() != sigVK {
		return valueNode{}, h.corrupt(c.pos, "expected a value node (vk), found %q", sig2(node.Signature()))
	}
	if vkFixed+uint32(node.NameLength()) > c.size {
		return valueNode{}, h.corrupt(c.pos, "value name of %d bytes overruns its %d-byte cell", node.NameLength(), c.size)
	}
	return valueNode{c: c, node: node}, nil
}

func (h *Hive) valueName(v valueNode) (string, error) {
	return h.name16(v.c.pos+vkFixed, int(v.node.NameLength()), v.node.Flags()&vkCompName != 0)
}

// name16 decodes a key or value name: Latin-1 when compressed, else
// UTF-16LE. Lengths are uint16, so at most 64 KiB is read.
func (h *Hive) name16(pos int64, n int, latin1 bool) (string, error) {
	b := make([]byte, n)
	if _, err := h.r.ReadAt(b, pos); err != nil {
		return "", h.corrupt(pos, "cannot read a name: %v", err)
	}
	if latin1 {
		r := make([]rune, n)
		for i, c := range b {
			r[i] = rune(c)
		}
		return string(r), nil
	}
	u := make([]uint16, n/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u)), nil
}

// valueData returns a value's data, following the three layouts: inline in
// the value node (4 bytes or less), one data cell, or a big-data ("db")
// list of segments.
func (h *Hive) valueData(v valueNode) ([]byte, error) {
	dl := v.node.DataLength()
	if dl&0x80000000 != 0 {
		n := dl &^ 0x80000000
		if n > 4 {
			return nil, h.corrupt(v.c.pos, "value data of %d bytes is marked as stored in the 4-byte value node", n)
		}
		b := make([]byte, 4)
		if _, err := h.r.ReadAt(b, v.c.pos+8); err != nil {
			return nil, h.corrupt(v.c.pos, "cannot read inline value data: %v", err)
		}
		return b[:n], nil
	}
	if dl == 0 {
		return []byte{}, nil
	}
	if dl > MaxValueSize {
		return nil, h.corrupt(v.c.pos, "value data of %d bytes is larger than the %d bytes patchscan reads", dl, MaxValueSize)
	}
	if dl > h.binsLen {
		return nil, h.corrupt(v.c.pos, "value data of %d bytes is larger than the hive's %d bytes of data", dl, h.binsLen)
	}
	c, err := h.cell(v.node.Data(), "value data")
	if err != nil {
		return nil, err
	}
	if dl > bigDataChunk && h.minor >= bigDataMinVer && c.size >= 8 && h.prof.CM_BIG_DATA(h.r, c.pos).Signature() == sigDB {
		return h.bigData(c, dl)
	}
	if dl > c.size {
		return nil, h.corrupt(c.pos, "value data of %d bytes does not fit its %d-byte cell", dl, c.size)
	}
	b := make([]byte, dl)
	if _, err := h.r.ReadAt(b, c.pos); err != nil {
		return nil, h.corrupt(c.pos, "cannot read value data: %v", err)
	}
	return b, nil
}

// bigData gathers a value stored as segments of up to 16344 bytes.
func (h *Hive) bigData(c cell, dl uint32) ([]byte, error) {
	db := h.prof.CM_BIG_DATA(h.r, c.pos)
	count := uint32(db.Count())
	need := (dl + bigDataChunk - 1) / bigDataChunk
	if count < need {
		return nil, h.corrupt(c.pos, "big value of %d bytes has %d segments, it needs %d", dl, count, need)
	}
	list, err := h.cell(db.List(), "big data segment list")
	if err != nil {
		return nil, err
	}
	if 4*need > list.size {
		return nil, h.corrupt(list.pos, "big data segment list of %d bytes cannot hold %d segments", list.size, need)
	}
	offs := make([]byte, 4*need)
	if _, err := h.r.ReadAt(offs, list.pos); err != nil {
		return nil, h.corrupt(list.pos, "cannot read a segment list: %v", err)
	}
	out := make([]byte, 0, dl)
	for i := uint32(0); i < need; i++ {
		seg, err := h.cell(binary.LittleEndian.Uint32(offs[4*i:]), "big data segment")
		if err != nil {
			return nil, err
		}
		n := min(dl-uint32(len(out)), bigDataChunk)
		if seg.size < n {
			return nil, h.corrupt(seg.pos, "big data segment of %d bytes is shorter than the %d it must hold", seg.size, n)
		}
		start := len(out)
		out = out[:start+int(n)]
		if _, err := h.r.ReadAt(out[start:], seg.pos); err != nil {
			return nil, h.corrupt(seg.pos, "cannot read a big data segment: %v", err)
		}
	}
	return out, nil
}

func sig2(s uint16) string { return string([]byte{byte(s), byte(s >> 8)}) }
