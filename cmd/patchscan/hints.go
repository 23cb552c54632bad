package main

import (
	"errors"

	"github.com/patchscan/patchscan/scan/hint"
	"github.com/patchscan/patchscan/scan/winrm"
)

// flagWords says each library hint (scan/hint) in terms of this command's
// flags: the libraries know what the operator can change, only the command
// line knows which flag does it.
var flagWords = map[hint.Hint]string{
	hint.RaiseTimeout:      "raise --timeout for slow hosts or links",
	hint.RaiseProbeTimeout: "raise --probe-timeout for slow links",
	hint.SetDNSServer:      "or point --dns-server at a DNS server that knows the name, e.g. a DC",
	hint.CheckCredentials:  "check --user and the password",
	hint.TryWinRM:          "or try --transport winrm",
	hint.NameDC:            "name a domain controller with --dc",
	hint.CheckOU:           "check --ou",
	hint.CheckLDAPFilter:   "check --ldap-filter",
	hint.CheckLDAPCA:       "check --ldap-ca",
	hint.TrustDC:           "pass the domain's CA with --ldap-ca FILE, or --insecure-ldap to skip verification in a lab",
	hint.GiveUser:          "give --user DOMAIN\\user",
	hint.UseLDAPTLS:        "use LDAPS or StartTLS (--ldap-tls auto)",
	hint.UseNTLMBind:       "or --ldap-bind ntlm",
	hint.UseSimpleBind:     "use TLS with a simple bind (--ldap-bind auto)",
	hint.NarrowDomain:      "raise --max-hosts or narrow with --ou / --ldap-filter",
	hint.TrustWinRM:        "give the CA with --winrm-ca FILE (or, knowing the risk, --winrm-insecure)",
	hint.UseWinRMHTTP:      "use --winrm-https=false for an HTTP listener (5985)",
}

// explain is err followed by what the operator can do, in flags.
func explain(err error) error {
	if err == nil {
		return nil
	}
	return hint.Append(err, func(h hint.Hint) string { return flagWords[h] })
}

// winrmConfigError words a WinRM configuration mistake in flags.
func winrmConfigError(err error) error {
	switch {
	case errors.Is(err, winrm.ErrBasicNeedsHTTPS):
		return usageErrorf("--winrm-basic sends the password in clear text and is only allowed over HTTPS; drop --winrm-https=false or use NTLM")
	case errors.Is(err, winrm.ErrInsecureNeedsHTTPS):
		return usageErrorf("--winrm-insecure only applies to HTTPS")
	case errors.Is(err, winrm.ErrCANeedsHTTPS):
		return usageErrorf("--winrm-ca only applies to HTTPS")
	}
	return usageErrorf("%v", explain(err))
}
