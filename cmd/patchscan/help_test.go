package main

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestHelpExamplesSurviveTheShell: every example line of every command,
// pasted into a POSIX shell, means what it shows (issue 13.11: `--user
// CORP\scanner` unquoted reached patchscan as CORPscanner). An unquoted
// backslash, or one inside double quotes before $ ` " \, is an escape the
// shell removes.
func TestHelpExamplesSurviveTheShell(t *testing.T) {
	var walk func(c *cobra.Command)
	checked := 0
	walk = func(c *cobra.Command) {
		for _, line := range strings.Split(c.Example, "\n") {
			line = strings.TrimSpace(line)
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			checked++
			if i := shellEscape(line); i >= 0 {
				t.Errorf("%s: example %q: the shell would eat the backslash at column %d: quote the word", c.CommandPath(), line, i+1)
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(rootCmd)
	if checked < 10 {
		t.Fatalf("only %d example lines found: the walk is broken", checked)
	}
}

// shellEscape returns the index of the first backslash a POSIX shell
// would treat as an escape in line, or -1.
func shellEscape(line string) int {
	var single, double bool
	for i := 0; i < len(line); i++ {
		switch c := line[i]; {
		case single:
			single = c != '\''
		case c == '\'' && !double:
			single = true
		case c == '"':
			double = !double
		case c == '\\' && !double:
			return i
		case c == '\\' && double && i+1 < len(line) && strings.IndexByte("$`\"\\", line[i+1]) >= 0:
			return i
		}
	}
	return -1
}

func TestShellEscape(t *testing.T) {
	for line, want := range map[string]int{
		`scan -u CORP\scanner`:    12,
		`scan -u 'CORP\scanner'`:  -1,
		`scan -u "CORP\scanner"`:  -1,
		`scan -u "CORP\\scanner"`: 13,
		`echo 'it''s' a\ b`:       14,
		`scan --user CORP\\x`:     16,
	} {
		if got := shellEscape(line); got != want {
			t.Errorf("shellEscape(%q) = %d, want %d", line, got, want)
		}
	}
}
