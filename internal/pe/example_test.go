package pe_test

import (
	"errors"
	"fmt"
	"os"

	"github.com/patchscan/patchscan/internal/pe"
)

// A transport passes any io.ReaderAt (an *os.File here, a remote SMB file
// in patchscan) and the file's size.
func ExampleReadVersion() {
	for _, name := range []string{"srv-6.1.7601.23689.sys", "noversion-x64.exe"} {
		f, err := os.Open("../../testdata/pe/" + name)
		if err != nil {
			fmt.Println(err)
			return
		}
		st, _ := f.Stat()
		info, err := pe.ReadVersion(f, st.Size())
		f.Close()
		switch {
		case errors.Is(err, pe.ErrNoVersion):
			fmt.Printf("%s: %s, no version resource\n", name, pe.MachineName(info.Machine))
		case err != nil:
			fmt.Println(err)
		default:
			fmt.Printf("%s: %s %s [%s]\n", name, pe.MachineName(info.Machine), info.FileVersion, info.StringFileVersion)
		}
	}
	// Output:
	// srv-6.1.7601.23689.sys: x64 6.1.7601.23689 [6.1.7601.23689 (win7sp1_ldr.170209-0600)]
	// noversion-x64.exe: x64, no version resource
}
