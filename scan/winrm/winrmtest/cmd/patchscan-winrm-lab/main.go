// Command patchscan-winrm-lab starts WinRM test servers (scan/winrm/winrmtest)
// for the standard lab hosts, answering from the same fixtures as the Samba
// lab, for a person to scan with --transport winrm (make winrm-lab). It
// needs neither Samba nor root: each host gets a loopback address 127.0.0.N
// on one port, plain HTTP with NTLM. Ctrl-C stops it.
package main

import (
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/patchscan/patchscan/internal/lab"
	"github.com/patchscan/patchscan/scan/transport"
	"github.com/patchscan/patchscan/scan/winrm/winrmtest"
)

func main() {
	port := flag.Int("port", 5985, "port every host listens on")
	first := flag.Int("first", 41, "last octet of the first host's address 127.0.0.N")
	flag.Parse()
	if err := run(*port, *first); err != nil {
		fmt.Fprintln(os.Stderr, "patchscan-winrm-lab:", err)
		os.Exit(1)
	}
}

func secret() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func run(port, first int) error {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	dir, err := os.MkdirTemp("", "patchscan-winrm-lab-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	password := secret()
	pwFile := filepath.Join(dir, "password")
	if err := os.WriteFile(pwFile, []byte(password+"\n"), 0o600); err != nil {
		return err
	}
	specs := lab.StandardHosts()
	var servers []*winrmtest.Server
	defer func() {
		for _, s := range servers {
			s.Close()
		}
	}()
	fmt.Printf("patchscan WinRM lab running (test server, not Windows)\n\n  user:     %s\\%s\n  password: in %s\n\n", lab.Workgroup, lab.Account, pwFile)
	for i, spec := range specs {
		host, err := winrmtest.LabHost(spec)
		if err != nil {
			return err
		}
		acct := winrmtest.Account{Domain: lab.Workgroup, User: lab.Account, Password: password}
		if spec.RejectPassword {
			acct.Password = secret()
		}
		srv, err := winrmtest.Start(winrmtest.Options{
			ListenAddr: fmt.Sprintf("127.0.0.%d:%d", first+i, port),
			Host:       host,
			Account:    acct,
			DenyShell:  lab.Expected[spec.Name] == string(transport.AccessDenied),
		})
		if err != nil {
			return err
		}
		servers = append(servers, srv)
		note := ""
		if spec.NoWinreg {
			note = " (SMB would fail: no winreg; WinRM does not need it)"
		}
		fmt.Printf("  %-15s %-22s expected over SMB: %s%s\n", spec.Name, srv.Addr(), lab.Expected[spec.Name], note)
	}
	fmt.Printf("\nScan it:\n  go run ./cmd/patchscan scan --transport winrm --winrm-https=false --winrm-port %d 127.0.0.%d-%d --user '%s\\%s' --password-file %s --catalog testdata/catalogs/lab.xml\n",
		port, first, first+len(specs)-1, lab.Workgroup, lab.Account, pwFile)
	fmt.Printf("\nStop it: press Ctrl-C (or kill %d).\n", os.Getpid())
	<-sig
	fmt.Println("\nstopping the WinRM lab")
	return nil
}
