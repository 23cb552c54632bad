package smb

import (
	"fmt"
	"os"
	"testing"
)

func ciMode() bool { return os.Getenv("CI") == "true" }

// osMkdirTemp makes the shared lab's directory; TestMain removes it.
func osMkdirTemp() (string, error) { return os.MkdirTemp("", "patchscan-smb-lab-") }

// TestMain stops the package's shared lab after all tests, so no smbd
// outlives the test binary.
func TestMain(m *testing.M) {
	code := m.Run()
	if theLab != nil {
		if err := theLab.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "stopping the samba lab:", err)
			code = 1
		}
	}
	if labDir != "" {
		os.RemoveAll(labDir)
	}
	os.Exit(code)
}
