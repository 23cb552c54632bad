package facts

import "testing"

// TestShareTypeOf: Windows' STYPE values as the registry and Win32_Share
// give them, and back.
func TestShareTypeOf(t *testing.T) {
	for _, c := range []struct {
		stype   uint32
		typ     ShareType
		special bool
	}{
		{0, ShareDisk, false},
		{0x80000000, ShareDisk, true}, // C$, ADMIN$
		{1, SharePrinter, false},
		{2, ShareDevice, false},
		{3, ShareIPC, false},
		{0x80000003, ShareIPC, true},   // IPC$
		{0x40000000, ShareDisk, false}, // STYPE_TEMPORARY is a modifier
		{0x42, ShareDevice, false},
	} {
		typ, special := ShareTypeOf(c.stype)
		if typ != c.typ || special != c.special {
			t.Errorf("ShareTypeOf(%#x) = %s, %v; want %s, %v", c.stype, typ, special, c.typ, c.special)
		}
		if c.stype&0x7FFFFFFF > 3 {
			continue // not a value STYPE gives back
		}
		if got := typ.STYPE(special); got != c.stype {
			t.Errorf("%s.STYPE(%v) = %#x, want %#x", typ, special, got, c.stype)
		}
	}
}
