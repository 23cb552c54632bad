// Command patchscan-lab starts the Samba lab for a person to play with
// (make lab): the standard hosts on 127.0.0.21 and up, port 445, until
// Ctrl-C. With -shared, one smbd on 0.0.0.0:PORT answers every 127.x address
// (fleet tests and benchmarks).
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/patchscan/patchscan/internal/lab"
)

func main() {
	dir := flag.String("dir", "", "state directory (default: a new temporary directory, removed on exit)")
	shared := flag.Bool("shared", false, "one smbd (the patched host) on 0.0.0.0:-port for fleet tests")
	port := flag.Int("port", 0, "port (default 445; with -shared, a free port)")
	first := flag.Int("first", 21, "last octet of the first host's address 127.0.0.N")
	flag.Parse()
	if err := run(*dir, *shared, *port, *first); err != nil {
		fmt.Fprintln(os.Stderr, "patchscan-lab:", err)
		os.Exit(1)
	}
}

func run(dir string, shared bool, port, first int) error {
	// Catch Ctrl-C before anything starts, so an interrupt during start-up
	// still stops what was started.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	if dir == "" {
		d, err := os.MkdirTemp("", "patchscan-lab-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	hosts := lab.StandardHosts()
	for i := range hosts {
		hosts[i].Addr = fmt.Sprintf("127.0.0.%d", first+i)
	}
	l, err := lab.Run(filepath.Join(dir, "lab"), lab.Config{Port: port, Shared: shared}, hosts...)
	if err != nil {
		return err
	}
	defer l.Stop()

	// The password goes to a file only the caller can read, never to the
	// terminal: patchscan reads it with --password-file.
	pwFile := filepath.Join(dir, "password")
	if err := os.WriteFile(pwFile, []byte(l.Password+"\n"), 0o600); err != nil {
		return err
	}
	fmt.Printf("patchscan Samba lab running (state in %s)\n\n", l.Dir)
	fmt.Printf("  user:     %s\\%s\n", l.Domain, l.User)
	fmt.Printf("  password: in %s\n\n", pwFile)
	for _, h := range l.Hosts {
		fmt.Printf("  %-15s %-22s expected MS17-010: %s\n", h.Name, h.Addr(), lab.Expected[h.Name])
	}
	h := l.Hosts[0]
	target := h.IP
	if shared {
		target = fmt.Sprintf("127.0.0.1-254 (any 127.x address) --smb-port %d", h.Port)
	} else if h.Port != 445 {
		target = fmt.Sprintf("%s --smb-port %d", h.IP, h.Port)
	} else if len(l.Hosts) > 1 {
		target = fmt.Sprintf("%s-%d", h.IP, first+len(l.Hosts)-1)
	}
	fmt.Printf("\nScan it:\n  go run ./cmd/patchscan scan %s --user '%s\\%s' --password-file %s --catalog testdata/catalogs/lab.xml\n",
		target, l.Domain, l.User, pwFile)
	fmt.Printf("Browse it:\n  smbclient //%s/C$ -U '%s\\%s' -m SMB3   (password from %s)\n", h.IP, l.Domain, l.User, pwFile)
	fmt.Printf("\nStop it: press Ctrl-C (or kill %d).\n", os.Getpid())

	<-sig
	fmt.Println("\nstopping the lab")
	return l.Stop()
}
