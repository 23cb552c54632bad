package main

import (
	"bytes"
	"io"

	"github.com/spf13/cobra"
)

// runCommand runs c in-process as main runs rootCmd: with args, reading
// stdin (when not nil), without usage on errors. It returns the exit code
// main would return, stdout, and stderr with the error's text at its end,
// where main prints it.
func runCommand(c *cobra.Command, stdin io.Reader, args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	c.SetOut(&out)
	c.SetErr(&errb)
	if stdin != nil {
		c.SetIn(stdin)
	}
	c.SetArgs(args)
	c.SilenceUsage, c.SilenceErrors = true, true
	err := c.Execute()
	code = exitCodeOf(err)
	if err != nil {
		errb.WriteString(err.Error())
	}
	return code, out.String(), errb.String()
}
