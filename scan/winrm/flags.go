package winrm

import "github.com/spf13/pflag"

// AddFlags registers the WinRM options on a command's flag set, bound to
// c (start from DefaultConfig so HTTPS is on by default). The port flag
// stays with the caller, which also picks the port targets are dialled on.
func (c *Config) AddFlags(fs *pflag.FlagSet) {
	fs.BoolVar(&c.HTTPS, "winrm-https", c.HTTPS,
		"WinRM over HTTPS (port 5986); --winrm-https=false speaks HTTP (5985), NTLM only, and needs AllowUnencrypted on the host")
	fs.BoolVar(&c.Insecure, "winrm-insecure", false,
		"do not verify the WinRM listener's TLS certificate (unsafe: anyone in between can pose as the host)")
	fs.StringVar(&c.CAFile, "winrm-ca", "", "PEM `FILE` of the CA certificates that sign the WinRM listeners' certificates")
	fs.BoolVar(&c.Basic, "winrm-basic", false, "authenticate with Basic instead of NTLM (HTTPS only; local accounts with Basic enabled on the service)")
}
