package hint

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

var errBase = errors.New("no answer")

func TestOfFindsHintsAnywhereInTheTree(t *testing.T) {
	a := With(errBase, RaiseTimeout)
	b := With(errors.New("logon refused"), CheckCredentials, RaiseTimeout)
	tests := []struct {
		name string
		err  error
		want []Hint
	}{
		{"nil", nil, nil},
		{"none", errBase, nil},
		{"direct", a, []Hint{RaiseTimeout}},
		{"wrapped", fmt.Errorf("open: %w", a), []Hint{RaiseTimeout}},
		{"two %w, each once, first found first", fmt.Errorf("smb: %w; winrm: %w", a, b), []Hint{RaiseTimeout, CheckCredentials}},
		{"joined", errors.Join(b, With(errBase, TryWinRM)), []Hint{CheckCredentials, RaiseTimeout, TryWinRM}},
		{"%v drops them", fmt.Errorf("open: %v", a), nil},
	}
	for _, tc := range tests {
		if got := Of(tc.err); !slices.Equal(got, tc.want) {
			t.Errorf("%s: Of = %v, want %v", tc.name, got, tc.want)
		}
	}
	if !Has(fmt.Errorf("x: %w", b), CheckCredentials) || Has(a, CheckCredentials) {
		t.Error("Has disagrees with Of")
	}
}

func TestWithKeepsTextAndChain(t *testing.T) {
	if With(nil, RaiseTimeout) != nil {
		t.Error("With(nil) is not nil")
	}
	if With(errBase) != errBase {
		t.Error("With without hints wraps")
	}
	err := With(errBase, RaiseTimeout)
	if err.Error() != "no answer" || !errors.Is(err, errBase) {
		t.Errorf("With changed the text or chain: %q", err)
	}
}

func TestAppend(t *testing.T) {
	flags := map[Hint]string{RaiseTimeout: "raise --timeout", CheckCredentials: "check --user"}
	words := func(h Hint) string { return flags[h] }
	err := fmt.Errorf("session setup: %w", With(errBase, RaiseTimeout, CheckCredentials, TryWinRM))
	got := Append(err, words)
	if want := "session setup: no answer (raise --timeout; check --user)"; got.Error() != want {
		t.Errorf("Append = %q, want %q (TryWinRM unsaid)", got, want)
	}
	if !errors.Is(got, errBase) {
		t.Error("Append broke the chain")
	}
	if again := Append(got, words); again != got {
		t.Errorf("Append twice = %q", again)
	}
	if Append(errBase, words) != errBase {
		t.Error("Append changed an error without hints")
	}
	if d := Append(With(errBase, TryWinRM), nil); d.Error() != "no answer (reach the host over WinRM instead)" {
		t.Errorf("default wording: %q", d)
	}
}

func TestEveryHintHasDefaultWords(t *testing.T) {
	all := All()
	if len(all) == 0 || all[0] != RaiseTimeout || all[len(all)-1] != UseWinRMHTTP {
		t.Fatalf("All = %v", all)
	}
	seen := map[string]bool{}
	for _, h := range all {
		s := h.String()
		if s == "" || strings.HasPrefix(s, "hint(") || strings.Contains(s, "--") || seen[s] {
			t.Errorf("hint %d: default words %q (empty, a flag, or repeated)", h, s)
		}
		seen[s] = true
	}
	if s := Hint(200).String(); s != "hint(200)" {
		t.Errorf("unknown hint: %q", s)
	}
}
