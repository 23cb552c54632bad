package main

import (
	"strings"

	"github.com/spf13/pflag"

	"github.com/patchscan/patchscan/scan/smb"
	"github.com/patchscan/patchscan/scan/transport"
)

// Transport names of --transport.
const (
	transportSMB   = "smb"
	transportWinRM = "winrm"
	transportAuto  = "auto"
)

// Default ports of the transports.
const (
	defaultSMBPort   = 445
	defaultWinRMPort = 5986
)

// transportFlags choose how hosts are reached.
type transportFlags struct {
	name      string
	smbPort   int
	winrmPort int
}

func (f *transportFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.name, "transport", transportSMB, "how to reach hosts: smb (Remote Registry and admin shares), winrm, or auto")
	fs.IntVar(&f.smbPort, "smb-port", defaultSMBPort, "TCP port for SMB when a target gives none")
	fs.IntVar(&f.winrmPort, "winrm-port", defaultWinRMPort, "TCP port for WinRM when a target gives none")
}

// opener builds the transport and says which port targets without one
// are dialled (and probed) on.
func (f *transportFlags) opener() (transport.Opener, int, error) {
	for flag, p := range map[string]int{"--smb-port": f.smbPort, "--winrm-port": f.winrmPort} {
		if p < 1 || p > 65535 {
			return nil, 0, usageErrorf("%s %d: a port is a number from 1 to 65535", flag, p)
		}
	}
	switch strings.ToLower(strings.TrimSpace(f.name)) {
	case transportSMB:
		return smb.NewOpener(smb.Config{Port: f.smbPort}), f.smbPort, nil
	case transportWinRM, transportAuto:
		// Integration point for the WinRM transport (scan/winrm): return
		// winrm.NewOpener(...) with f.winrmPort here, and for auto an
		// opener that tries SMB and falls back to WinRM.
		return nil, 0, usageErrorf("--transport %s is not available yet: use --transport smb", f.name)
	}
	return nil, 0, usageErrorf("unknown --transport %q: use smb, winrm or auto", f.name)
}
