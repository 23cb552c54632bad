package hive

import (
	"encoding/binary"
	"strings"
)

// Key is a key of an open hive.
type Key struct {
	h   *Hive
	off uint32
}

// Value is one registry value as stored: Windows' REG_* type number and
// the raw data (strings are UTF-16LE).
type Value struct {
	Name string
	Type uint32
	Data []byte
}

// Root is the hive's root key (HKLM\SOFTWARE itself for the SOFTWARE hive).
func (h *Hive) Root() Key { return Key{h: h, off: h.root} }

// OpenKey finds a key by its path under the root ("Microsoft\Windows NT\
// CurrentVersion"), comparing names without regard to case. A missing key
// is ok == false with a nil error; an error means the hive is damaged.
func (h *Hive) OpenKey(path string) (Key, bool, error) { return h.Root().OpenKey(path) }

// OpenKey finds a key by its path under k.
func (k Key) OpenKey(path string) (Key, bool, error) {
	parts := strings.Split(path, `\`)
	if len(parts) > MaxDepth {
		return Key{}, false, nil // deeper than Windows allows: cannot exist
	}
	budget := k.h.lookupBudget()
	cur := k
	for _, p := range parts {
		if p == "" {
			continue
		}
		next, ok, err := cur.child(p, &budget)
		if err != nil || !ok {
			return Key{}, false, err
		}
		cur = next
	}
	return cur, true, nil
}

// Name is the key's own name (the root key's name is what Windows gave it
// when the hive was created, e.g. "ROOT" or "CMI-CreateHive{...}").
func (k Key) Name() (string, error) {
	nk, err := k.h.keyNode(k.off)
	if err != nil {
		return "", err
	}
	return k.h.keyName(nk)
}

// child finds the subkey called name.
func (k Key) child(name string, budget *int) (Key, bool, error) {
	var found Key
	ok := false
	ascii := isASCII(name)
	err := k.eachSubkey(budget, func(off uint32, nk keyNode) (bool, error) {
		if ascii && !lengthFits(nk, len(name)) {
			return false, nil // cannot be equal: skip reading the name
		}
		n, err := k.h.keyName(nk)
		if err != nil {
			return false, err
		}
		if strings.EqualFold(n, name) {
			found, ok = Key{h: k.h, off: off}, true
			return true, nil
		}
		return false, nil
	})
	return found, ok, err
}

// lengthFits reports whether a key name stored in nk can equal an ASCII
// name of n characters: n bytes when stored compressed, 2n as UTF-16.
// Windows compares names by upcasing both (no Unicode folding that maps
// a non-ASCII character onto an ASCII one), so the lengths must agree.
func lengthFits(nk keyNode, n int) bool {
	l := int(nk.node.NameLength())
	if nk.node.Flags()&nkCompName != 0 {
		return l == n
	}
	return l == 2*n
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// Subkeys lists k's subkeys, in the hive's order.
func (k Key) Subkeys() ([]Key, error) {
	budget := k.h.lookupBudget()
	var keys []Key
	err := k.eachSubkey(&budget, func(off uint32, _ keyNode) (bool, error) {
		keys = append(keys, Key{h: k.h, off: off})
		return false, nil
	})
	return keys, err
}

// eachSubkey calls fn for every subkey of k until fn returns true.
func (k Key) eachSubkey(budget *int, fn func(off uint32, nk keyNode) (bool, error)) error {
	nk, err := k.h.keyNode(k.off)
	if err != nil {
		return err
	}
	if nk.node.SubKeyCounts()[0] == 0 {
		return nil
	}
	_, err = k.h.eachInList(nk.node.SubKeyLists()[0], true, budget, func(off uint32) (bool, error) {
		child, err := k.h.keyNode(off)
		if err != nil {
			return false, err
		}
		return fn(off, child)
	})
	return err
}

// eachInList walks a subkey index: "lf"/"lh" (offset + hash hint), "li"
// (offsets) or "ri" (a list of those lists; Windows nests only one level,
// so an "ri" inside an "ri" is refused: that is how a cycle would start).
func (h *Hive) eachInList(off uint32, allowRI bool, budget *int, fn func(uint32) (bool, error)) (bool, error) {
	c, err := h.cell(off, "subkey list")
	if err != nil {
		return false, err
	}
	if c.size < 4 {
		return false, h.corrupt(c.pos, "subkey list cell of %d bytes is too small", c.size)
	}
	idx := h.prof.CM_KEY_INDEX(h.r, c.pos)
	sig, count := idx.Signature(), uint32(idx.Count())
	stride := uint32(4)
	switch {
	case sig == sigLF || sig == sigLH:
		stride = 8
	case sig == sigLI:
	case sig == sigRI && allowRI:
	case sig == sigRI:
		return false, h.corrupt(c.pos, "an ri subkey index inside another ri index (Windows nests one level)")
	default:
		return false, h.corrupt(c.pos, "expected a subkey list (lf, lh, li or ri), found %q", sig2(sig))
	}
	if 4+count*stride > c.size {
		return false, h.corrupt(c.pos, "subkey list of %d entries does not fit its %d-byte cell", count, c.size)
	}
	entries := make([]byte, count*stride)
	if _, err := h.r.ReadAt(entries, c.pos+4); err != nil {
		return false, h.corrupt(c.pos, "cannot read a subkey list: %v", err)
	}
	for i := uint32(0); i < count; i++ {
		if *budget--; *budget < 0 {
			return false, h.corrupt(c.pos, "a lookup visited more keys than the hive can hold: its subkey lists loop or repeat")
		}
		e := binary.LittleEndian.Uint32(entries[i*stride:])
		var stop bool
		if sig == sigRI {
			stop, err = h.eachInList(e, false, budget, fn)
		} else {
			stop, err = fn(e)
		}
		if err != nil || stop {
			return stop, err
		}
	}
	return false, nil
}

// lookupBudget is how many subkey-list entries one call may visit: no
// more than the hive could hold distinct keys (a key node takes at least
// 80 bytes), so lists that repeat entries cost no more than a hive of that
// size full of keys, and never more than maxCellsPerLookup.
func (h *Hive) lookupBudget() int {
	return int(min(uint32(maxCellsPerLookup), h.binsLen/(nkFixed+4)+16))
}

// Value reads the value called name ("" is the key's default value),
// comparing names without regard to case.
func (k Key) Value(name string) (Value, bool, error) {
	var found Value
	ok := false
	err := k.eachValue(func(v valueNode, n string) (bool, error) {
		if !strings.EqualFold(n, name) {
			return false, nil
		}
		data, err := k.h.valueData(v)
		if err != nil {
			return false, err
		}
		found, ok = Value{Name: n, Type: v.node.Type(), Data: data}, true
		return true, nil
	})
	return found, ok, err
}

// ValueNames lists the names of k's values, in the hive's order.
func (k Key) ValueNames() ([]string, error) {
	var names []string
	err := k.eachValue(func(_ valueNode, n string) (bool, error) {
		names = append(names, n)
		return false, nil
	})
	return names, err
}

func (k Key) eachValue(fn func(v valueNode, name string) (bool, error)) error {
	nk, err := k.h.keyNode(k.off)
	if err != nil {
		return err
	}
	vl := nk.node.ValueList()
	count := vl.Count()
	if count == 0 {
		return nil
	}
	c, err := k.h.cell(vl.List(), "value list")
	if err != nil {
		return err
	}
	if uint64(count)*4 > uint64(c.size) || count > k.h.binsLen/(vkFixed+4) {
		return k.h.corrupt(c.pos, "value list of %d entries does not fit its %d-byte cell", count, c.size)
	}
	offs := make([]byte, 4*count)
	if _, err := k.h.r.ReadAt(offs, c.pos); err != nil {
		return k.h.corrupt(c.pos, "cannot read a value list: %v", err)
	}
	for i := uint32(0); i < count; i++ {
		v, err := k.h.valueNode(binary.LittleEndian.Uint32(offs[4*i:]))
		if err != nil {
			return err
		}
		n, err := k.h.valueName(v)
		if err != nil {
			return err
		}
		if stop, err := fn(v, n); err != nil || stop {
			return err
		}
	}
	return nil
}
