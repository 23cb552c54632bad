package pe

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/internal/pe/petest"
	"github.com/patchscan/patchscan/internal/testenv"
)

// The differential test holds ReadVersion to python3-pefile (Debian's
// python3-pefile, a parser nobody here wrote) on the fixtures, on
// synthetic images and on real PE files shipped by Debian packages.

const pefileScript = `
import sys, json, pefile
out = []
for p in sys.argv[1:]:
    r = {"path": p}
    try:
        pe = pefile.PE(p, fast_load=True)
        pe.parse_data_directories(directories=[pefile.DIRECTORY_ENTRY["IMAGE_DIRECTORY_ENTRY_RESOURCE"]])
        r["machine"] = pe.FILE_HEADER.Machine
        vi = getattr(pe, "VS_FIXEDFILEINFO", None)
        if vi:
            f = vi[0]
            r["file_version"] = "%d.%d.%d.%d" % (f.FileVersionMS >> 16, f.FileVersionMS & 0xffff, f.FileVersionLS >> 16, f.FileVersionLS & 0xffff)
            r["product_version"] = "%d.%d.%d.%d" % (f.ProductVersionMS >> 16, f.ProductVersionMS & 0xffff, f.ProductVersionLS >> 16, f.ProductVersionLS & 0xffff)
        infos = getattr(pe, "FileInfo", None)
        if infos:
            for e in infos[0]:
                if getattr(e, "Key", b"") == b"StringFileInfo" and e.StringTable:
                    v = e.StringTable[0].entries.get(b"FileVersion")
                    if v is not None:
                        r["string_file_version"] = v.decode("utf-8", "replace")
                    break
        pe.close()
    except Exception as e:
        r["error"] = str(e)
    out.append(r)
json.dump(out, sys.stdout)
`

type pefileResult struct {
	Path              string  `json:"path"`
	Machine           *uint16 `json:"machine"`
	FileVersion       string  `json:"file_version"`
	ProductVersion    string  `json:"product_version"`
	StringFileVersion *string `json:"string_file_version"`
	Error             string  `json:"error"`
}

// needPefile skips the test when python3-pefile is missing, except in CI
// (CI=true), where a missing cross-check is a failure.
func needPefile(t *testing.T) {
	t.Helper()
	testenv.PythonModule(t, "pefile", "python3-pefile")
}

func runPefile(t *testing.T, paths []string) map[string]pefileResult {
	t.Helper()
	cmd := exec.Command(testenv.Python, append([]string{"-c", pefileScript}, paths...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pefile: %v\n%s", err, stderr.String())
	}
	var rs []pefileResult
	if err := json.Unmarshal(out, &rs); err != nil {
		t.Fatalf("pefile output: %v", err)
	}
	m := make(map[string]pefileResult, len(rs))
	for _, r := range rs {
		m[r.Path] = r
	}
	return m
}

// realPEs lists PE files from Debian packages (mingw-w64's runtime DLLs,
// which come with the compiler the fixtures need) and, when present, a few
// others on the machine (a signed test executable in Go's module cache,
// pip's launchers, which include an arm64 one).
func realPEs(t *testing.T) (debian, others []string) {
	t.Helper()
	// Copies of one file (mingw ships win32 and posix flavours, pyenv one
	// pip per Python) add nothing; keep one per name and size.
	seen := map[string]bool{}
	add := func(list *[]string, p string) {
		st, err := os.Stat(p)
		if err != nil || !st.Mode().IsRegular() {
			return
		}
		key := filepath.Base(p) + "/" + strconv.FormatInt(st.Size(), 10)
		if !seen[key] {
			seen[key] = true
			*list = append(*list, p)
		}
	}
	for _, root := range []string{"/usr/lib/gcc/x86_64-w64-mingw32", "/usr/x86_64-w64-mingw32", "/usr/lib/python3/dist-packages"} {
		_ = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				if ext := strings.ToLower(filepath.Ext(p)); ext == ".dll" || ext == ".exe" {
					add(&debian, p)
				}
			}
			return nil
		})
	}
	home, _ := os.UserHomeDir()
	gopath := os.Getenv("GOPATH")
	if gopath == "" {
		gopath = filepath.Join(home, "go")
	}
	for _, pat := range []string{
		filepath.Join(gopath, "pkg/mod/golang.org/x/sys@*/windows/testdata/*.exe"),
		filepath.Join(home, ".pyenv/versions/*/lib/python*/site-packages/pip/_vendor/distlib/*.exe"),
		filepath.Join(home, ".pyenv/versions/*/lib/python*/site-packages/setuptools/*.exe"),
	} {
		m, _ := filepath.Glob(pat)
		for _, p := range m {
			add(&others, p)
		}
	}
	sort.Strings(debian)
	sort.Strings(others)
	// Enough to cover the variety without making the test slow.
	if len(others) > 16 {
		others = others[:16]
	}
	return debian, others
}

func TestAgainstPefile(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("uses Debian's python3-pefile")
	}
	needPefile(t)

	dir := t.TempDir()
	var paths []string
	// Synthetic images, including the 30 MB one, so pefile vouches that
	// they are valid PE files and not just what this reader expects.
	for name, s := range map[string]petest.Image{
		"large-30mb.exe":   {Machine: MachineAMD64, TextSize: 30 << 20, Resources: verOnly(v23689, "6.1.7601.23689 (large)")},
		"arm64.dll":        {Machine: MachineARM64, Resources: verOnly([4]uint16{10, 0, 22621, 1}, "10.0.22621.1")},
		"rsrc-in-data.exe": {Machine: MachineI386, PE32: true, ResourceSection: ".data", ResourcePrefix: 20000, Resources: verOnly(v17514, "6.1.7601.17514")},
		"high-lfanew.exe":  {Machine: MachineAMD64, Lfanew: 0x2000, Resources: verOnly(v17514, "")},
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, buildPE(s).data, 0o600); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	fixtures := fixturePaths()
	labFixtures, _ := filepath.Glob("../../testdata/lab/pe/*.sys")
	debian, others := realPEs(t)
	t.Logf("real PE files: %d from Debian packages, %d others", len(debian), len(others))
	if len(debian) == 0 {
		testenv.MissingPart(t, "no real PE files found (install gcc-mingw-w64-x86-64)")
	}
	paths = append(paths, fixtures...)
	paths = append(paths, labFixtures...)
	paths = append(paths, debian...)
	paths = append(paths, others...)

	want := runPefile(t, paths)
	withVersion := 0
	for _, p := range paths {
		t.Run(strings.TrimPrefix(p, dir+"/"), func(t *testing.T) {
			py, ok := want[p]
			if !ok {
				t.Fatalf("pefile gave no result for %s", p)
			}
			info, cr, size, err := readVersionFile(t, p)
			if cr.reads > 6 || cr.bytes > 128<<10 {
				t.Errorf("%d ReadAt calls, %d bytes for a %d-byte file", cr.reads, cr.bytes, size)
			}
			t.Logf("%d bytes: %d reads, %d bytes read", size, cr.reads, cr.bytes)
			switch {
			case py.Error != "":
				if err == nil {
					t.Errorf("pefile rejects the file (%s); we read %+v", py.Error, info)
				}
				return
			case py.FileVersion == "":
				if !errors.Is(err, ErrNoVersion) {
					t.Errorf("pefile finds no version; we got %+v, %v", info, err)
				}
			default:
				withVersion++
				if err != nil {
					t.Fatalf("pefile reads %s; we fail: %v", py.FileVersion, err)
				}
				if info.FileVersion != py.FileVersion || info.ProductVersion != py.ProductVersion {
					t.Errorf("file/product version %s/%s, pefile %s/%s", info.FileVersion, info.ProductVersion, py.FileVersion, py.ProductVersion)
				}
				if py.StringFileVersion != nil && info.StringFileVersion != *py.StringFileVersion {
					t.Errorf("FileVersion string %q, pefile %q", info.StringFileVersion, *py.StringFileVersion)
				}
			}
			if info == nil || py.Machine == nil || info.Machine != *py.Machine {
				t.Errorf("machine: got %+v, pefile %v", info, py.Machine)
			}
		})
	}
	if withVersion < len(fixtureWant)-2 {
		t.Errorf("only %d files with a version resource were compared", withVersion)
	}
}
