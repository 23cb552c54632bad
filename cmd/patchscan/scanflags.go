package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/patchscan/patchscan/detect"
	"github.com/patchscan/patchscan/internal/netguard"
	"github.com/patchscan/patchscan/internal/textsafe"
	"github.com/patchscan/patchscan/scan"
	"github.com/patchscan/patchscan/scan/ad"
	"github.com/patchscan/patchscan/scan/targets"
)

// defaultMaxHosts is the largest target list accepted without --max-hosts.
const defaultMaxHosts = 65536

// scanFlags holds every option of `patchscan scan`.
type scanFlags struct {
	hostsFiles    []string
	images        []string
	domains       []string
	catalogPath   string
	threads       int
	timeout       time.Duration
	probeTimeout  time.Duration
	baseline      bool
	suppressFile  string
	approvedFile  string
	checksums     detect.ChecksumMode
	checks        checksFlag // --checks (checks.go)
	baselineFile  string     // --baseline-file
	verbose       bool
	quiet         bool
	maxHosts      int
	strictTargets bool
	// maxLogonFailures protects the account from lockout (issue 13.7).
	maxLogonFailures int

	// Active Directory.
	dc           string
	ou           string
	ldapFilter   string
	ldapCA       string
	insecureLDAP bool
	ldapTLS      string
	ldapBind     string
	dnsServer    string

	creds     credFlags
	transport transportFlags
	output    outputFlags
	store     storeFlags
}

// register binds every option of `patchscan scan` to f.
func (f *scanFlags) register(fs *pflag.FlagSet) {
	fs.StringArrayVar(&f.hostsFiles, "hosts-file", nil, "read targets from FILE, one per line (# comments; - for stdin); repeatable")
	fs.StringArrayVar(&f.images, "image", nil, "scan the offline Windows volume whose root is DIR (mounted or extracted: it holds Windows\\); repeatable, mixes with network targets")
	fs.StringArrayVar(&f.domains, "domain", nil, "scan the enabled computers of this AD domain (DNS name); repeatable")
	fs.StringVar(&f.catalogPath, "catalog", "", "catalog file (.xml, .xml.gz or - for stdin; Microsoft's mssecure.xml is converted on the fly); default: the embedded catalog")
	fs.IntVar(&f.threads, "threads", scan.DefaultThreads, fmt.Sprintf("hosts scanned at once (1-%d)", scan.MaxThreads))
	fs.DurationVar(&f.timeout, "timeout", scan.DefaultTimeout, "time allowed per host: connect, authenticate and every read")
	fs.DurationVar(&f.probeTimeout, "probe-timeout", scan.DefaultProbeTimeout, "TCP probe of the transport port before a session; hosts that don't answer are unreachable")
	fs.BoolVar(&f.baseline, "baseline", false, "only bulletins marked Baseline in the catalog")
	fs.StringVar(&f.suppressFile, "suppress", "", "FILE of bulletin IDs or KB numbers to leave out, one per line")
	fs.StringVar(&f.approvedFile, "approved", "", "FILE of approved KB numbers, one per line: evaluate only those")
	fs.Var(checksumFlag{&f.checksums}, "checksums", "verify file SHA-256: auto (only where the host's language matches the catalog's), on, off")
	fs.BoolVarP(&f.verbose, "verbose", "v", false, "log each host's start and finish on stderr (the reports are the same with or without it)")
	fs.BoolVarP(&f.quiet, "quiet", "q", false, "no progress bar")
	fs.IntVar(&f.maxHosts, "max-hosts", defaultMaxHosts, "refuse target lists larger than this")
	fs.BoolVar(&f.strictTargets, "strict-targets", false, "stop (exit 64) on any bad target instead of skipping it")
	fs.IntVar(&f.maxLogonFailures, "max-logon-failures", scan.DefaultMaxLogonFailures, "stop logging on to hosts after this many failed logons, so that a wrong password cannot lock the account out; the credential is verified on one host before the others, and at most this many logons are in flight at once (0: no limit)")
	fs.StringVar(&f.dc, "dc", "", "domain controller for --domain (host or host:port); default: found via DNS SRV")
	fs.StringVar(&f.ou, "ou", "", "only computers under this OU (e.g. OU=Servers, or a full DN)")
	fs.StringVar(&f.ldapFilter, "ldap-filter", "", "extra LDAP filter ANDed with the enabled-computers filter, e.g. (operatingSystem=*Server*)")
	fs.StringVar(&f.ldapCA, "ldap-ca", "", "PEM file of the CA that issued the DC's LDAPS certificate")
	fs.BoolVar(&f.insecureLDAP, "insecure-ldap", false, "do not verify the DC's certificate (labs only)")
	fs.StringVar(&f.ldapTLS, "ldap-tls", string(ad.TLSAuto), "LDAP protection: auto (LDAPS, else StartTLS), ldaps, starttls, none")
	fs.StringVar(&f.ldapBind, "ldap-bind", string(ad.BindAuto), "LDAP bind: auto (simple over TLS, NTLM otherwise), simple, ntlm")
	fs.StringVar(&f.dnsServer, "dns-server", "", "DNS server (e.g. a DC) for finding DCs and resolving host names, instead of the system's")
	f.registerChecks(fs) // checks.go
	f.creds.register(fs)
	f.transport.register(fs)
	f.output.register(fs)
	f.store.register(fs)
}

// checksumFlag is --checksums: a detect.ChecksumMode as a flag value.
type checksumFlag struct{ mode *detect.ChecksumMode }

func (c checksumFlag) String() string {
	if c.mode == nil {
		return detect.ChecksumAuto.String()
	}
	return c.mode.String()
}

func (c checksumFlag) Set(s string) error {
	m, err := detect.ParseChecksumMode(s)
	if err != nil {
		return err
	}
	*c.mode = m
	return nil
}

func (c checksumFlag) Type() string { return "auto|on|off" }

// check validates flag values that need no I/O.
func (f *scanFlags) check(cmd *cobra.Command) error {
	switch {
	case f.threads < 1 || f.threads > scan.MaxThreads:
		return usageErrorf("--threads %d: use 1 to %d", f.threads, scan.MaxThreads)
	case f.timeout <= 0:
		return usageErrorf("--timeout must be positive (e.g. 60s)")
	case f.probeTimeout <= 0:
		return usageErrorf("--probe-timeout must be positive (e.g. 1s)")
	case f.probeTimeout > f.timeout:
		return usageErrorf("--probe-timeout %s is longer than --timeout %s", f.probeTimeout, f.timeout)
	case f.maxHosts < 1:
		return usageErrorf("--max-hosts must be at least 1")
	case f.maxLogonFailures < 0:
		return usageErrorf("--max-logon-failures must be 0 (no limit) or more")
	case f.quiet && f.verbose:
		return usageErrorf("--quiet and --verbose contradict each other")
	}
	stdinUsers := 0
	for _, h := range f.hostsFiles {
		if h == "-" {
			stdinUsers++
		}
	}
	if f.catalogPath == "-" {
		stdinUsers++
	}
	if stdinUsers > 1 {
		return usageErrorf("stdin (-) can feed only one of --hosts-file and --catalog")
	}
	f.ldapTLS = strings.ToLower(strings.TrimSpace(f.ldapTLS))
	f.ldapBind = strings.ToLower(strings.TrimSpace(f.ldapBind))
	switch ad.TLSMode(f.ldapTLS) {
	case ad.TLSAuto, ad.TLSLDAPS, ad.TLSStartTLS, ad.TLSNone:
	default:
		return usageErrorf("unknown --ldap-tls %q: use auto, ldaps, starttls or none", f.ldapTLS)
	}
	switch ad.BindMode(f.ldapBind) {
	case ad.BindAuto, ad.BindNTLM, ad.BindSimple:
	default:
		return usageErrorf("unknown --ldap-bind %q: use auto, ntlm or simple", f.ldapBind)
	}
	// Refused before any prompt or packet: the password would cross the
	// network in clear text whatever the DC answers (issue 13.5).
	if ad.TLSMode(f.ldapTLS) == ad.TLSNone && ad.BindMode(f.ldapBind) == ad.BindSimple {
		return usageErrorf("--ldap-tls none with --ldap-bind simple would send the password in clear text: use --ldap-tls auto, ldaps or starttls, or --ldap-bind ntlm")
	}
	if len(f.domains) == 0 {
		for _, name := range []string{"dc", "ou", "ldap-filter", "ldap-ca", "insecure-ldap", "ldap-tls", "ldap-bind"} {
			if cmd.Flags().Changed(name) {
				return usageErrorf("--%s only applies with --domain", name)
			}
		}
	}
	return f.store.check(cmd.Flags())
}

// targetList reads the targets of the command line and --hosts-file: the
// bad ones are listed on stderr (and end the command under
// --strict-targets), an empty or too large list is a usage error.
func (f *scanFlags) targetList(cmd *cobra.Command, args []string, port int) (*targets.List, error) {
	list := &targets.List{DefaultPort: port}
	if err := f.readTargets(cmd, list, args); err != nil {
		return nil, err
	}
	for _, b := range list.Bad {
		fmt.Fprintln(cmd.ErrOrStderr(), "patchscan:", textsafe.Line(b.Error(), maxStderrLine))
	}
	if len(list.Bad) > 0 && f.strictTargets {
		return nil, &exitError{code: ExitUsage, err: fmt.Errorf("%d bad target(s) (listed above) and --strict-targets is set", len(list.Bad))}
	}
	if len(list.Entries()) == 0 && len(f.domains) == 0 && len(f.images) == 0 {
		if len(list.Bad) > 0 {
			return nil, usageErrorf("no valid targets (the bad ones are listed above)")
		}
		return nil, usageErrorf("no targets: give hosts, addresses, ranges or CIDRs, --hosts-file FILE, --domain NAME or --image DIR (see patchscan scan --help)")
	}
	if n := list.Count(); n > uint64(f.maxHosts) {
		return nil, usageErrorf("the targets expand to %s hosts, more than --max-hosts %d: narrow the ranges or raise --max-hosts", countString(n), f.maxHosts)
	}
	return list, nil
}

// skippedTargets are the bad entries of list this run reports as not
// scanned (issue 13.10): all of them, or with --shard the shard's share,
// so that shards together report each once.
func (f *scanFlags) skippedTargets(list *targets.List, port int) []*targets.EntryError {
	var own []*targets.EntryError
	for _, b := range list.Bad {
		if f.store.parsedShard.Owns(targets.Target{Host: b.Entry}, port) {
			own = append(own, b)
		}
	}
	return own
}

// entrySources names where bad entries came from, the first few of them.
func entrySources(bad []*targets.EntryError) string {
	const shown = 5
	var names []string
	for _, b := range bad[:min(len(bad), shown)] {
		names = append(names, textsafe.Line(b.Source, maxStderrLine))
	}
	s := strings.Join(names, ", ")
	if len(bad) > shown {
		s += fmt.Sprintf(" and %d more", len(bad)-shown)
	}
	return s
}

func (f *scanFlags) readTargets(cmd *cobra.Command, list *targets.List, args []string) error {
	for i, a := range args {
		if err := list.Add(a, fmt.Sprintf("argument %d", i+1)); errors.Is(err, targets.ErrTooManyEntries) {
			return usageErrorf("%v", err)
		}
	}
	for _, name := range f.hostsFiles {
		var r io.Reader
		label := name
		if name == "-" {
			r, label = cmd.InOrStdin(), "<stdin>"
		} else {
			fh, err := os.Open(name)
			if err != nil {
				return usageErrorf("--hosts-file: %v", err)
			}
			defer fh.Close()
			r = fh
		}
		if err := list.ReadHosts(r, label); err != nil {
			return usageErrorf("--hosts-file: %v", err)
		}
	}
	return nil
}

func countString(n uint64) string {
	if n == ^uint64(0) {
		return "more than 18 quintillion"
	}
	return fmt.Sprint(n)
}

// envLoopbackOnly names the environment variable that puts a run under
// the loopback-only network policy (make demo and the tests set it).
const envLoopbackOnly = "PATCHSCAN_LOOPBACK_ONLY"

// network is how the run may reach hosts: the policy, from the
// environment, and the resolver of host and DC names it allows
// (--dns-server's, or the system's, which the loopback policy never asks).
type network struct {
	policy   netguard.Policy
	resolver *net.Resolver
}

func (f *scanFlags) network(getenv func(string) string) (network, error) {
	p := netguard.Policy{LoopbackOnly: getenv(envLoopbackOnly) == "1"}
	r, err := p.Resolver(f.dnsServer)
	if err != nil {
		return network{}, usageErrorf("--dns-server: %v", err)
	}
	return network{policy: p, resolver: r}, nil
}
