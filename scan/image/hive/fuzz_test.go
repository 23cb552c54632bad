package hive

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/patchscan/patchscan/internal/imagelab"
)

// FuzzOpen feeds arbitrary bytes as a hive and walks whatever opens: every
// key once (up to a bound), the data of its first values. Any outcome but
// a corrupt-hive error or success (a panic, a hang, another error, value
// data larger than the input) is a failure. The seeds are the first hive
// bin of the real SAM and SECURITY hives (testdata/hives): small, since
// the fuzzer minimizes every new input and a 256 KB one takes it minutes
// (it reports "0/sec" meanwhile).
func FuzzOpen(f *testing.F) {
	for _, name := range []string{"SECURITY", "SAM"} {
		if b, err := imagelab.RealHive(name); err == nil {
			f.Add(firstBin(b))
		}
	}
	f.Add([]byte("regf"))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := Open(bytes.NewReader(data), int64(len(data)), "fuzz hive", Options{})
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Open: %v is not a corrupt-hive error", err)
			}
			return
		}
		budget := 2000
		fuzzWalk(t, h.Root(), &budget, map[uint32]bool{}, len(data))
		if _, _, err := h.OpenKey(`SAM\Domains\Account\Users`); err != nil && !errors.Is(err, ErrCorrupt) {
			t.Fatal(err)
		}
	})
}

// fuzzWalk visits each key once: a hostile hive may list a key under
// itself, and walking it again would only repeat work.
func fuzzWalk(t *testing.T, k Key, budget *int, seen map[uint32]bool, size int) {
	if *budget--; *budget < 0 || seen[k.off] {
		return
	}
	seen[k.off] = true
	if _, err := k.Name(); err != nil && !errors.Is(err, ErrCorrupt) {
		t.Fatal(err)
	}
	names, err := k.ValueNames()
	if err != nil && !errors.Is(err, ErrCorrupt) {
		t.Fatal(err)
	}
	for i, n := range names {
		if i == 64 {
			break // Value is linear in the list: reading all would be quadratic
		}
		v, _, err := k.Value(n)
		if err != nil && !errors.Is(err, ErrCorrupt) {
			t.Fatal(err)
		}
		if len(v.Data) > size {
			t.Fatalf("value %q of %d bytes from a %d-byte hive", n, len(v.Data), size)
		}
	}
	subs, err := k.Subkeys()
	if err != nil && !errors.Is(err, ErrCorrupt) {
		t.Fatal(err)
	}
	for _, s := range subs {
		fuzzWalk(t, s, budget, seen, size)
	}
}

// firstBin cuts a hive to its header and first 4 KiB hive bin, with the
// header's size and checksum made to agree.
func firstBin(b []byte) []byte {
	out := bytes.Clone(b[:2*baseBlockSize])
	binary.LittleEndian.PutUint32(out[0x28:], pageSize)
	binary.LittleEndian.PutUint32(out[0x1fc:], headerChecksum(out))
	return out
}
