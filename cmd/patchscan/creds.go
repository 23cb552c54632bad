package main

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/patchscan/patchscan/internal/textsafe"
	"github.com/patchscan/patchscan/scan/transport"
)

// Environment variables that carry secrets. There is deliberately no
// --password flag: a command line is visible to every user through ps.
const (
	envPassword = "PATCHSCAN_PASSWORD"
	envNTHash   = "PATCHSCAN_NTHASH"
)

// maxPasswordFile bounds --password-file: a password, not a document.
const maxPasswordFile = 4096

// credFlags are the scan's credential options.
type credFlags struct {
	user         string
	passwordFile string
}

func (c *credFlags) register(fs *pflag.FlagSet) {
	fs.StringVarP(&c.user, "user", "u", "", `account to scan with: DOMAIN\user, user@domain, or user (a local account); the password comes from `+envPassword+`, --password-file or a prompt`)
	fs.StringVar(&c.passwordFile, "password-file", "", "read the password from the first line of FILE (keep it readable by you only)")
}

// credSource is what resolve needs from the process, so tests can fake a
// terminal and an environment.
type credSource struct {
	getenv   func(string) string
	stdin    io.Reader
	isTTY    bool                              // stdin is a terminal
	readPass func() ([]byte, error)            // reads a line without echo
	stderr   io.Writer                         // prompt and warnings
	stat     func(string) (os.FileInfo, error) // for the permission warning
}

func osCredSource(stderr io.Writer) credSource {
	fd := int(os.Stdin.Fd())
	return credSource{
		getenv:   os.Getenv,
		stdin:    os.Stdin,
		isTTY:    term.IsTerminal(fd),
		readPass: func() ([]byte, error) { return readPasswordRestoring(fd, stderr) },
		stderr:   stderr,
		stat:     os.Stat,
	}
}

// readPasswordRestoring reads a password without echo. Ctrl-C at the
// prompt would otherwise kill the process with echo still off and leave
// the operator's terminal unusable, so a signal restores it first.
func readPasswordRestoring(fd int, stderr io.Writer) ([]byte, error) {
	state, err := term.GetState(fd)
	if err != nil {
		return nil, err
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	defer func() {
		signal.Stop(sigs)
		close(done)
	}()
	go func() {
		select {
		case <-sigs:
			_ = term.Restore(fd, state)
			fmt.Fprintln(stderr)
			os.Exit(exitAborted)
		case <-done:
		}
	}()
	return term.ReadPassword(fd)
}

// parseUser splits DOMAIN\user and user@domain.
func parseUser(s string) (domain, user string, err error) {
	s = strings.TrimSpace(s)
	bad := func(why string) (string, string, error) {
		return "", "", usageErrorf(`bad --user %q: %s (want DOMAIN\user, user@domain or user)`, s, why)
	}
	switch {
	case s == "":
		return bad("empty")
	case strings.ContainsAny(s, "\x00\r\n\t"):
		return bad("control characters")
	case strings.Contains(s, `\`):
		if strings.Count(s, `\`) > 1 {
			return bad(`more than one '\'`)
		}
		domain, user, _ = strings.Cut(s, `\`)
		if domain == "" || user == "" {
			return bad("empty domain or user name")
		}
		if strings.Contains(user, "@") {
			return bad(`mixes DOMAIN\ and @domain`)
		}
		return domain, user, nil
	case strings.Contains(s, "@"):
		i := strings.LastIndexByte(s, '@')
		user, domain = s[:i], s[i+1:]
		if domain == "" || user == "" {
			return bad("empty domain or user name")
		}
		return domain, user, nil
	}
	return "", s, nil
}

// resolve builds the credentials. Precedence: --password-file, then
// PATCHSCAN_PASSWORD, then PATCHSCAN_NTHASH, then a no-echo prompt when
// stdin is a terminal. Secrets never appear in the errors.
func (c *credFlags) resolve(src credSource) (transport.Credentials, error) {
	if c.user == "" {
		if c.passwordFile != "" {
			return transport.Credentials{}, usageErrorf("--password-file needs --user")
		}
		return transport.Credentials{}, usageErrorf(`no --user: give the account to scan with (DOMAIN\user or user@domain)`)
	}
	domain, user, err := parseUser(c.user)
	if err != nil {
		return transport.Credentials{}, err
	}
	creds := transport.Credentials{Domain: domain, User: user}

	switch {
	case c.passwordFile != "":
		p, err := readPasswordFile(c.passwordFile, src)
		if err != nil {
			return transport.Credentials{}, err
		}
		creds.Password = p
	case src.getenv(envPassword) != "":
		creds.Password = src.getenv(envPassword)
	case src.getenv(envNTHash) != "":
		h, err := parseNTHash(src.getenv(envNTHash))
		if err != nil {
			return transport.Credentials{}, err
		}
		creds.NTHash = h
	case src.isTTY:
		fmt.Fprintf(src.stderr, "Password for %s: ", textsafe.Line(creds.String(), maxStderrLine))
		p, err := src.readPass()
		fmt.Fprintln(src.stderr)
		if err != nil {
			return transport.Credentials{}, fmt.Errorf("reading the password from the terminal: %w", err)
		}
		creds.Password = strings.TrimRight(string(p), "\r\n")
		if creds.Password == "" {
			return transport.Credentials{}, usageErrorf("empty password")
		}
	default:
		return transport.Credentials{}, usageErrorf("no password for %s: set %s, use --password-file FILE, or run on a terminal to be prompted", creds, envPassword)
	}
	return creds, nil
}

func readPasswordFile(name string, src credSource) (string, error) {
	if src.stat != nil {
		if fi, err := src.stat(name); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o077 != 0 {
			fmt.Fprintf(src.stderr, "patchscan: warning: --password-file %s is readable by other users (chmod 600 it)\n", textsafe.Line(name, maxStderrLine))
		}
	}
	f, err := os.Open(name)
	if err != nil {
		return "", usageErrorf("--password-file: %v", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxPasswordFile+1))
	if err != nil {
		return "", usageErrorf("--password-file %s: %v", name, err)
	}
	if len(b) > maxPasswordFile {
		return "", usageErrorf("--password-file %s is longer than %d bytes: it should hold only the password", name, maxPasswordFile)
	}
	line, _, _ := bytes.Cut(b, []byte("\n"))
	p := strings.TrimSuffix(string(line), "\r")
	if p == "" {
		return "", usageErrorf("--password-file %s: the first line is empty", name)
	}
	return p, nil
}

func parseNTHash(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	// Accept the LM:NT form tools such as secretsdump print.
	if i := strings.IndexByte(s, ':'); i >= 0 {
		s = s[i+1:]
	}
	h, err := hex.DecodeString(s)
	if err != nil || len(h) != 16 {
		// Never echo the value: it is a secret.
		return nil, usageErrorf("%s is not an NT hash (32 hex digits)", envNTHash)
	}
	return h, nil
}
