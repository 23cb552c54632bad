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

	fmt.Printf("patchscan Samba lab running (state in %s)\n\n", l.Dir)
	fmt.Printf("  user:     %s\\%s\n", l.Domain, l.User)
	// The lab password is a throwaway for loopback test hosts; a person
	// needs it to scan them.
	fmt.Printf("  password: %s\n\n", l.Password)
	for _, h := range l.Hosts {
		note := "expected MS17-010: " + lab.Expected[h.Name]
		fmt.Printf("  %-15s %-22s %s\n", h.Name, h.Addr(), note)
	}
	h := l.Hosts[0]
	target := h.IP
	if shared {
		target = fmt.Sprintf("127.0.0.1-254 (any 127.x address) --smb-port %d", h.Port)
	} else if h.Port != 445 {
		target = fmt.Sprintf("%s --smb-port %d", h.IP, h.Port)
	}
	fmt.Printf("\nScan it:\n  PATCHSCAN_PASSWORD='%s' go run ./cmd/patchscan scan %s --user '%s\\%s' --catalog testdata/catalogs/lab.xml\n",
		l.Password, target, l.Domain, l.User)
	fmt.Printf("Browse it:\n  smbclient //%s/C$ -U '%s\\%s%%%s' -m SMB3\n", h.IP, l.Domain, l.User, l.Password)
	fmt.Printf("\nStop it: press Ctrl-C (or kill %d).\n", os.Getpid())

	<-sig
	fmt.Println("\nstopping the lab")
	return l.Stop()
}
