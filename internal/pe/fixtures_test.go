package pe

import (
	"errors"
	"path/filepath"
	"testing"
)

// fixtureWant is what each committed fixture holds (testdata/pe/README.md).
var fixtureWant = map[string]Info{
	"srv-6.1.7601.17514.sys": {Machine: MachineAMD64, PE32Plus: true, HasVersion: true,
		FileVersion: "6.1.7601.17514", ProductVersion: "6.1.7601.17514", StringFileVersion: "6.1.7601.17514 (win7sp1_ldr.170209-0600)"},
	"srv-6.1.7601.23689.sys": {Machine: MachineAMD64, PE32Plus: true, HasVersion: true,
		FileVersion: "6.1.7601.23689", ProductVersion: "6.1.7601.23689", StringFileVersion: "6.1.7601.23689 (win7sp1_ldr.170209-0600)"},
	"srv-6.1.7601.24000.sys": {Machine: MachineAMD64, PE32Plus: true, HasVersion: true,
		FileVersion: "6.1.7601.24000", ProductVersion: "6.1.7601.24000", StringFileVersion: "6.1.7601.24000 (win7sp1_ldr.170209-0600)"},
	"hello-x64-1.2.3.4.exe": {Machine: MachineAMD64, PE32Plus: true, HasVersion: true,
		FileVersion: "1.2.3.4", ProductVersion: "1.2.0.0", StringFileVersion: "1.2.3.4 (fixture build)"},
	"hello-x86-5.1.2600.5512.exe": {Machine: MachineI386, HasVersion: true,
		FileVersion: "5.1.2600.5512", ProductVersion: "5.1.2600.5512", StringFileVersion: "5.1.2600.5512 (xpsp.080413-2111)"},
	"patchlib-x64-10.0.17763.1.dll": {Machine: MachineAMD64, PE32Plus: true, HasVersion: true,
		FileVersion: "10.0.17763.1", ProductVersion: "10.0.17763.1", StringFileVersion: "10.0.17763.1 (WinBuild.160101.0800)"},
	"patchlib-x86-6.3.9600.18895.dll": {Machine: MachineI386, HasVersion: true,
		FileVersion: "6.3.9600.18895", ProductVersion: "6.3.9600.18895", StringFileVersion: "6.3.9600.18895 (winblue_ltsb.171208-0600)"},
	"noversion-x64.exe": {Machine: MachineAMD64, PE32Plus: true},
	"noversion-x86.dll": {Machine: MachineI386},
}

func TestFixtures(t *testing.T) {
	paths := fixturePaths()
	if len(paths) != len(fixtureWant) {
		t.Errorf("found %d fixtures in %s, want %d (run `make pe-fixtures`?)", len(paths), fixtureDir, len(fixtureWant))
	}
	for _, p := range paths {
		name := filepath.Base(p)
		t.Run(name, func(t *testing.T) {
			want, ok := fixtureWant[name]
			if !ok {
				t.Fatalf("fixture %s has no expected values in fixtureWant", name)
			}
			info, cr, size, err := readVersionFile(t, p)
			if want.HasVersion && err != nil {
				t.Fatalf("ReadVersion: %v", err)
			}
			if !want.HasVersion && !errors.Is(err, ErrNoVersion) {
				t.Fatalf("err = %v, want ErrNoVersion", err)
			}
			if *info != want {
				t.Errorf("got  %+v\nwant %+v", *info, want)
			}
			// Small fixtures fit in the first 4 KB read.
			if cr.reads != 1 {
				t.Errorf("%d ReadAt calls for a %d-byte file, want 1", cr.reads, size)
			}
		})
	}
}
