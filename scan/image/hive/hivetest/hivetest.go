// Package hivetest writes synthetic registry hives for benchmarks: hives
// far larger than hivex can build in reasonable time (its merge takes
// minutes for 50,000 keys and refuses more), laid out as Windows lays
// them out (nk, vk, lh, ri, value lists, data cells) in one hive bin.
//
// It is a writer for tests, not a mirror of the reader: it shares no code
// with scan/image/hive, and what it writes is checked by that package's
// reader only in benchmarks; the reader's correctness is established
// against hivex on real hives.
package hivetest

import (
	"encoding/binary"
	"os"
	"unicode/utf16"
)

// Key is a key to write.
type Key struct {
	Name    string
	Values  []Value
	Subkeys []*Key
}

// Value is a value to write; Type is Windows' REG_* number.
type Value struct {
	Name string
	Type uint32
	Data []byte
}

// SZ is a REG_SZ value.
func SZ(name, s string) Value {
	var b []byte
	for _, c := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, c)
	}
	return Value{Name: name, Type: 1, Data: append(b, 0, 0)}
}

// DWORD is a REG_DWORD value.
func DWORD(name string, n uint32) Value {
	return Value{Name: name, Type: 4, Data: binary.LittleEndian.AppendUint32(nil, n)}
}

// Child returns k's subkey called name, adding it when missing.
func (k *Key) Child(name string) *Key {
	for _, s := range k.Subkeys {
		if s.Name == name {
			return s
		}
	}
	c := &Key{Name: name}
	k.Subkeys = append(k.Subkeys, c)
	return c
}

// Path returns the key at a `\`-separated path under k, adding what is
// missing.
func (k *Key) Path(parts ...string) *Key {
	for _, p := range parts {
		k = k.Child(p)
	}
	return k
}

type writer struct{ bins []byte }

// alloc reserves an allocated cell for n payload bytes and returns its
// offset (relative to the first hive bin).
func (w *writer) alloc(n int) uint32 {
	size := (n + 4 + 7) &^ 7
	off := len(w.bins)
	w.bins = append(w.bins, make([]byte, size)...)
	binary.LittleEndian.PutUint32(w.bins[off:], uint32(-int32(size)))
	return uint32(off)
}

func (w *writer) payload(off uint32) []byte { return w.bins[off+4:] }

const noCell = 0xffffffff

// maxLH is how many entries one lh list holds before an ri splits them.
const maxLH = 1000

// WriteFile writes root as a hive to path. pad extends the hive's data
// with a sparse region the tree never references, to make a hive of any
// size without writing it.
func WriteFile(path string, root *Key, pad int64) error {
	w := &writer{bins: make([]byte, 32)} // the hive bin header
	rootOff := w.key(root, noCell, true)
	binsLen := (int64(len(w.bins)) + pad + 4095) &^ 4095
	copy(w.bins, "hbin")
	binary.LittleEndian.PutUint32(w.bins[8:], uint32(binsLen))
	head := make([]byte, 4096)
	copy(head, "regf")
	binary.LittleEndian.PutUint32(head[4:], 1)
	binary.LittleEndian.PutUint32(head[8:], 1)
	binary.LittleEndian.PutUint32(head[0x14:], 1)
	binary.LittleEndian.PutUint32(head[0x18:], 5)
	binary.LittleEndian.PutUint32(head[0x20:], 1)
	binary.LittleEndian.PutUint32(head[0x24:], rootOff)
	binary.LittleEndian.PutUint32(head[0x28:], uint32(binsLen))
	binary.LittleEndian.PutUint32(head[0x2c:], 1)
	var x uint32
	for i := 0; i < 0x1fc; i += 4 {
		x ^= binary.LittleEndian.Uint32(head[i:])
	}
	binary.LittleEndian.PutUint32(head[0x1fc:], x)
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := f.Write(head); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(w.bins); err != nil {
		f.Close()
		return err
	}
	if err := f.Truncate(4096 + binsLen); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// key writes k and everything under it; returns its cell offset.
func (w *writer) key(k *Key, parent uint32, isRoot bool) uint32 {
	name := []byte(k.Name) // the writer's names are ASCII: stored compressed
	off := w.alloc(0x4c + len(name))
	flags := uint16(0x20)
	if isRoot {
		flags |= 0x0c
	}
	subs := make([]uint32, len(k.Subkeys))
	for i, s := range k.Subkeys {
		subs[i] = w.key(s, off, false)
	}
	list := uint32(noCell)
	if len(subs) > 0 {
		list = w.subkeyList(subs)
	}
	vlist := uint32(noCell)
	if len(k.Values) > 0 {
		vlist = w.alloc(4 * len(k.Values))
		for i, v := range k.Values {
			vo := w.value(v) // first: it may move w.bins
			binary.LittleEndian.PutUint32(w.payload(vlist)[4*i:], vo)
		}
	}
	p := w.payload(off)
	copy(p, "nk")
	binary.LittleEndian.PutUint16(p[2:], flags)
	binary.LittleEndian.PutUint32(p[0x10:], parent)
	binary.LittleEndian.PutUint32(p[0x14:], uint32(len(subs)))
	binary.LittleEndian.PutUint32(p[0x1c:], list)
	binary.LittleEndian.PutUint32(p[0x20:], noCell)
	binary.LittleEndian.PutUint32(p[0x24:], uint32(len(k.Values)))
	binary.LittleEndian.PutUint32(p[0x28:], vlist)
	binary.LittleEndian.PutUint32(p[0x2c:], noCell)
	binary.LittleEndian.PutUint32(p[0x30:], noCell)
	binary.LittleEndian.PutUint16(p[0x48:], uint16(len(name)))
	copy(p[0x4c:], name)
	return off
}

func (w *writer) subkeyList(subs []uint32) uint32 {
	if len(subs) <= maxLH {
		return w.lh(subs)
	}
	var lists []uint32
	for i := 0; i < len(subs); i += maxLH {
		lists = append(lists, w.lh(subs[i:min(i+maxLH, len(subs))]))
	}
	ri := w.alloc(4 + 4*len(lists))
	p := w.payload(ri)
	copy(p, "ri")
	binary.LittleEndian.PutUint16(p[2:], uint16(len(lists)))
	for i, l := range lists {
		binary.LittleEndian.PutUint32(p[4+4*i:], l)
	}
	return ri
}

func (w *writer) lh(subs []uint32) uint32 {
	off := w.alloc(4 + 8*len(subs))
	p := w.payload(off)
	copy(p, "lh")
	binary.LittleEndian.PutUint16(p[2:], uint16(len(subs)))
	for i, s := range subs {
		binary.LittleEndian.PutUint32(p[4+8*i:], s)
	}
	return off
}

func (w *writer) value(v Value) uint32 {
	name := []byte(v.Name)
	off := w.alloc(0x14 + len(name))
	var dataOff uint32
	dl := uint32(len(v.Data))
	if len(v.Data) <= 4 {
		var b [4]byte
		copy(b[:], v.Data)
		dataOff = binary.LittleEndian.Uint32(b[:])
		dl |= 0x80000000
	} else {
		dataOff = w.alloc(len(v.Data))
		copy(w.payload(dataOff), v.Data)
	}
	p := w.payload(off)
	copy(p, "vk")
	binary.LittleEndian.PutUint16(p[2:], uint16(len(name)))
	binary.LittleEndian.PutUint32(p[4:], dl)
	binary.LittleEndian.PutUint32(p[8:], dataOff)
	binary.LittleEndian.PutUint32(p[0xc:], v.Type)
	binary.LittleEndian.PutUint16(p[0x10:], 1)
	copy(p[0x14:], name)
	return off
}
