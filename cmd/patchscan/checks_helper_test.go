package main

import "slices"

// hfnetchk makes a scan command line check patches only (HFNetChk mode)
// unless it says what to check: the tests written before configuration
// checks existed (issue 16) test the patch verdicts and their exit codes,
// which the default --checks patches,config would join with the lab
// hosts' configuration failures. Other commands are left alone.
func hfnetchk(args []string) []string {
	if slices.ContainsFunc(args, func(a string) bool { return a == "--checks" || len(a) > 9 && a[:9] == "--checks=" }) {
		return args
	}
	if len(args) > 0 && args[0] != "scan" && args[0][0] != '-' {
		return args // another command (catalog, rollup)
	}
	return append(slices.Clone(args), "--checks", "patches")
}
