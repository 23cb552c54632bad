package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/patchscan/patchscan/catalog"
	"github.com/patchscan/patchscan/detect"
	"github.com/patchscan/patchscan/internal/textsafe"
	"github.com/patchscan/patchscan/report"
	"github.com/patchscan/patchscan/scan"
	"github.com/patchscan/patchscan/scan/ad"
	"github.com/patchscan/patchscan/scan/targets"
	"github.com/patchscan/patchscan/scan/transport"
)

// exitAborted is the status of a run ended at once by a second Ctrl-C
// (128 + SIGINT, as shells report it); reports may be incomplete.
const exitAborted = 130

// defaultMaxHosts is the largest target list accepted without --max-hosts.
const defaultMaxHosts = 65536

// scanFlags holds every option of `patchscan scan`.
type scanFlags struct {
	hostsFiles    []string
	domains       []string
	catalogPath   string
	threads       int
	timeout       time.Duration
	probeTimeout  time.Duration
	baseline      bool
	suppressFile  string
	approvedFile  string
	checksums     detect.ChecksumMode
	verbose       bool
	quiet         bool
	maxHosts      int
	strictTargets bool

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
}

func newScanCmd() *cobra.Command {
	f := &scanFlags{}
	cmd := &cobra.Command{
		Use:   "scan [TARGET...]",
		Short: "Scan Windows hosts for missing patches",
		Long: `scan reads registry values and file versions from each target over SMB
(Remote Registry and the admin shares) or WinRM (one PowerShell command per
host; --transport winrm, or auto to fall back to it when SMB can't serve the
registry) and reports, per host, which bulletins of the catalog are
installed, missing or not applicable. Without --catalog the embedded default
catalog is used.

Targets are host names, IPv4/IPv6 addresses, CIDR blocks (10.1.0.0/22; the
network and broadcast addresses of IPv4 blocks larger than /31 are skipped),
ranges (10.0.0.1-10.0.0.50 or 10.0.0.1-50), each with an optional port
(host:4445, [fe80::1]:445), from the command line, from --hosts-file (one per
line, # comments, - for stdin) and from Active Directory (--domain).
Duplicates are scanned once.

Credentials: --user DOMAIN\user or user@domain; the password is read from
PATCHSCAN_PASSWORD, --password-file, or a no-echo prompt on a terminal
(PATCHSCAN_NTHASH may hold an NT hash instead). There is no --password flag.

Ctrl-C (or SIGTERM) stops starting hosts, ends the ones in flight within
2 seconds and writes every finished host's report and the rollup; a second
Ctrl-C exits at once.

Exit status: 0 all scanned hosts compliant, 1 missing patches found, 2 some
hosts could not be scanned, 3 both, 64 usage error or bad targets under
--strict-targets, 65 bad catalog.`,
		Example: `  # One host, password from the environment
  PATCHSCAN_PASSWORD=... patchscan scan --user CORP\scanner ws01.corp.example

  # A subnet and a range, 128 hosts at a time, results as a table
  patchscan scan -u scanner@corp.example --threads 128 --format table 10.1.0.0/22 10.2.0.1-50

  # Every enabled computer of a domain, DC found through DNS, baseline only
  patchscan scan -u CORP\scanner --domain corp.example --baseline --ldap-ca corp-ca.pem

  # A list of hosts from a file, only the approved KBs, XML on stdout
  patchscan scan -u CORP\scanner --hosts-file hosts.txt --approved approved.txt --no-files > scan.xml`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runScan(cmd, f, args)
		},
	}
	fs := cmd.Flags()
	fs.StringArrayVar(&f.hostsFiles, "hosts-file", nil, "read targets from FILE, one per line (# comments; - for stdin); repeatable")
	fs.StringArrayVar(&f.domains, "domain", nil, "scan the enabled computers of this AD domain (DNS name); repeatable")
	fs.StringVar(&f.catalogPath, "catalog", "", "catalog file (.xml, .xml.gz or - for stdin); default: the embedded catalog")
	fs.IntVar(&f.threads, "threads", scan.DefaultThreads, fmt.Sprintf("hosts scanned at once (1-%d)", scan.MaxThreads))
	fs.DurationVar(&f.timeout, "timeout", scan.DefaultTimeout, "time allowed per host: connect, authenticate and every read")
	fs.DurationVar(&f.probeTimeout, "probe-timeout", scan.DefaultProbeTimeout, "TCP probe of the transport port before a session; hosts that don't answer are unreachable")
	fs.BoolVar(&f.baseline, "baseline", false, "only bulletins marked Baseline in the catalog")
	fs.StringVar(&f.suppressFile, "suppress", "", "FILE of bulletin IDs or KB numbers to leave out, one per line")
	fs.StringVar(&f.approvedFile, "approved", "", "FILE of approved KB numbers, one per line: evaluate only those")
	fs.Var(&f.checksums, "checksums", "verify file SHA-256: auto (only where the host's language matches the catalog's), on, off")
	fs.BoolVarP(&f.verbose, "verbose", "v", false, "log each host's start and finish on stderr")
	fs.BoolVarP(&f.quiet, "quiet", "q", false, "no progress bar")
	fs.IntVar(&f.maxHosts, "max-hosts", defaultMaxHosts, "refuse target lists larger than this")
	fs.BoolVar(&f.strictTargets, "strict-targets", false, "stop (exit 64) on any bad target instead of skipping it")
	fs.StringVar(&f.dc, "dc", "", "domain controller for --domain (host or host:port); default: found via DNS SRV")
	fs.StringVar(&f.ou, "ou", "", "only computers under this OU (e.g. OU=Servers, or a full DN)")
	fs.StringVar(&f.ldapFilter, "ldap-filter", "", "extra LDAP filter ANDed with the enabled-computers filter, e.g. (operatingSystem=*Server*)")
	fs.StringVar(&f.ldapCA, "ldap-ca", "", "PEM file of the CA that issued the DC's LDAPS certificate")
	fs.BoolVar(&f.insecureLDAP, "insecure-ldap", false, "do not verify the DC's certificate (labs only)")
	fs.StringVar(&f.ldapTLS, "ldap-tls", string(ad.TLSAuto), "LDAP protection: auto (LDAPS, else StartTLS), ldaps, starttls, none")
	fs.StringVar(&f.ldapBind, "ldap-bind", string(ad.BindAuto), "LDAP bind: auto (simple over TLS, NTLM otherwise), simple, ntlm")
	fs.StringVar(&f.dnsServer, "dns-server", "", "DNS server (e.g. a DC) for finding DCs and resolving host names, instead of the system's")
	f.creds.register(fs)
	f.transport.register(fs)
	f.output.register(fs)
	return cmd
}

func init() { rootCmd.AddCommand(newScanCmd()) }

// runScan is the whole command. Errors it returns carry their exit code.
func runScan(cmd *cobra.Command, f *scanFlags, args []string) error {
	stderr := cmd.ErrOrStderr()
	if err := f.check(cmd); err != nil {
		return err
	}
	tc, err := f.transport.opener()
	if err != nil {
		return err
	}
	opener, port := tc.opener, tc.port
	probeTimeout := f.probeTimeout
	if !tc.probe {
		probeTimeout = -1
	}

	// Targets first: a typo in a range is found before any prompt.
	list := &targets.List{DefaultPort: port}
	if err := f.readTargets(cmd, list, args); err != nil {
		return err
	}
	for _, b := range list.Bad {
		fmt.Fprintln(stderr, "patchscan:", textsafe.Line(b.Error(), maxStderrLine))
	}
	if len(list.Bad) > 0 && f.strictTargets {
		return &exitError{code: ExitUsage, err: fmt.Errorf("%d bad target(s) (listed above) and --strict-targets is set", len(list.Bad))}
	}
	if len(list.Entries()) == 0 && len(f.domains) == 0 {
		if len(list.Bad) > 0 {
			return usageErrorf("no valid targets (the bad ones are listed above)")
		}
		return usageErrorf("no targets: give hosts, addresses, ranges or CIDRs, --hosts-file FILE or --domain NAME (see patchscan scan --help)")
	}
	if n := list.Count(); n > uint64(f.maxHosts) {
		return usageErrorf("the targets expand to %s hosts, more than --max-hosts %d: narrow the ranges or raise --max-hosts", countString(n), f.maxHosts)
	}

	cat, err := loadCatalog(f.catalogPath)
	if err != nil {
		return err
	}
	engOpts := detect.Options{Checksums: f.checksums, Baseline: f.baseline}
	if f.suppressFile != "" {
		if engOpts.Suppress, err = readIDList(f.suppressFile, "--suppress"); err != nil {
			return err
		}
	}
	if f.approvedFile != "" {
		if engOpts.Approved, err = readIDList(f.approvedFile, "--approved"); err != nil {
			return err
		}
		if engOpts.Approved == nil {
			engOpts.Approved = []string{} // an empty approved list approves nothing
		}
	}
	engine := detect.New(cat, engOpts)

	var resolver *net.Resolver
	if f.dnsServer != "" {
		if resolver, err = ad.NewResolver(f.dnsServer); err != nil {
			return usageErrorf("%v", err)
		}
	}

	creds, err := f.creds.resolve(osCredSource(stderr))
	if err != nil {
		return err
	}

	// Signals: the first stops the run gracefully, the second exits.
	ctx, stop := context.WithCancel(cmd.Context())
	defer stop()
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go handleSignals(ctx, sigs, stop, stderr, os.Exit)

	notScanned := false
	for _, d := range f.domains {
		if err := f.addDomain(ctx, stderr, list, d, creds, resolver); err != nil {
			if ctx.Err() != nil {
				return &exitError{code: ExitNotScanned, err: errors.New("interrupted during domain enumeration; nothing was scanned")}
			}
			if errors.Is(err, ad.ErrTooMany) {
				return usageErrorf("domain %s: %v", d, err)
			}
			fmt.Fprintf(stderr, "patchscan: domain %s: %s\n", textsafe.Line(d, maxStderrLine), textsafe.Line(err.Error(), maxStderrLine))
			notScanned = true
		}
	}
	total := list.Count()
	if total == 0 {
		fmt.Fprintln(stderr, "patchscan: no hosts to scan (the domains listed no enabled computers that match)")
	}
	if total > uint64(f.maxHosts) {
		return usageErrorf("the targets and domains expand to %s hosts, more than --max-hosts %d: narrow them (--ou, --ldap-filter) or raise --max-hosts", countString(total), f.maxHosts)
	}

	stdout := cmd.OutOrStdout()
	meta := report.Meta{ToolVersion: versionString(), CatalogVersion: cat.DataVersion, Generated: time.Now()}
	sink, err := f.output.open(stdout, isTerminal(stdout), f.verbose, meta)
	if err != nil {
		return err
	}

	prog := newProgress(stderr, int(total), isTerminal(stderr) && !f.quiet, f.verbose)
	cfg := scan.Config{
		Opener: opener, Engine: engine, Credentials: creds, Port: port,
		Threads: f.threads, Timeout: f.timeout, ProbeTimeout: probeTimeout,
		Resolver: resolver, OnStart: prog.start,
	}
	var missing bool
	var writeErr error
	sum, runErr := scan.Run(ctx, cfg, list.All(), func(r scan.HostResult) {
		if r.Status != transport.Scanned {
			notScanned = true
		} else if hasMissing(r.Report) {
			missing = true
		}
		// The bar steps aside while a report goes to a terminal's stdout.
		prog.pause()
		if err := sink.Write(r); err != nil && writeErr == nil {
			writeErr = err
		}
		prog.finish(r)
	})
	prog.done()
	closeErr := sink.Close()
	if runErr != nil {
		return &exitError{code: ExitInternal, err: runErr}
	}
	if err := errors.Join(writeErr, closeErr); err != nil {
		return &exitError{code: ExitInternal, err: fmt.Errorf("writing reports: %w", err)}
	}
	if sum.Interrupted {
		notScanned = true
		if uint64(sum.Hosts) < total {
			fmt.Fprintf(stderr, "patchscan: interrupted: %d of %d hosts scanned or attempted\n", sum.Hosts, total)
		}
	}
	code := ExitCompliant
	switch {
	case missing && notScanned:
		code = ExitBoth
	case missing:
		code = ExitMissing
	case notScanned:
		code = ExitNotScanned
	}
	if code == ExitCompliant {
		return nil
	}
	return &exitError{code: code}
}

// handleSignals turns the first signal into a graceful stop and the
// second into an immediate exit. It returns when ctx ends without a signal.
func handleSignals(ctx context.Context, sigs <-chan os.Signal, stop func(), stderr io.Writer, exit func(int)) {
	select {
	case <-sigs:
	case <-ctx.Done():
		return
	}
	fmt.Fprintln(stderr, "\npatchscan: interrupted: finishing the reports of finished hosts (Ctrl-C again to quit at once)")
	stop()
	<-sigs
	fmt.Fprintln(stderr, "patchscan: aborted; reports may be incomplete")
	exit(exitAborted)
}

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
	if len(f.domains) == 0 {
		for _, name := range []string{"dc", "ou", "ldap-filter", "ldap-ca", "insecure-ldap", "ldap-tls", "ldap-bind"} {
			if cmd.Flags().Changed(name) {
				return usageErrorf("--%s only applies with --domain", name)
			}
		}
	}
	return nil
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

// addDomain appends the enabled computers of an AD domain to the list.
func (f *scanFlags) addDomain(ctx context.Context, stderr io.Writer, list *targets.List, domain string, creds transport.Credentials, resolver *net.Resolver) error {
	// One more than the room left, so "too many" is detected without
	// reading the whole directory of a huge domain.
	room := f.maxHosts - int(min(list.Count(), uint64(f.maxHosts)))
	comps, err := ad.Enumerate(ctx, ad.Config{
		Domain: domain, DC: f.dc, BaseDN: f.ou, Filter: f.ldapFilter,
		TLS: ad.TLSMode(f.ldapTLS), CAFile: f.ldapCA, InsecureSkipVerify: f.insecureLDAP,
		Bind:        ad.BindMode(f.ldapBind),
		Credentials: ad.Credentials{Domain: creds.Domain, User: creds.User, Password: creds.Password, NTHash: creds.NTHash},
		Resolver:    resolver,
		Limit:       max(room, 1), // 0 would mean "no limit"
	})
	if err != nil {
		return err
	}
	if f.verbose {
		fmt.Fprintf(stderr, "patchscan: domain %s: %d enabled computers\n", textsafe.Line(domain, maxStderrLine), len(comps))
	}
	for _, c := range comps {
		host := c.Host(domain)
		e, err := targets.Parse(host, "domain "+domain)
		if err != nil {
			// A dNSHostName no resolver could use; say which object.
			fmt.Fprintf(stderr, "patchscan: domain %s: skipping %s: %s\n", textsafe.Line(domain, maxStderrLine), textsafe.Line(c.DN, maxStderrLine), textsafe.Line(err.Error(), maxStderrLine))
			continue
		}
		e.Raw, e.Domain = c.DN, domain
		if err := list.AddEntry(e); err != nil {
			return err
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

func loadCatalog(path string) (*catalog.Catalog, error) {
	var cat *catalog.Catalog
	var err error
	if path == "" {
		cat, err = catalog.Default()
	} else {
		cat, err = catalog.LoadFile(path)
	}
	if err != nil {
		return nil, &exitError{code: ExitBadCatalog, err: fmt.Errorf("catalog: %w", err)}
	}
	return cat, nil
}

// readIDList reads bulletin IDs or KB numbers, one per line, '#' comments.
func readIDList(name, flag string) ([]string, error) {
	fh, err := os.Open(name)
	if err != nil {
		return nil, usageErrorf("%s: %v", flag, err)
	}
	defer fh.Close()
	var ids []string
	sc := bufio.NewScanner(io.LimitReader(fh, 16<<20))
	for n := 1; sc.Scan(); n++ {
		line, _, _ := strings.Cut(sc.Text(), "#")
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if strings.ContainsAny(line, " \t,;") || len(line) > 64 {
			return nil, usageErrorf("%s %s:%d: %q is not one bulletin ID or KB number", flag, name, n, textsafe.Line(line, 40))
		}
		ids = append(ids, line)
	}
	if err := sc.Err(); err != nil {
		return nil, usageErrorf("%s %s: %v", flag, name, err)
	}
	return ids, nil
}

func hasMissing(r *detect.Report) bool {
	if r == nil {
		return false
	}
	for _, res := range r.Results {
		if res.Status == detect.StatusMissing {
			return true
		}
	}
	return false
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// progress draws a one-line bar on a terminal's stderr and, with -v, logs
// each host's start and finish. start runs on worker goroutines, finish on
// the run's emitter; the mutex orders their output.
type progress struct {
	w       io.Writer
	total   int
	bar     bool
	verbose bool

	mu       sync.Mutex
	began    time.Time
	finished int
	failed   int
	drawn    bool
	lastDraw time.Time
}

func newProgress(w io.Writer, total int, bar, verbose bool) *progress {
	return &progress{w: w, total: total, bar: bar, verbose: verbose, began: time.Now()}
}

func (p *progress) start(t targets.Target) {
	if !p.verbose {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clear()
	from := ""
	if t.Input != "" && t.Input != t.Host {
		from = " (from " + textsafe.Line(t.Input, maxStderrLine) + ")"
	}
	fmt.Fprintf(p.w, "patchscan: %s: starting%s\n", textsafe.Line(t.String(), maxStderrLine), from)
	p.draw(true)
}

func (p *progress) finish(r scan.HostResult) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.finished++
	if r.Status != transport.Scanned {
		p.failed++
	}
	if p.verbose {
		p.clear()
		took := r.Finished.Sub(r.Started).Round(time.Millisecond)
		if r.Status == transport.Scanned {
			fmt.Fprintf(p.w, "patchscan: %s: scanned in %s\n", textsafe.Line(r.Target, maxStderrLine), took)
		} else {
			fmt.Fprintf(p.w, "patchscan: %s: %s in %s: %s\n", textsafe.Line(r.Target, maxStderrLine), r.Status, took, textsafe.Line(r.Reason(), maxStderrLine))
		}
	}
	p.draw(p.verbose)
}

func (p *progress) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.draw(true)
	if p.drawn {
		fmt.Fprintln(p.w)
		p.drawn = false
	}
}

// pause erases the bar until the next draw.
func (p *progress) pause() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clear()
}

// clear erases the bar so a log line can take its place.
func (p *progress) clear() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.drawn = false
	}
}

// draw redraws the bar at most every 100 ms unless forced.
func (p *progress) draw(force bool) {
	if !p.bar {
		return
	}
	now := time.Now()
	if !force && now.Sub(p.lastDraw) < 100*time.Millisecond {
		return
	}
	p.lastDraw = now
	elapsed := now.Sub(p.began).Seconds()
	rate := 0.0
	if elapsed > 0 {
		rate = float64(p.finished) / elapsed
	}
	eta := "--:--"
	if rate > 0 && p.total >= p.finished {
		left := time.Duration(float64(p.total-p.finished) / rate * float64(time.Second))
		eta = fmt.Sprintf("%02d:%02d", int(left.Minutes()), int(left.Seconds())%60)
	}
	const width = 30
	fill := 0
	if p.total > 0 {
		fill = min(width, p.finished*width/p.total)
	}
	fmt.Fprintf(p.w, "\r\x1b[K[%s%s] %d/%d hosts, %d failed, %.1f hosts/s, ETA %s",
		strings.Repeat("#", fill), strings.Repeat(".", width-fill), p.finished, p.total, p.failed, rate, eta)
	p.drawn = true
}
