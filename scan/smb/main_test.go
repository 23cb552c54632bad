package smb

import (
	"fmt"
	"os"
	"testing"

	//lint:ignore SA1019 the NTLM NT hash is MD4 by definition (a legacy protocol, not a security choice)
	"golang.org/x/crypto/md4"

	"github.com/patchscan/patchscan/internal/netguard"
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

// ntHash is MD4 of the UTF-16LE password (MS-NLMP NTOWFv1).
func ntHash(password string) []byte {
	h := md4.New()
	for _, r := range password {
		h.Write([]byte{byte(r), byte(r >> 8)})
	}
	return h.Sum(nil)
}

// onLoopback gives cfg the loopback policy's dialer, as the tests pass it
// (unless a test has its own, which dials the loopback lab).
func onLoopback(cfg Config) Config {
	if cfg.Dial == nil {
		cfg.Dial = netguard.Loopback.DialContext
	}
	return cfg
}
