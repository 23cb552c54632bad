package testenv

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// recorder stands in for a test: it keeps the first way it was ended
// (Fatal and Skip do not return from a real test) instead of ending.
type recorder struct {
	testing.TB
	ended, msg string
}

func (r *recorder) end(how string, args []any) {
	if r.ended == "" {
		r.ended, r.msg = how, fmt.Sprint(args...)
	}
}

func (r *recorder) Helper()           {}
func (r *recorder) Fatal(args ...any) { r.end("fatal", args) }
func (r *recorder) Skip(args ...any)  { r.end("skip", args) }
func (r *recorder) Log(args ...any)   { r.end("log", args) }

func TestMissing(t *testing.T) {
	for _, tc := range []struct {
		ci       string
		part     bool
		want     string
		wantHint bool
	}{
		{"true", false, "fatal", false},
		{"", false, "skip", true},
		{"false", false, "skip", true},
		{"true", true, "fatal", false},
		{"", true, "log", true},
	} {
		t.Setenv("CI", tc.ci)
		r := &recorder{}
		if tc.part {
			MissingPart(r, "xmllint not found: install %s", "libxml2-utils")
		} else {
			Missing(r, "xmllint not found: install %s", "libxml2-utils")
		}
		if r.ended != tc.want || !strings.HasPrefix(r.msg, "xmllint not found: install libxml2-utils") {
			t.Errorf("CI=%q part %v: %s %q, want %s", tc.ci, tc.part, r.ended, r.msg, tc.want)
		}
		if hint := strings.Contains(r.msg, "set CI=true"); hint != tc.wantHint {
			t.Errorf("CI=%q part %v: %q names CI=true: %v", tc.ci, tc.part, r.msg, hint)
		}
	}
}

func TestProgram(t *testing.T) {
	t.Setenv("CI", "")
	t.Setenv("PATH", t.TempDir())
	r := &recorder{}
	if p := Program(r, "no-such-program", "no-such-package"); p != "" || r.ended != "skip" || !strings.Contains(r.msg, "no-such-package") {
		t.Errorf("Program of a missing program: %q, %s %q", p, r.ended, r.msg)
	}
}

func TestPythonModule(t *testing.T) {
	t.Setenv("CI", "true")
	r := &recorder{}
	PythonModule(r, "no_such_module_here", "python3-nothing")
	if r.ended != "fatal" || !strings.Contains(r.msg, "python3-nothing") {
		t.Errorf("PythonModule of a missing module under CI: %s %q", r.ended, r.msg)
	}
}

func TestUp(t *testing.T) {
	stopped := 0
	t.Run("started", func(t *testing.T) {
		n := Up(t, "counter", func() (int, error) { return 7, nil }, func(n int) error { stopped = n; return nil })
		if n != 7 || stopped != 0 {
			t.Fatalf("Up gave %d, stopped %d before the cleanup", n, stopped)
		}
	})
	if stopped != 7 {
		t.Errorf("the cleanup stopped %d, want 7", stopped)
	}

	t.Setenv("CI", "")
	r := &recorder{}
	Up(r, "broken lab", func() (*int, error) { return nil, errors.New("no samba") }, func(*int) error { panic("stopped what never started") })
	if r.ended != "skip" || !strings.HasPrefix(r.msg, "broken lab cannot start: no samba") {
		t.Errorf("Up of what cannot start: %s %q", r.ended, r.msg)
	}
}
