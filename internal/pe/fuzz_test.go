package pe

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/patchscan/patchscan/internal/pe/petest"
)

// fuzzMaxBytes bounds what ReadVersion may read for any input: headers
// (≤ 4 KB + 64 KB optional header + 40 KB section table), four resource
// windows of ≤ 32 KB and a 64 KB version block stay well under it.
const fuzzMaxBytes = 1 << 20

// FuzzReadVersion feeds arbitrary files to ReadVersion: it must return an
// Info or one of the package's errors, never panic, and never read more
// than fuzzMaxBytes or make more than a handful of ReadAt calls.
func FuzzReadVersion(f *testing.F) {
	for _, s := range []petest.Image{
		{Machine: MachineI386, PE32: true, Resources: verOnly(v17514, "6.1.7601.17514")},
		{Machine: MachineAMD64, Resources: []petest.Resource{{Type: 3, Data: []byte{1, 2, 3}}, {Type: rtVersion, Data: petest.VersionResource(v23689, v23689, "x")}}},
		{Machine: MachineARM64, ResourceSection: ".data", ResourcePrefix: 100, Resources: verOnly(v23689, "")},
		{Machine: MachineAMD64},
	} {
		f.Add(buildPE(s).data)
	}
	// The committed fixtures, when present (see testdata/pe/README.md).
	for _, p := range fixturePaths() {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cr := &countingReader{r: bytes.NewReader(data)}
		info, err := ReadVersion(cr, int64(len(data)))
		if cr.bytes > fuzzMaxBytes {
			t.Fatalf("read %d bytes, more than %d", cr.bytes, fuzzMaxBytes)
		}
		if cr.reads > maxReads {
			t.Fatalf("%d ReadAt calls", cr.reads)
		}
		if err != nil {
			if !errors.Is(err, ErrNotPE) && !errors.Is(err, ErrNoVersion) && !errors.Is(err, ErrMalformed) {
				t.Fatalf("error outside the package's kinds: %v", err)
			}
			if errors.Is(err, ErrNoVersion) && info == nil {
				t.Fatal("ErrNoVersion without machine info")
			}
			return
		}
		if !info.HasVersion || info.FileVersion == "" {
			t.Fatalf("success without a version: %+v", info)
		}
	})
}

// fixtureDir holds the committed PE fixtures built from testdata/pe/src.
const fixtureDir = "../../testdata/pe"

// fixturePaths lists the committed PE fixtures.
func fixturePaths() []string {
	var out []string
	for _, ext := range []string{"*.exe", "*.dll", "*.sys"} {
		m, _ := filepath.Glob(filepath.Join(fixtureDir, ext))
		out = append(out, m...)
	}
	return out
}

// FuzzParseVersionInfo goes straight at the VS_VERSIONINFO decoder, which
// FuzzReadVersion reaches only through a valid resource tree.
func FuzzParseVersionInfo(f *testing.F) {
	f.Add(petest.VersionResource(v23689, v17514, "6.1.7601.23689 (win7sp1_ldr.170209-0600)"))
	f.Add(petest.VersionResource(v17514, v17514, ""))
	f.Add(petest.VersionNode("VS_VERSION_INFO", nil, false))
	f.Fuzz(func(t *testing.T, data []byte) {
		var info Info
		err := parseVersionInfo(data, 0, &info)
		if err == nil && (!info.HasVersion || info.FileVersion == "") {
			t.Fatalf("success without a version: %+v", info)
		}
		if err != nil && !errors.Is(err, ErrNoVersion) && !errors.Is(err, ErrMalformed) {
			t.Fatalf("error outside the package's kinds: %v", err)
		}
		if len(info.StringFileVersion) > 3*len(data) {
			t.Fatalf("string of %d bytes from %d bytes of input", len(info.StringFileVersion), len(data))
		}
	})
}
