package main

import (
	"os"
	"testing"
)

// TestMain sets the environment every in-process run of the command (and
// every binary a test starts with os.Environ) sees:
//   - the loopback network policy, as `make demo` and the end-to-end
//     tests' binaries run: the command takes its policy from its
//     environment, and nothing else keeps these tests off the network;
//   - an empty user cache directory, so no test picks up a catalog that
//     `patchscan catalog update` left in the developer's real cache.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "patchscan-test-cache-")
	if err != nil {
		panic(err)
	}
	for k, v := range map[string]string{envLoopbackOnly: "1", "XDG_CACHE_HOME": dir} {
		if err := os.Setenv(k, v); err != nil {
			panic(err)
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
