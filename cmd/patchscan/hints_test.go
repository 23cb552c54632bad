package main

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/scan/hint"
	"github.com/patchscan/patchscan/scan/winrm"
)

// Every hint a library may attach is said in flags, and only here.
func TestFlagWordsCoverEveryHint(t *testing.T) {
	for _, h := range hint.All() {
		w := flagWords[h]
		if !strings.Contains(w, "--") {
			t.Errorf("hint %q is worded %q: no flag named", h, w)
		}
	}
	if len(flagWords) != len(hint.All()) {
		t.Errorf("%d words for %d hints", len(flagWords), len(hint.All()))
	}
}

func TestExplain(t *testing.T) {
	base := errors.New("no complete answer within the per-host timeout of 1s")
	err := fmt.Errorf("host: %w", hint.With(base, hint.RaiseTimeout))
	got := explain(err)
	if want := "host: no complete answer within the per-host timeout of 1s (raise --timeout for slow hosts or links)"; got.Error() != want {
		t.Errorf("explain = %q, want %q", got, want)
	}
	if !errors.Is(got, base) {
		t.Error("explain broke the error chain")
	}
	if explain(nil) != nil || explain(base) != base {
		t.Error("explain changed an error without hints")
	}
}

func TestWinRMConfigErrors(t *testing.T) {
	tests := []struct {
		cfg  winrm.Config
		flag string
	}{
		{winrm.Config{Basic: true}, "--winrm-basic"},
		{winrm.Config{Insecure: true}, "--winrm-insecure only applies to HTTPS"},
		{winrm.Config{CAFile: "ca.pem"}, "--winrm-ca only applies to HTTPS"},
	}
	for _, tc := range tests {
		err := winrmConfigError(tc.cfg.Validate())
		if exitCodeOf(err) != ExitUsage || !strings.Contains(err.Error(), tc.flag) {
			t.Errorf("%+v: %v (exit %d), want a usage error naming %s", tc.cfg, err, exitCodeOf(err), tc.flag)
		}
	}
}
