package memhost_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/patchscan/patchscan/detect/memhost"
	"github.com/patchscan/patchscan/facts"
)

func TestFacts(t *testing.T) {
	h := memhost.New()
	h.SetValue(`HKEY_LOCAL_MACHINE\SOFTWARE\A`, "V", facts.SZ("x"))
	h.SetValue(`HKLM\SOFTWARE\A`, "", facts.DWORD(3))
	h.SetFile(`C:\Windows\a.dll`, facts.FileInfo{Size: 5, Version: "1.2.3.4", SHA256: "abc"})
	denied := facts.Request{Kind: facts.FactRegValue, Key: `HKLM\SOFTWARE\A`, Name: "Secret"}
	h.SetError(denied, facts.ErrAccessDenied)

	reqs := []facts.Request{
		{Kind: facts.FactRegValue, Key: `hklm\software\a`, Name: "v"},
		{Kind: facts.FactRegValue, Key: `HKLM\SOFTWARE\A\`, Name: ""},
		{Kind: facts.FactRegValue, Key: `HKLM\SOFTWARE\A`, Name: "Missing"},
		{Kind: facts.FactRegKey, Key: `HKLM\SOFTWARE`},
		{Kind: facts.FactRegKey, Key: `HKLM\SOFTWARE\B`},
		{Kind: facts.FactFile, Path: `c:\windows\A.DLL`},
		{Kind: facts.FactFile, Path: `C:\Windows\a.dll`, SHA256: true},
		{Kind: facts.FactFile, Path: `C:\nope`},
		denied,
	}
	ans, err := h.Facts(context.Background(), reqs)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		found bool
		text  string
		sha   string
		err   bool
	}{
		{true, "x", "", false},
		{true, "3", "", false},
		{false, "", "", false},
		{true, "", "", false},
		{false, "", "", false},
		{true, "", "", false},
		{true, "", "abc", false},
		{false, "", "", false},
		{false, "", "", true},
	}
	for i, w := range want {
		a := ans[i]
		if a.Found != w.found || (a.Err != nil) != w.err || a.File.SHA256 != w.sha {
			t.Errorf("answer %d (%+v) = %+v, want %+v", i, reqs[i], a, w)
		}
		if w.text != "" && a.Value.Text() != w.text {
			t.Errorf("answer %d text = %q, want %q", i, a.Value.Text(), w.text)
		}
	}
	if !errors.Is(ans[8].Err, facts.ErrAccessDenied) {
		t.Errorf("per-fact error = %v", ans[8].Err)
	}
	if st := h.Stats(); st.Calls != 1 || st.Requests != len(reqs) {
		t.Errorf("stats = %+v", st)
	}
	if n := h.Asked(facts.Request{Kind: facts.FactFile, Path: `C:\WINDOWS\A.dll`}); n != 2 {
		t.Errorf("Asked(a.dll) = %d, want 2", n)
	}
	if r := h.Repeated(); len(r) != 1 || !strings.Contains(r[0], "a.dll") {
		t.Errorf("Repeated = %v", r)
	}

	h.SetHostError(errors.New("gone"))
	if _, err := h.Facts(context.Background(), reqs[:1]); err == nil {
		t.Error("host error not returned")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	h.SetHostError(nil)
	if _, err := h.Facts(ctx, reqs[:1]); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled ctx: %v", err)
	}
	h.ResetStats()
	if st := h.Stats(); st.Calls != 0 || len(h.Batches()) != 0 {
		t.Errorf("after reset: %+v", st)
	}
}

func TestKeysAndDeletes(t *testing.T) {
	h := memhost.New()
	h.SetKey(`HKLM\A\B\C`)
	for _, k := range []string{`HKLM`, `HKLM\A`, `hklm\a\b`, `HKEY_LOCAL_MACHINE\A\B\C`} {
		if !h.HasKey(k) {
			t.Errorf("HasKey(%q) = false", k)
		}
	}
	h.SetValue(`HKLM\A\B`, "v", facts.SZ("1"))
	h.DeleteValue(`HKLM\A\B`, "V")
	if _, ok := h.Value(`HKLM\A\B`, "v"); ok {
		t.Error("value not deleted")
	}
	h.DeleteKey(`HKLM\A\B`)
	if h.HasKey(`HKLM\A\B\C`) || h.HasKey(`HKLM\A\B`) || !h.HasKey(`HKLM\A`) {
		t.Error("DeleteKey did not remove exactly the subtree")
	}
}

func utf16le(s string) []byte {
	var b bytes.Buffer
	b.Write([]byte{0xff, 0xfe})
	for _, c := range utf16.Encode([]rune(s)) {
		_ = binary.Write(&b, binary.LittleEndian, c)
	}
	return b.Bytes()
}

const sample = `Windows Registry Editor Version 5.00

; the lab's Windows Server 2008 R2 SP1
[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion]
"CurrentVersion"="6.1"
"CSDVersion"="Service Pack 1"
"Path"="C:\\Windows\\ \"quoted\""
@="default"
"UBR"=dword:000012de
"Bin"=hex:de,ad,\
  be,ef
"Expand"=hex(2):25,00,53,00,79,00,73,00,74,00,65,00,6d,00,52,00,6f,00,6f,00,74,\
  00,25,00,00,00
"Multi"=hex(7):61,00,00,00,62,00,00,00,00,00
"Q"=hex(b):01,00,00,00,00,00,00,00
"Gone"="x"
"Gone"=-

[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Updates\Windows 7\SP2\KB958644]
`

func TestLoadReg(t *testing.T) {
	tests := []struct {
		name string
		data []byte
	}{
		{"utf8", []byte(sample)},
		{"utf8 crlf", []byte(strings.ReplaceAll(sample, "\n", "\r\n"))},
		{"utf16 with BOM", utf16le(strings.ReplaceAll(sample, "\n", "\r\n"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := memhost.New()
			if err := h.LoadReg(bytes.NewReader(tt.data)); err != nil {
				t.Fatal(err)
			}
			key := `HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion`
			want := map[string]facts.RegValue{
				"CurrentVersion": facts.SZ("6.1"),
				"CSDVersion":     facts.SZ("Service Pack 1"),
				"Path":           facts.SZ(`C:\Windows\ "quoted"`),
				"":               facts.SZ("default"),
				"UBR":            facts.DWORD(0x12de),
				"Bin":            facts.Binary([]byte{0xde, 0xad, 0xbe, 0xef}),
				"Expand":         facts.ExpandSZ("%SystemRoot%"),
				"Multi":          facts.MultiSZ("a", "b"),
				"Q":              facts.QWORD(1),
			}
			for name, w := range want {
				got, ok := h.Value(key, name)
				if !ok || got.Type != w.Type || !bytes.Equal(got.Data, w.Data) {
					t.Errorf("%q = %v %x (found %v), want %v %x", name, got.Type, got.Data, ok, w.Type, w.Data)
				}
			}
			if _, ok := h.Value(key, "Gone"); ok {
				t.Error(`"Gone"=- did not delete the value`)
			}
			if !h.HasKey(`HKLM\SOFTWARE\Microsoft\Updates\Windows 7\SP2\KB958644`) {
				t.Error("empty key section not created")
			}
		})
	}
}

func TestLoadRegV4(t *testing.T) {
	in := "REGEDIT4\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\X]\r\n\"S\"=\"caf\xe9\"\r\n\"E\"=hex(2):25,41,25,00\r\n"
	h := memhost.New()
	if err := h.LoadReg(strings.NewReader(in)); err != nil {
		t.Fatal(err)
	}
	if v, _ := h.Value(`HKLM\SOFTWARE\X`, "S"); v.Text() != "café" {
		t.Errorf("ANSI string = %q", v.Text())
	}
	if v, _ := h.Value(`HKLM\SOFTWARE\X`, "E"); v.Type != facts.RegExpandSZ || v.Text() != "%A%" {
		t.Errorf("REGEDIT4 hex(2) = %v %q, want expand-sz %%A%%", v.Type, v.Text())
	}
}

func TestLoadRegErrors(t *testing.T) {
	const hdr = "Windows Registry Editor Version 5.00\n"
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", "empty"},
		{"no header", "[HKEY_LOCAL_MACHINE\\X]\n", `line 1: expected a "Windows Registry Editor Version 5.00" or "REGEDIT4" header`},
		{"key deletion", hdr + "[-HKEY_LOCAL_MACHINE\\X]\n", "line 2: key deletions"},
		{"value before key", hdr + "\"a\"=\"b\"\n", "line 2: value before any [KEY] line"},
		{"unknown hive", hdr + "[HKEY_NOPE\\X]\n", "line 2: key \"HKEY_NOPE\\\\X\" does not start with a registry hive"},
		{"unclosed key", hdr + "[HKEY_LOCAL_MACHINE\\X\n", "line 2: key line"},
		{"unterminated string", hdr + "[HKLM\\X]\n\"a\"=\"b\n", "line 3: value \"a\": unterminated string"},
		{"unterminated name", hdr + "[HKLM\\X]\n\"a=1\n", "line 3: value name: unterminated string"},
		{"missing equals", hdr + "[HKLM\\X]\n\"a\" \"b\"\n", "line 3: expected ="},
		{"bad dword", hdr + "[HKLM\\X]\n\"a\"=dword:xyz\n", "line 3: value \"a\": dword \"xyz\" is not hexadecimal"},
		{"long dword", hdr + "[HKLM\\X]\n\"a\"=dword:123456789\n", "1 to 8 hex digits"},
		{"bad hex byte", hdr + "[HKLM\\X]\n\"a\"=hex:01,zz\n", "byte \"zz\" at position 2"},
		{"wide hex byte", hdr + "[HKLM\\X]\n\"a\"=hex:012\n", "more than 2 digits"},
		{"empty hex byte", hdr + "[HKLM\\X]\n\"a\"=hex:01,,02\n", "empty byte at position 2"},
		{"bad hex type", hdr + "[HKLM\\X]\n\"a\"=hex(zz):01\n", "hex(zz) is not a hexadecimal value type"},
		{"hex type unclosed", hdr + "[HKLM\\X]\n\"a\"=hex(2:01\n", `hex( type must be followed by "):"`},
		{"unknown data", hdr + "[HKLM\\X]\n\"a\"=foo\n", "unknown data"},
		{"text after string", hdr + "[HKLM\\X]\n\"a\"=\"b\" c\n", "unexpected text"},
		{"big endian", "\xfe\xff\x00W", "big-endian"},
		{"continuation error line", hdr + "[HKLM\\X]\n\"a\"=hex:01,\\\n  02,\\\n  zz\n", "line 3: value \"a\": byte \"zz\" at position 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := memhost.New()
			h.SetValue(`HKLM\Keep`, "v", facts.SZ("1"))
			err := h.LoadReg(strings.NewReader(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("LoadReg error = %v, want it to contain %q", err, tt.want)
			}
			if h.HasKey(`HKLM\X`) {
				t.Error("a broken file was partly applied")
			}
		})
	}
}

func TestLoadRegTooLarge(t *testing.T) {
	r := &repeatReader{n: memhost.MaxRegFile + 10}
	if err := memhost.New().LoadReg(r); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("error = %v", err)
	}
}

// repeatReader yields n bytes of 'a' without allocating them up front.
type repeatReader struct{ n int }

var chunk = bytes.Repeat([]byte("a"), 1<<16)

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, io.EOF
	}
	k := copy(p[:min(len(p), r.n)], chunk)
	r.n -= k
	return k, nil
}

// FuzzLoadReg: any input parses or fails with an error; never a panic, and
// a failing file leaves the host unchanged.
func FuzzLoadReg(f *testing.F) {
	f.Add([]byte(sample))
	f.Add(utf16le(sample))
	f.Add([]byte("REGEDIT4\n[HKLM\\A]\n@=hex(7):61,00\n"))
	f.Add([]byte("Windows Registry Editor Version 5.00\n[HKLM\\A]\n\"x\"=hex:01,\\\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		h := memhost.New()
		if err := h.LoadReg(bytes.NewReader(data)); err != nil {
			if h.HasKey("HKLM") || h.HasKey("HKCU") {
				t.Fatalf("failed load changed the host: %v", err)
			}
			if err.Error() == "" {
				t.Fatal("empty error")
			}
		}
	})
}
