// Command patchscan-images writes offline images of modern Windows for
// `make demo`: the registry of each (merged with hivex into real Windows
// hives, see internal/imagelab) and system files carrying its build, so
// `patchscan scan --image DIR` can show current verdicts on Windows that
// the Samba lab cannot impersonate.
//
//	patchscan-images -dir /tmp/images   # prints one image directory a line
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/patchscan/patchscan/internal/imagelab"
)

// demoImage is one image: its computer name and Windows at a build.
type demoImage struct {
	name string
	os   imagelab.OS
	why  string
}

// The builds are those of Microsoft's February 2026 security updates
// (catalog/default/msrc), the newest data the embedded catalog holds.
var demoImages = []demoImage{
	{"SRV2019-BEHIND", imagelab.Server2019(8388), "Server 2019 one build short of February 2026 (KB5075904 missing)"},
	{"SRV2019-CURRENT", imagelab.Server2019(8389), "Server 2019 at February 2026's build"},
	{"SRV2025-HOTPATCH", imagelab.Server2025(32313), "Server 2025 on the hotpatch branch, February 2026 hotpatch"},
	{"WIN11-24H2", imagelab.Windows11(7840), "Windows 11 24H2 at February 2026's build"},
}

// systemFiles are the files the embedded catalog's Windows 10+ checks read.
var systemFiles = []string{`System32\ntoskrnl.exe`, `System32\localspl.dll`, `System32\spoolsv.exe`, `System32\drivers\srv2.sys`}

func main() {
	dir := flag.String("dir", "", "directory to write the images into (required; created)")
	flag.Parse()
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "patchscan-images: -dir is required")
		os.Exit(64)
	}
	if err := imagelab.Available(); err != nil {
		fmt.Fprintf(os.Stderr, "patchscan-images: %v (run scripts/install-deps)\n", err)
		os.Exit(69)
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		fmt.Fprintf(os.Stderr, "patchscan-images: %v\n", err)
		os.Exit(73)
	}
	for _, im := range demoImages {
		path := filepath.Join(*dir, im.name)
		spec := imagelab.Spec{
			Reg:   []string{im.os.Reg(), computerName(im.name)},
			Files: im.os.Files(systemFiles...),
		}
		if err := imagelab.BuildDir(path, spec); err != nil {
			fmt.Fprintf(os.Stderr, "patchscan-images: building %s: %v\n", im.name, err)
			os.Exit(1)
		}
		fmt.Printf("%s\t%s\n", path, im.why)
	}
}

// computerName is .reg content naming the image's computer, which reports
// show as the host name.
func computerName(name string) string {
	return "Windows Registry Editor Version 5.00\n\n" +
		"[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\ComputerName\\ComputerName]\n" +
		fmt.Sprintf("\"ComputerName\"=%q\n", name)
}
