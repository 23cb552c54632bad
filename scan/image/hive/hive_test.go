package hive

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/internal/imagelab"
)

// realHive writes a real hive of testdata/hives to a temp file.
func realHive(t testing.TB, name string) string {
	t.Helper()
	b, err := imagelab.RealHive(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func openFile(t testing.TB, path string) *Hive {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	h, err := Open(f, st.Size(), filepath.Base(path)+" hive", Options{})
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	return h
}

func needHivex(t *testing.T) {
	t.Helper()
	if err := imagelab.Available(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
}

// walk reads every key and value of the hive into the shape hivex's
// export has.
func walk(t *testing.T, k Key, path string, out map[string]map[string]imagelab.RegValue) {
	t.Helper()
	names, err := k.ValueNames()
	if err != nil {
		t.Fatalf("%s: values: %v", path, err)
	}
	vals := map[string]imagelab.RegValue{}
	for _, n := range names {
		v, ok, err := k.Value(n)
		if err != nil || !ok {
			t.Fatalf("%s: value %q: %v (found %v)", path, n, err, ok)
		}
		vals[n] = imagelab.RegValue{Type: v.Type, Data: v.Data}
	}
	out[path] = vals
	subs, err := k.Subkeys()
	if err != nil {
		t.Fatalf("%s: subkeys: %v", path, err)
	}
	for _, s := range subs {
		name, err := s.Name()
		if err != nil {
			t.Fatal(err)
		}
		p := name
		if path != "" {
			p = path + `\` + name
		}
		walk(t, s, p, out)
	}
}

// TestRealHivesEqualHivex reads every key and value of the real hives
// (Windows 10 1709 SYSTEM: 43,000 keys; SAM; SECURITY) and compares them,
// type and bytes, with what hivex exports.
func TestRealHivesEqualHivex(t *testing.T) {
	needHivex(t)
	for _, name := range []string{"SAM", "SECURITY", "SYSTEM"} {
		t.Run(name, func(t *testing.T) {
			p := realHive(t, name)
			want, err := imagelab.Export(p, `\`)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]map[string]imagelab.RegValue{}
			walk(t, openFile(t, p).Root(), "", got)
			compareTrees(t, got, want)
		})
	}
}

func compareTrees(t *testing.T, got, want map[string]map[string]imagelab.RegValue) {
	t.Helper()
	values := 0
	for key, wv := range want {
		gv, ok := got[key]
		if !ok {
			t.Errorf("key %q: hivex has it, we don't", key)
			continue
		}
		for n, w := range wv {
			values++
			g, ok := gv[n]
			if !ok {
				t.Errorf("%s: value %q: hivex has it, we don't", key, n)
			} else if g.Type != w.Type || !bytes.Equal(g.Data, w.Data) {
				t.Errorf("%s: value %q: type %d %x, hivex %d %x", key, n, g.Type, clip(g.Data), w.Type, clip(w.Data))
			}
		}
		if len(gv) != len(wv) {
			t.Errorf("%s: %d values, hivex %d", key, len(gv), len(wv))
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d keys, hivex %d", len(got), len(want))
	}
	if len(want) == 0 || values == 0 {
		t.Fatalf("hivex exported only %d keys, %d values: nothing compared", len(want), values)
	}
	t.Logf("%d keys and %d values equal hivex's", len(want), values)
}

func clip(b []byte) []byte {
	if len(b) > 32 {
		return b[:32]
	}
	return b
}

// TestMergedContentEqualsHivex merges values of every type, names hivex
// stores as UTF-16, case variants and a value too large for one cell into
// a hive, then checks our reading against hivex's export and lookups that
// ignore case.
func TestMergedContentEqualsHivex(t *testing.T) {
	big := strings.Repeat("0123456789abcdef", 3000) // 48,000 bytes as UTF-16: > 16344
	dir := imagelab.Build(t, imagelab.Spec{Reg: []string{`Windows Registry Editor Version 5.00

[HKEY_LOCAL_MACHINE\SOFTWARE\PatchscanTest\Ключ]
"Président"="naïve €"
"Dword"=dword:deadbeef
"Qword"=hex(b):01,02,03,04,05,06,07,08
"Multi"=hex(7):61,00,00,00,62,00,00,00,00,00
"Expand"=hex(2):25,00,53,00,00,00
"Bin"=hex:00,01,02
"Empty"=""
@="default"

[HKEY_LOCAL_MACHINE\SOFTWARE\PatchscanTest\Big]
"Long"="` + big + `"
`}})
	p := filepath.Join(dir, imagelab.ConfigDir, "SOFTWARE")
	want, err := imagelab.Export(p, `\PatchscanTest`)
	if err != nil {
		t.Fatal(err)
	}
	h := openFile(t, p)
	k, ok, err := h.OpenKey(`patchscantest`)
	if err != nil || !ok {
		t.Fatalf("PatchscanTest: %v %v", ok, err)
	}
	got := map[string]map[string]imagelab.RegValue{}
	walk(t, k, `PatchscanTest`, got)
	compareTrees(t, got, want)

	cases := []struct {
		key, value string
		want       string
	}{
		{`PATCHSCANTEST\ключ`, "président", "naïve €"},
		{`\PatchscanTest\КЛЮЧ\`, "", "default"},
		{`PatchscanTest\Big`, "LONG", big},
	}
	for _, c := range cases {
		k, ok, err := h.OpenKey(c.key)
		if err != nil || !ok {
			t.Fatalf("%s: %v %v", c.key, ok, err)
		}
		v, ok, err := k.Value(c.value)
		if err != nil || !ok {
			t.Fatalf("%s %q: %v %v", c.key, c.value, ok, err)
		}
		if s := utf16z(v.Data); s != c.want {
			t.Errorf("%s %q = %.40q, want %.40q", c.key, c.value, s, c.want)
		}
	}
	for _, missing := range []string{`PatchscanTest\Nope`, `PatchscanTest\Ключ\Deeper`, strings.Repeat(`a\`, MaxDepth+1)} {
		if _, ok, err := h.OpenKey(missing); ok || err != nil {
			t.Errorf("%.40s: found %v, err %v; want not found", missing, ok, err)
		}
	}
}

func utf16z(b []byte) string {
	var r []rune
	for i := 0; i+1 < len(b); i += 2 {
		c := rune(b[i]) | rune(b[i+1])<<8
		if c == 0 {
			break
		}
		r = append(r, c)
	}
	return string(r)
}

// TestOpenRefusesBrokenFiles: each kind of damage gives a CorruptError that
// says what is wrong.
func TestOpenRefusesBrokenFiles(t *testing.T) {
	sam, err := os.ReadFile(realHive(t, "SAM"))
	if err != nil {
		t.Fatal(err)
	}
	patch := func(off int, b ...byte) []byte {
		c := bytes.Clone(sam)
		copy(c[off:], b)
		return c
	}
	fixSum := func(b []byte) []byte {
		sum := headerChecksum(b)
		b[0x1fc], b[0x1fd], b[0x1fe], b[0x1ff] = byte(sum), byte(sum>>8), byte(sum>>16), byte(sum>>24)
		return b
	}
	garbage := bytes.Repeat([]byte("patchscan garbage "), 1000)
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "truncated"},
		{"header only", sam[:4096], "truncated"},
		{"cut short", sam[:0x3000], "truncated: the header says"},
		{"garbage", garbage, "not a registry hive"},
		{"bad checksum", patch(0x30, 'X'), "damaged header: checksum"},
		{"log file", fixSum(patch(0x1c, 2)), "transaction log"},
		{"version 2.0", fixSum(patch(0x14, 2)), "unsupported hive format version 2.3"},
		{"no hbin", patch(0x1000, 'X'), "no hive bin"},
		{"root outside", fixSum(patch(0x24, 0xf0, 0xff, 0xff, 0x7f)), "outside the hive"},
		{"root not a key", fixSum(patch(0x24, 0, 1, 0, 0)), "for a key node"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Open(bytes.NewReader(c.data), int64(len(c.data)), "SAM hive", Options{})
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("err = %v, want a corrupt-hive error", err)
			}
			if !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "SAM hive: ") {
				t.Errorf("err = %q, want it to name the hive and say %q", err, c.want)
			}
		})
	}
}

// TestDirtyRealHive: the real SYSTEM hive was copied while Windows was
// writing it (sequence numbers 4317 and 4316); it is read, and says so.
func TestDirtyRealHive(t *testing.T) {
	h := openFile(t, realHive(t, "SYSTEM"))
	if !h.Dirty() {
		t.Fatal("the real SYSTEM hive is dirty, Dirty() says clean")
	}
	if p, s := h.Sequences(); p != 4317 || s != 4316 {
		t.Errorf("sequences %d/%d, want 4317/4316", p, s)
	}
	if openFile(t, realHive(t, "SAM")).Dirty() {
		t.Error("the real SAM hive is clean, Dirty() says dirty")
	}
}

// TestLazyReads: a lookup in the 15 MB SYSTEM hive reads a few pages, not
// the file.
func TestLazyReads(t *testing.T) {
	h := openFile(t, realHive(t, "SYSTEM"))
	k, ok, err := h.OpenKey(`ControlSet001\Control\ComputerName\ComputerName`)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	v, ok, err := k.Value("ComputerName")
	if err != nil || !ok || utf16z(v.Data) != "DESKTOP-2KGM189" {
		t.Fatalf("ComputerName = %q %v %v", utf16z(v.Data), ok, err)
	}
	if n := h.FileReads(); n > 64 {
		t.Errorf("%d pages of 4 KiB read for one value of a 15 MB hive; want a few", n)
	}
	t.Logf("one value of a 15 MB hive: %d pages read", h.FileReads())
}

// TestHostileStructures damages the real SAM hive's structures the way a
// hostile image would and checks each lookup ends in a clear error: no
// panic, no endless recursion, no huge allocation.
func TestHostileStructures(t *testing.T) {
	sam, err := os.ReadFile(realHive(t, "SAM"))
	if err != nil {
		t.Fatal(err)
	}
	// The SAM hive's root key node is the cell at 0x20, its subkey list
	// (an "lf" index of one entry, SAM) the cell at 0x100.
	const list = 0x1000 + 0x100 + 4
	if string(sam[list:list+2]) != "lf" {
		t.Fatalf("fixture changed: %q at the root's subkey list", sam[list:list+2])
	}
	cases := []struct {
		name  string
		patch map[int][]byte
		want  string
	}{
		{"ri lists itself", map[int][]byte{list: []byte("ri\x01\x00\x00\x01\x00\x00")}, "ri subkey index inside another ri"},
		{"list count too large", map[int][]byte{list + 2: {0xff, 0xff}}, "does not fit its"},
		{"list offset outside", map[int][]byte{0x1000 + 0x20 + 4 + 0x1c: {0xf0, 0xff, 0xff, 0x7f}}, "outside the hive"},
		{"list is a freed cell", map[int][]byte{list - 4: {0x10, 0, 0, 0}}, "not allocated"},
		{"cell size past the end", map[int][]byte{list - 4: {0, 0, 0, 0x80}}, "runs past the end"},
		{"child name too long", map[int][]byte{0x1000 + 0xa8 + 4 + 0x48: {0xff, 0xff}}, "overruns"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := bytes.Clone(sam)
			for off, p := range c.patch {
				copy(b[off:], p)
			}
			h, err := Open(bytes.NewReader(b), int64(len(b)), "SAM hive", Options{})
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = h.OpenKey(`SAM\Domains`)
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want a corrupt-hive error saying %q", err, c.want)
			}
		})
	}
}
