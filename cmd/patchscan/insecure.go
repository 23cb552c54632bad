package main

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/patchscan/patchscan/scan/ad"
)

// insecureMode is a safeguard the operator turned off for a run. The
// run says so once on stderr and records token in every report's
// metadata (report.Meta.Insecure), so whoever reads the reports later
// knows their data may have come from an impostor or crossed the network
// in clear text (issue 13.6).
type insecureMode struct {
	token string // in the reports: ScanReport/@insecure, JSON insecure[]
	flag  string // what the operator typed
	risk  string // what it exposes
}

// insecureModes lists the safeguards this run turns off. WinRM modes
// count only when WinRM can be used (--transport winrm or auto), LDAP
// ones only with --domain (check refuses them otherwise).
func (f *scanFlags) insecureModes() []insecureMode {
	var modes []insecureMode
	switch strings.ToLower(strings.TrimSpace(f.transport.name)) {
	case transportWinRM, transportAuto:
		w := f.transport.winrm
		if !w.HTTPS {
			modes = append(modes, insecureMode{"winrm-http", "--winrm-https=false",
				"WinRM speaks HTTP: the commands and every value read from the hosts cross the network unencrypted, and anyone in between can change them"})
		}
		if w.HTTPS && w.Insecure {
			modes = append(modes, insecureMode{"winrm-tls-unverified", "--winrm-insecure",
				"the WinRM listeners' certificates are not verified: anyone in between can pose as a host, answer for it and receive its logon"})
		}
		if w.Basic {
			modes = append(modes, insecureMode{"winrm-basic", "--winrm-basic",
				"Basic authentication hands the password itself to every WinRM host scanned"})
		}
	}
	if len(f.domains) > 0 {
		if f.insecureLDAP {
			modes = append(modes, insecureMode{"ldap-tls-unverified", "--insecure-ldap",
				"the DC's certificate is not verified: anyone in between can pose as the DC, receive the bind and choose the hosts scanned"})
		}
		if ad.TLSMode(f.ldapTLS) == ad.TLSNone {
			modes = append(modes, insecureMode{"ldap-no-tls", "--ldap-tls none",
				"LDAP runs without TLS: anyone in between can read the directory's answers and choose the hosts scanned"})
		}
	}
	return modes
}

// warnInsecure says once, before anything is sent, which safeguards are
// off, and returns their tokens for the reports, sorted (as the rollup
// lists them).
func warnInsecure(stderr io.Writer, modes []insecureMode) []string {
	var tokens []string
	for _, m := range modes {
		fmt.Fprintf(stderr, "patchscan: warning: %s: %s (recorded in the reports as insecure=%q)\n", m.flag, m.risk, m.token)
		tokens = append(tokens, m.token)
	}
	sort.Strings(tokens)
	return tokens
}
