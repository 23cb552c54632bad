package petest_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/patchscan/patchscan/internal/pe"
	"github.com/patchscan/patchscan/internal/pe/petest"
	"github.com/patchscan/patchscan/internal/testenv"
)

func utf16le(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return b
}

// The images parse with internal/pe, have the size asked for, and carry
// their version resource in their last bytes.
func TestWrite(t *testing.T) {
	tests := []struct {
		name     string
		spec     petest.Spec
		wantLen  int64 // 0: the smallest image, whatever its size
		wantVer  string
		wantStr  string
		maxReads int
	}{
		{"smallest", petest.Spec{FileVersion: [4]uint16{1, 2, 3, 4}}, 0, "1.2.3.4", "", 3},
		{"64 KiB with string table", petest.Spec{Size: 64 << 10, FileVersion: [4]uint16{6, 1, 7601, 23689}, StringFileVersion: "6.1.7601.23689 (win7sp1_ldr.170209-0600)"},
			64 << 10, "6.1.7601.23689", "6.1.7601.23689 (win7sp1_ldr.170209-0600)", 3},
		{"size rounded up to 512", petest.Spec{Size: 1<<20 + 1, FileVersion: [4]uint16{10, 0, 19041, 65535}, StringFileVersion: "x"},
			1<<20 + 512, "10.0.19041.65535", "x", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := petest.Bytes(tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantLen != 0 && int64(len(b)) != tt.wantLen {
				t.Errorf("%d bytes, want %d", len(b), tt.wantLen)
			}
			cr := &countingReader{r: bytes.NewReader(b)}
			info, err := pe.ReadVersion(cr, int64(len(b)))
			if err != nil {
				t.Fatalf("ReadVersion: %v", err)
			}
			if info.Machine != pe.MachineAMD64 || !info.PE32Plus || info.FileVersion != tt.wantVer ||
				info.ProductVersion != tt.wantVer || info.StringFileVersion != tt.wantStr {
				t.Errorf("got %+v, want x64 PE32+ version %s string %q", *info, tt.wantVer, tt.wantStr)
			}
			if cr.reads > tt.maxReads {
				t.Errorf("%d ReadAt calls, want at most %d", cr.reads, tt.maxReads)
			}
			// "At the end": the version block sits in the last section,
			// within its 4 KiB of resource data and alignment.
			if at := bytes.LastIndex(b, utf16le("VS_VERSION_INFO")); at < len(b)-4096 {
				t.Errorf("VS_VERSION_INFO at %d of %d bytes, want it in the last 4 KiB", at, len(b))
			}
		})
	}
}

type countingReader struct {
	r     *bytes.Reader
	reads int
}

func (c *countingReader) ReadAt(p []byte, off int64) (int, error) {
	c.reads++
	return c.r.ReadAt(p, off)
}

func TestWriteFileMatchesBytes(t *testing.T) {
	spec := petest.Spec{Size: 3 << 20, FileVersion: [4]uint16{6, 1, 7601, 23689}, StringFileVersion: "6.1.7601.23689"}
	path := filepath.Join(t.TempDir(), "big.dll")
	n, err := petest.WriteFile(path, spec)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want, err := petest.Bytes(spec)
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(len(got)) || !bytes.Equal(got, want) {
		t.Fatalf("file has %d bytes (reported %d), differs from Bytes (%d bytes)", len(got), n, len(want))
	}
	// An existing file is not overwritten.
	if _, err := petest.WriteFile(path, spec); !errors.Is(err, os.ErrExist) {
		t.Fatalf("second WriteFile: %v, want os.ErrExist", err)
	}
	// python3-pefile, a parser nobody here wrote, reads the same version.
	testenv.PythonModule(t, "pefile", "python3-pefile")
	out, err := exec.Command(testenv.Python, "-c", `
import sys, pefile
pe = pefile.PE(sys.argv[1], fast_load=True)
pe.parse_data_directories(directories=[pefile.DIRECTORY_ENTRY["IMAGE_DIRECTORY_ENTRY_RESOURCE"]])
f = pe.VS_FIXEDFILEINFO[0]
print("%d.%d.%d.%d" % (f.FileVersionMS >> 16, f.FileVersionMS & 0xffff, f.FileVersionLS >> 16, f.FileVersionLS & 0xffff))
`, path).CombinedOutput()
	if err != nil {
		t.Fatalf("pefile: %v: %s", err, out)
	}
	if v := strings.TrimSpace(string(out)); v != "6.1.7601.23689" {
		t.Fatalf("pefile reads version %q", v)
	}
}

type failWriter struct{ after int }

func (f *failWriter) Write(p []byte) (int, error) {
	if f.after <= 0 {
		return 0, errors.New("disk full")
	}
	n := min(len(p), f.after)
	f.after -= n
	if n < len(p) {
		return n, errors.New("disk full")
	}
	return n, nil
}

func TestWriteErrors(t *testing.T) {
	tests := []struct {
		name string
		spec petest.Spec
		w    *failWriter
		msg  string
	}{
		{"negative size", petest.Spec{Size: -1}, &failWriter{after: 1 << 30}, "outside"},
		{"huge size", petest.Spec{Size: 1 << 40}, &failWriter{after: 1 << 30}, "outside"},
		{"writer fails in the padding", petest.Spec{Size: 1 << 20}, &failWriter{after: 100 << 10}, "disk full"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := petest.Write(tt.w, tt.spec); err == nil || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("err %v, want %q", err, tt.msg)
			}
		})
	}
}

// Image: a PE32 image with its resources after a prefix in a .data
// section parses with internal/pe, and Layout names where the resource
// directory landed (a directory of version 4.0 with one entry).
func TestImageLayout(t *testing.T) {
	im := petest.Image{Machine: pe.MachineI386, PE32: true, ResourceSection: ".data", ResourcePrefix: 1000,
		Resources: []petest.Resource{{Type: 16, Data: petest.VersionResource([4]uint16{1, 2, 3, 4}, [4]uint16{5, 6, 7, 8}, "")}}}
	b, lo, err := im.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	info, err := pe.ReadVersion(bytes.NewReader(b), int64(len(b)))
	if err != nil || info.Machine != pe.MachineI386 || info.PE32Plus || info.FileVersion != "1.2.3.4" || info.ProductVersion != "5.6.7.8" {
		t.Fatalf("%+v %v", info, err)
	}
	dir := b[lo.ResourceOffset:]
	if dir[8] != 4 || dir[14] != 1 || lo.ResourceVA == 0 {
		t.Fatalf("no resource directory at %d (RVA %#x): %x", lo.ResourceOffset, lo.ResourceVA, dir[:16])
	}
	if _, _, err := (petest.Image{TextSize: -1}).Bytes(); err == nil {
		t.Fatal("a negative .text size was written")
	}
}
