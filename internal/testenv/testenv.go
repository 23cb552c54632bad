// Package testenv holds the one rule for a test whose tools are missing
// from the machine (a program such as xmllint, a Python module such as
// impacket or pefile, a lab that cannot start): on a developer's machine
// the test is skipped, with what to install; under CI=true, where the CI
// installs everything (make deps), it fails, so that CI never passes by
// skipping the cross-checks.
package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// Python is the interpreter the cross-checks run: Debian's, the one the
// python3-* packages install their modules for (a pyenv or venv python3
// on PATH would not see them).
const Python = "/usr/bin/python3"

// CI reports whether the tests run under CI (CI=true), where nothing a
// test needs may be missing.
func CI() bool { return os.Getenv("CI") == "true" }

// Missing ends t because something it needs is missing (what says what
// and how to get it): it fails under CI=true and is skipped otherwise.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	missing(t, t.Skip, fmt.Sprintf(format, args...))
}

// MissingPart is Missing for an optional part of a test: it fails under
// CI=true and only logs otherwise, and the test goes on without that part.
func MissingPart(t testing.TB, format string, args ...any) {
	t.Helper()
	missing(t, t.Log, fmt.Sprintf(format, args...))
}

// missing fails t under CI=true, and does otherwise (Skip or Log) with msg.
func missing(t testing.TB, otherwise func(...any), msg string) {
	t.Helper()
	if CI() {
		t.Fatal(msg)
	}
	otherwise(msg + " (set CI=true to make this fatal)")
}

// Up starts what a test needs (a lab, a database server, a browser) with
// start, and stops it with stop on t's cleanup, failing t if stopping
// fails. When it cannot start, t is Missing it: what names it in both
// messages ("samba lab").
func Up[T any](t testing.TB, what string, start func() (T, error), stop func(T) error) T {
	t.Helper()
	v, err := start()
	if err != nil {
		Missing(t, "%s cannot start: %v", what, err)
		return v // Missing does not return from a real test
	}
	t.Cleanup(func() {
		if err := stop(v); err != nil {
			t.Errorf("stopping %s: %v", what, err)
		}
	})
	return v
}

// Program returns the path of program name on PATH, or ends t (Missing),
// naming pkg, the Debian package that installs it.
func Program(t testing.TB, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Missing(t, "%s not found: install the Debian package %s (make deps)", name, pkg)
	}
	return p
}

// Xmllint returns the path of xmllint, the XML and XSD checker nobody
// here wrote, or ends t (Missing).
func Xmllint(t testing.TB) string {
	t.Helper()
	return Program(t, "xmllint", "libxml2-utils")
}

// PythonModule ends t (Missing) unless Python can import module, naming
// pkg, the Debian package that installs it.
func PythonModule(t testing.TB, module, pkg string) {
	t.Helper()
	if err := exec.Command(Python, "-c", "import "+module).Run(); err != nil {
		Missing(t, "%s cannot import %s (%v): install the Debian package %s (make deps)", Python, module, err, pkg)
	}
}
