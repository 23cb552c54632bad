package main

import (
	"context"
	"net"
	"strings"

	"github.com/spf13/pflag"

	"github.com/patchscan/patchscan/scan/smb"
	"github.com/patchscan/patchscan/scan/transport"
	"github.com/patchscan/patchscan/scan/winrm"
)

// Transport names of --transport.
const (
	transportSMB   = "smb"
	transportWinRM = "winrm"
	transportAuto  = "auto"
)

// Default ports of the transports.
const (
	defaultSMBPort       = 445
	defaultWinRMPort     = 5986 // HTTPS
	defaultWinRMHTTPPort = 5985
)

// transportFlags choose how hosts are reached.
type transportFlags struct {
	name      string
	smbPort   int
	winrmPort int
	winrm     winrm.Config
	fs        *pflag.FlagSet // to tell a --winrm-port given from its default
	// configFacts: the run checks configuration (SMB opens those pipes
	// at set-up).
	configFacts bool
}

func (f *transportFlags) register(fs *pflag.FlagSet) {
	f.fs = fs
	f.winrm = winrm.DefaultConfig()
	fs.StringVar(&f.name, "transport", transportSMB, "how to reach hosts: smb (Remote Registry and admin shares), winrm, or auto (SMB, falling back to WinRM when 445 is closed or the winreg pipe is unavailable)")
	fs.IntVar(&f.smbPort, "smb-port", defaultSMBPort, "TCP port for SMB when a target gives none")
	fs.IntVar(&f.winrmPort, "winrm-port", defaultWinRMPort, "TCP port for WinRM when a target gives none (5985 with --winrm-https=false)")
	registerWinRM(fs, &f.winrm)
}

// registerWinRM binds the WinRM options to c (start from
// winrm.DefaultConfig, so HTTPS is on by default). --winrm-port stays with
// transportFlags, which also picks the port targets are dialled on.
func registerWinRM(fs *pflag.FlagSet, c *winrm.Config) {
	fs.BoolVar(&c.HTTPS, "winrm-https", c.HTTPS,
		"WinRM over HTTPS (port 5986); --winrm-https=false speaks HTTP (5985), NTLM only, and needs AllowUnencrypted on the host")
	fs.BoolVar(&c.Insecure, "winrm-insecure", false,
		"do not verify the WinRM listener's TLS certificate (unsafe: anyone in between can pose as the host)")
	fs.StringVar(&c.CAFile, "winrm-ca", "", "PEM `FILE` of the CA certificates that sign the WinRM listeners' certificates")
	fs.BoolVar(&c.Basic, "winrm-basic", false, "authenticate with Basic instead of NTLM (HTTPS only; local accounts with Basic enabled on the service)")
}

// transportChoice is what the run needs to know about the chosen transport.
type transportChoice struct {
	opener transport.Opener
	port   int  // port dialled for targets that give none
	probe  bool // whether a TCP probe of port says anything about reachability
}

// opener builds the transport; dial holds to the run's network policy.
func (f *transportFlags) opener(dial func(ctx context.Context, network, addr string) (net.Conn, error)) (transportChoice, error) {
	winrmPort := f.winrmPort
	if !f.winrm.HTTPS && (f.fs == nil || !f.fs.Changed("winrm-port")) {
		winrmPort = defaultWinRMHTTPPort
	}
	for flag, p := range map[string]int{"--smb-port": f.smbPort, "--winrm-port": winrmPort} {
		if p < 1 || p > 65535 {
			return transportChoice{}, usageErrorf("%s %d: a port is a number from 1 to 65535", flag, p)
		}
	}
	name := strings.ToLower(strings.TrimSpace(f.name))
	if name == transportWinRM || name == transportAuto {
		if err := f.winrm.Validate(); err != nil {
			return transportChoice{}, winrmConfigError(err)
		}
	}
	smbOpener := func() transport.Opener {
		return smb.NewOpener(smb.Config{Port: f.smbPort, Dial: dial, ConfigFacts: f.configFacts})
	}
	winrmConfig := f.winrm
	winrmConfig.Dial = dial
	switch name {
	case transportSMB:
		return transportChoice{opener: smbOpener(), port: f.smbPort, probe: true}, nil
	case transportWinRM:
		cfg := winrmConfig
		cfg.Port, cfg.PortFromAddr = winrmPort, true // targets carry WinRM ports
		return transportChoice{opener: winrm.NewOpener(cfg), port: winrmPort, probe: true}, nil
	case transportAuto:
		// Targets carry the SMB port; WinRM always uses --winrm-port. No
		// probe: a closed 445 is exactly when WinRM must still be tried.
		cfg := winrmConfig
		cfg.Port, cfg.PortFromAddr = winrmPort, false
		return transportChoice{opener: transport.NewAuto(smbOpener(), winrm.NewOpener(cfg)), port: f.smbPort, probe: false}, nil
	}
	return transportChoice{}, usageErrorf("unknown --transport %q: use smb, winrm or auto", f.name)
}
