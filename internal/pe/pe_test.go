package pe

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/internal/pe/petest"
)

var (
	v17514 = [4]uint16{6, 1, 7601, 17514}
	v23689 = [4]uint16{6, 1, 7601, 23689}
)

func verOnly(fv [4]uint16, s string) []petest.Resource {
	return []petest.Resource{{Type: rtVersion, Data: petest.VersionResource(fv, fv, s)}}
}

func read(t *testing.T, data []byte) (*Info, *countingReader, error) {
	t.Helper()
	cr := &countingReader{r: bytes.NewReader(data)}
	info, err := ReadVersion(cr, int64(len(data)))
	return info, cr, err
}

func TestReadVersion(t *testing.T) {
	manifest := []byte(`<assembly xmlns="urn:schemas-microsoft-com:asm.v1"/>`)
	tests := []struct {
		name     string
		spec     petest.Image
		want     Info
		maxReads int
	}{
		{
			name: "PE32 x86",
			spec: petest.Image{Machine: MachineI386, PE32: true, Resources: verOnly(v17514, "6.1.7601.17514 (win7sp1_rtm.101119-1850)")},
			want: Info{Machine: MachineI386, HasVersion: true, FileVersion: "6.1.7601.17514", ProductVersion: "6.1.7601.17514",
				StringFileVersion: "6.1.7601.17514 (win7sp1_rtm.101119-1850)"},
			maxReads: 1,
		},
		{
			name: "PE32+ x64",
			spec: petest.Image{Machine: MachineAMD64, Resources: []petest.Resource{{Type: rtVersion, Data: petest.VersionResource(v23689, [4]uint16{6, 1, 7601, 0}, "6.1.7601.23689")}}},
			want: Info{Machine: MachineAMD64, PE32Plus: true, HasVersion: true, FileVersion: "6.1.7601.23689", ProductVersion: "6.1.7601.0",
				StringFileVersion: "6.1.7601.23689"},
			maxReads: 1,
		},
		{
			name:     "PE32+ arm64 without string table",
			spec:     petest.Image{Machine: MachineARM64, Resources: verOnly([4]uint16{10, 0, 19041, 65535}, "")},
			want:     Info{Machine: MachineARM64, PE32Plus: true, HasVersion: true, FileVersion: "10.0.19041.65535", ProductVersion: "10.0.19041.65535"},
			maxReads: 1,
		},
		{
			name: "version among other types",
			spec: petest.Image{Machine: MachineAMD64, Resources: []petest.Resource{
				{Type: 3, Data: bytes.Repeat([]byte{1}, 100)},
				{Type: rtVersion, Data: petest.VersionResource(v23689, v23689, "x")},
				{Type: 24, Data: manifest},
			}},
			want:     Info{Machine: MachineAMD64, PE32Plus: true, HasVersion: true, FileVersion: "6.1.7601.23689", ProductVersion: "6.1.7601.23689", StringFileVersion: "x"},
			maxReads: 1,
		},
		{
			name:     "resources in the middle of a .data section",
			spec:     petest.Image{Machine: MachineI386, PE32: true, ResourceSection: ".data", ResourcePrefix: 20000, Resources: verOnly(v23689, "")},
			want:     Info{Machine: MachineI386, HasVersion: true, FileVersion: "6.1.7601.23689", ProductVersion: "6.1.7601.23689"},
			maxReads: 2,
		},
		{
			name:     "PE header beyond the first 4 KB",
			spec:     petest.Image{Machine: MachineAMD64, Lfanew: 0x2000, Resources: verOnly(v17514, "")},
			want:     Info{Machine: MachineAMD64, PE32Plus: true, HasVersion: true, FileVersion: "6.1.7601.17514", ProductVersion: "6.1.7601.17514"},
			maxReads: 3,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := buildPE(tt.spec)
			info, cr, err := read(t, b.data)
			if err != nil {
				t.Fatalf("ReadVersion: %v", err)
			}
			if *info != tt.want {
				t.Errorf("got  %+v\nwant %+v", *info, tt.want)
			}
			if cr.reads > tt.maxReads {
				t.Errorf("%d ReadAt calls, want at most %d", cr.reads, tt.maxReads)
			}
		})
	}
}

func TestNoVersion(t *testing.T) {
	tests := []struct {
		name string
		spec petest.Image
	}{
		{"no resource directory", petest.Image{Machine: MachineAMD64}},
		{"no RT_VERSION", petest.Image{Machine: MachineI386, PE32: true, Resources: []petest.Resource{{Type: 24, Data: []byte("<assembly/>")}}}},
		{"empty version resource", petest.Image{Machine: MachineI386, PE32: true, Resources: []petest.Resource{{Type: rtVersion, Data: nil}}}},
		{"no fixed file info", petest.Image{Machine: MachineI386, PE32: true, Resources: []petest.Resource{{Type: rtVersion, Data: petest.VersionNode("VS_VERSION_INFO", nil, false)}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, _, err := read(t, buildPE(tt.spec).data)
			if !errors.Is(err, ErrNoVersion) {
				t.Fatalf("err = %v, want ErrNoVersion", err)
			}
			if info == nil || info.Machine != tt.spec.Machine || info.HasVersion {
				t.Errorf("info = %+v, want machine 0x%x and no version", info, tt.spec.Machine)
			}
		})
	}
}

// TestLargeFile: a 30 MB image with its resources at the end must cost a
// couple of small reads — over SMB each ReadAt is a round trip. The image
// comes from petest, the generator scan/smb's over-the-wire test of the
// same promise uses, so both hold the same file to it.
func TestLargeFile(t *testing.T) {
	data, err := petest.Bytes(petest.Spec{Size: 30 << 20, FileVersion: v23689, StringFileVersion: "6.1.7601.23689 (win7sp1_ldr.170209-0600)"})
	if err != nil {
		t.Fatal(err)
	}
	if len(data) < 30<<20 {
		t.Fatalf("built only %d bytes", len(data))
	}
	info, cr, err := read(t, data)
	if err != nil {
		t.Fatal(err)
	}
	if info.FileVersion != "6.1.7601.23689" || info.StringFileVersion != "6.1.7601.23689 (win7sp1_ldr.170209-0600)" {
		t.Errorf("got %+v", info)
	}
	const maxReads, maxBytes = 3, 16 << 10
	t.Logf("30 MB PE: %d ReadAt calls, %d bytes", cr.reads, cr.bytes)
	if cr.reads > maxReads || cr.bytes > maxBytes {
		t.Errorf("%d reads / %d bytes, want at most %d / %d", cr.reads, cr.bytes, maxReads, maxBytes)
	}
}

// patch returns a copy of b with v written little-endian at off.
func patch(b []byte, off int, v any) []byte {
	out := append([]byte(nil), b...)
	var w bytes.Buffer
	_ = binary.Write(&w, binary.LittleEndian, v)
	copy(out[off:], w.Bytes())
	return out
}

func TestHostileFiles(t *testing.T) {
	good := buildPE(petest.Image{Machine: MachineAMD64, Resources: verOnly(v23689, "s")})
	lfanew := 0x80
	secTable := lfanew + 4 + fileHeaderSize + 240
	ro := good.rsrcOff
	// Offsets inside the tree petest lays out for one type: root
	// (16+8), name dir (16+8), language dir (16+8), data entry (16), data.
	nameDir, langDir, dataEntry, data := ro+24, ro+48, ro+72, ro+88
	tests := []struct {
		name string
		data []byte
		kind error
		msg  string
	}{
		{"empty", nil, ErrNotPE, "too small"},
		{"text file", []byte(strings.Repeat("hello world\n", 20)), ErrNotPE, "no MZ"},
		{"lfanew past EOF", patch(good.data, 0x3c, uint32(1<<31)), ErrNotPE, "past the end"},
		{"no PE signature", patch(good.data, lfanew, uint32(0x4550aaaa)), ErrNotPE, "no PE signature"},
		{"object file optional header", patch(good.data, lfanew+20, uint16(0)), ErrNotPE, "optional header"},
		{"unknown magic", patch(good.data, lfanew+24, uint16(0x107)), ErrNotPE, "magic"},
		{"huge section count", patch(good.data, lfanew+6, uint16(0xffff)), ErrMalformed, "sections"},
		{"section table past EOF", patch(good.data, lfanew+6, uint16(1000)), ErrMalformed, "past the end"},
		{"resource RVA past EOF", patch(good.data, lfanew+24+112+16, uint32(0x7fff0000)), ErrMalformed, "RVA"},
		{"section raw data past EOF", patch(good.data, secTable+20, uint32(0x100000)), ErrMalformed, "past the end"},
		{"huge root entry count", patch(good.data, ro+14, uint16(0xffff)), ErrMalformed, "entries"},
		{"root entries past section", patch(patch(good.data, ro+14, uint16(4000)), ro+12, uint16(0)), ErrMalformed, "past the end"},
		{"type entry points to data", patch(good.data, ro+20, uint32(24)), ErrMalformed, "subdirectory is required"},
		{"name directory offset past EOF", patch(good.data, ro+20, uint32(resSubdirFlag|0x7ffffff0)), ErrMalformed, "past the end"},
		{"loop: language entry points to root", patch(good.data, langDir+20, uint32(resSubdirFlag)), ErrMalformed, "loop"},
		{"loop: name entry points to itself", patch(good.data, nameDir+20, uint32(resSubdirFlag|24)), ErrMalformed, "loop"},
		{"empty language directory", patch(good.data, langDir+14, uint16(0)), ErrNoVersion, "empty"},
		{"data RVA past EOF", patch(good.data, dataEntry, uint32(0x7fff0000)), ErrMalformed, "RVA"},
		{"version block length past data", patch(good.data, data, uint16(0xfff0)), ErrMalformed, "does not fit"},
		{"version block length tiny", patch(good.data, data, uint16(2)), ErrMalformed, "does not fit"},
		{"wrong version key", patch(good.data, data+6, uint16('X')), ErrMalformed, "not VS_VERSION_INFO"},
		{"bad fixed info signature", patch(good.data, data+40, uint32(0xdeadbeef)), ErrMalformed, "signature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, cr, err := read(t, tt.data)
			if !errors.Is(err, tt.kind) {
				t.Fatalf("err = %v (info %+v), want %v", err, info, tt.kind)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("err = %q, want it to mention %q", err, tt.msg)
			}
			if cr.bytes > 1<<20 {
				t.Errorf("read %d bytes", cr.bytes)
			}
		})
	}
}

type failingReader struct{ err error }

func (f failingReader) ReadAt([]byte, int64) (int, error) { return 0, f.err }

type shortReader struct{ b []byte }

func (s shortReader) ReadAt(p []byte, off int64) (int, error) {
	if off >= int64(len(s.b)) {
		return 0, io.EOF
	}
	n := copy(p, s.b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func TestReaderErrors(t *testing.T) {
	errNet := errors.New("connection reset by peer")
	if _, err := ReadVersion(failingReader{errNet}, 1<<20); !errors.Is(err, errNet) || !strings.Contains(err.Error(), "DOS header") {
		t.Errorf("I/O error: got %v, want it wrapped with context", err)
	}
	good := buildPE(petest.Image{Machine: MachineI386, PE32: true, TextSize: 10000, Resources: verOnly(v23689, "")})
	// The caller claims the file is larger than the bytes it serves (the
	// file shrank between stat and read).
	_, err := ReadVersion(shortReader{good.data[:5000]}, int64(len(good.data)))
	if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "shorter than its reported size") {
		t.Errorf("short file: got %v", err)
	}
}

func TestMachineName(t *testing.T) {
	for m, want := range map[uint16]string{MachineI386: "x86", MachineAMD64: "x64", MachineARM64: "arm64", 0x1234: "0x1234"} {
		if got := MachineName(m); got != want {
			t.Errorf("MachineName(0x%x) = %q, want %q", m, got, want)
		}
	}
}
