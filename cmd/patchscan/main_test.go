package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestMain sets the environment every in-process run of the command (and
// every binary a test starts with os.Environ) sees:
//   - the loopback network policy, as `make demo` and the end-to-end
//     tests' binaries run: the command takes its policy from its
//     environment, and nothing else keeps these tests off the network;
//   - an empty user cache directory, so no test picks up a catalog that
//     `patchscan catalog update` left in the developer's real cache;
//   - empty user data and config directories, so every scan records into
//     a history store of the test binary's own, never the developer's, and
//     no deadlines.conf of the developer's applies.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "patchscan-test-cache-")
	if err != nil {
		panic(err)
	}
	os.Unsetenv(envDB)
	// The binaries tests build (go build) keep the real build cache: under
	// the empty XDG_CACHE_HOME below, go would rebuild everything, SQLite's
	// large generated package included, for minutes.
	if os.Getenv("GOCACHE") == "" {
		if c, err := os.UserCacheDir(); err == nil {
			os.Setenv("GOCACHE", filepath.Join(c, "go-build"))
		}
	}
	for k, v := range map[string]string{envLoopbackOnly: "1", "XDG_CACHE_HOME": dir,
		"XDG_DATA_HOME": dir + "/data", "XDG_CONFIG_HOME": dir + "/config"} {
		if err := os.Setenv(k, v); err != nil {
			panic(err)
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}
