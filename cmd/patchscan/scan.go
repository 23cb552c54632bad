package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/patchscan/patchscan/internal/textsafe"
	"github.com/patchscan/patchscan/report"
	"github.com/patchscan/patchscan/scan"
	"github.com/patchscan/patchscan/scan/ad"
	"github.com/patchscan/patchscan/scan/image"
	"github.com/patchscan/patchscan/scan/targets"
	"github.com/patchscan/patchscan/scan/transport"
)

// exitAborted is the status of a run ended at once by a second Ctrl-C
// (128 + SIGINT, as shells report it); reports may be incomplete.
const exitAborted = 130

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
Duplicates are scanned once. A bad entry is skipped and reported as a host
not scanned (exit 2); --strict-targets refuses the run instead (exit 64).

--image DIR scans an offline Windows volume instead of a live host: DIR is
its root (a mounted NTFS or VM disk, an extracted tree, mounted read-only
if you like). The registry is read from the hives in
Windows\System32\config, files from the tree; nothing is written under DIR
and no link is followed out of it. The host is named by the ComputerName in
its SYSTEM hive, its address is DIR, its transport "image"; no credentials
are needed. A hive that Windows had not finished writing (dirty) is scanned
with a warning (on stderr and in its reports). --image may be repeated
and mixed with targets.

Credentials: --user DOMAIN\user or user@domain; the password is read from
PATCHSCAN_PASSWORD, --password-file, or a no-echo prompt on a terminal
(PATCHSCAN_NTHASH may hold an NT hash instead). There is no --password flag.

A wrong password must not lock the account out: the credential is sent to
one host before the others, and after --max-logon-failures (3) failed
logons no more are sent; the hosts left are reported as not scanned
(exit 2). Hosts connect in parallel; only the logons queue.

Ctrl-C (or SIGTERM) stops starting hosts, ends the ones in flight within
2 seconds and writes every finished host's report and the rollup; a second
Ctrl-C exits at once (130). Signals less than 100 ms apart count as one
(timeout -s INT sends one to the process and one to its group).

Checks: --checks patches,config (the default, as MBSA) evaluates the patches
of the catalog and the configuration checks of the baseline (autologon,
SMB signing and SMB1, LM level, WDigest, LSA protection, LLMNR, RDP NLA,
firewall, updates, UAC, Guest, Administrators, password expiry, shares,
auditing, file systems, services; docs/baseline-format.md); --checks patches
is HFNetChk mode. --baseline-file replaces the embedded baseline. Passwords
are never tried (MBSA's weak-password test locks accounts out).

Every run is recorded in the history store (--db; --no-db for an ad-hoc
scan): patchscan history, diff and report html read it. Missing patches
get a due date (release date + the deadline of their severity,
--deadlines) and are overdue past it. --shard I/N scans a deterministic
1/N of the targets, for N scanners writing one store (--db postgres://...,
the same --run-label).

Exit status: 0 all scanned hosts compliant, 1 missing patches found or a
configuration check of severity Critical or Important failed (with
--fail-on overdue: only missing patches past their due date), 2 some hosts
could not be scanned (skipped bad targets included), 3 both, 64 usage
error or bad targets under --strict-targets, 65 bad catalog or baseline,
70 reports could not be written (an unwritable --out), 75 the history
store could not record the run (the report files are complete).`,
		Example: `  # One host, password from the environment
  PATCHSCAN_PASSWORD=... patchscan scan --user 'CORP\scanner' ws01.corp.example

  # A subnet and a range, 128 hosts at a time, results as a table
  patchscan scan -u scanner@corp.example --threads 128 --format table 10.1.0.0/22 10.2.0.1-50

  # Every enabled computer of a domain, DC found through DNS, baseline only
  patchscan scan -u 'CORP\scanner' --domain corp.example --baseline --ldap-ca corp-ca.pem

  # An offline Windows volume (a VM disk mounted read-only) and a live host
  patchscan scan --image /mnt/win2019 -u 'CORP\scanner' ws01.corp.example

  # Shard 2 of 4 of a fleet scan, into a shared PostgreSQL store
  PGPASSWORD=... patchscan scan -u 'CORP\scanner' --hosts-file fleet.txt --shard 2/4 --run-label weekly-2026-W48 --db postgres://patchscan@db.corp.example/patchscan

  # A list of hosts from a file, only the approved KBs, XML on stdout
  patchscan scan -u 'CORP\scanner' --hosts-file hosts.txt --approved approved.txt --no-files > scan.xml`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runScan(cmd, f, args)
		},
	}
	f.register(cmd.Flags())
	return cmd
}

func init() { rootCmd.AddCommand(newScanCmd()) }

// runScan is the whole command: check the flags, read the targets, load the
// catalog, read the credentials, enumerate the domains, then scan. Errors it
// returns carry their exit code.
func runScan(cmd *cobra.Command, f *scanFlags, args []string) error {
	stderr := cmd.ErrOrStderr()
	if err := f.check(cmd); err != nil {
		return err
	}
	netw, err := f.network(os.Getenv)
	if err != nil {
		return err
	}
	f.transport.configFacts = f.checks.config
	tc, err := f.transport.opener(netw.policy.DialContext)
	if err != nil {
		return err
	}
	insecure := warnInsecure(stderr, f.insecureModes())
	// Targets first: a typo in a range is found before any prompt.
	list, err := f.targetList(cmd, args, tc.port)
	if err != nil {
		return err
	}
	cat, engine, err := f.patchEngine(stderr)
	if err != nil {
		return err
	}
	checks, err := f.configChecks()
	if err != nil {
		return err
	}
	var creds transport.Credentials
	if len(list.Entries()) > 0 || len(f.domains) > 0 { // images need none
		if creds, err = f.creds.resolve(osCredSource(stderr)); err != nil {
			return err
		}
	}
	ctx, stop := signalContext(cmd.Context(), stderr)
	defer stop()
	domainsFailed, err := f.addDomains(ctx, stderr, list, creds, netw)
	if err != nil {
		return err
	}
	if len(list.Bad) > 0 && f.strictTargets {
		// Only the domains' can be new here: the list's were refused.
		return &exitError{code: ExitUsage, err: fmt.Errorf("%d computer(s) of the domains have no usable host name (listed above) and --strict-targets is set", len(list.Bad))}
	}
	stdout := cmd.OutOrStdout()
	meta := report.Meta{ToolVersion: versionString(), CatalogVersion: cat.DataVersion, CatalogDate: cat.LastDataUpdate,
		Baseline: baselineName(checks), ConfigOnly: !f.checks.patches, Generated: time.Now(), Deadlines: f.store.policy, Insecure: insecure}
	sink, err := f.output.open(stdout, isTerminal(stdout), meta)
	if err != nil {
		return err
	}
	planned := f.store.parsedShard.CountOf(list.All(), tc.port) + uint64(len(f.images)) + uint64(len(f.skippedTargets(list, tc.port)))
	rec, err := f.store.openStore(ctx, stderr, meta, int(planned))
	if err != nil {
		return err
	}
	// The store is one more consumer of the stream, closed last: the
	// report files are written whatever becomes of it.
	sink = report.Multi(sink, rec)

	cfg := scan.Config{
		Opener: tc.opener, Engine: engine, Credentials: creds, Port: tc.port,
		Checks:  configChecks(checks),
		Threads: f.threads, Timeout: f.timeout, ProbeTimeout: f.probeTimeout,
		MaxLogonFailures: logonLimit(f.maxLogonFailures),
		Allow:            netw.policy.Check, Resolver: netw.resolver, Dial: netw.policy.DialContext,
	}
	if !tc.probe {
		cfg.ProbeTimeout = -1
	}
	return rec.exitStatus(f.scanHosts(ctx, cfg, meta, list, sink, stderr, domainsFailed))
}

// addDomains appends the enabled computers of every --domain to the list.
// A domain that cannot be enumerated is reported and leaves the run "not
// everything scanned" (failed); one with more computers than --max-hosts
// allows, or an interruption, ends the command.
func (f *scanFlags) addDomains(ctx context.Context, stderr io.Writer, list *targets.List, creds transport.Credentials, netw network) (failed bool, err error) {
	for _, d := range f.domains {
		err := f.addDomain(ctx, stderr, list, d, creds, netw)
		switch {
		case err == nil:
		case ctx.Err() != nil:
			return failed, &exitError{code: ExitNotScanned, err: errors.New("interrupted during domain enumeration; nothing was scanned")}
		case errors.Is(err, ad.ErrTooMany):
			return failed, usageErrorf("domain %s: %s", d, creds.Redact(explain(err).Error()))
		default:
			fmt.Fprintf(stderr, "patchscan: domain %s: %s\n", textsafe.Line(d, maxStderrLine), textsafe.Line(creds.Redact(explain(err).Error()), maxStderrLine))
			failed = true
		}
	}
	if len(f.domains) == 0 {
		return false, nil
	}
	total := list.Count()
	if total == 0 {
		fmt.Fprintln(stderr, "patchscan: no hosts to scan (the domains listed no enabled computers that match)")
	}
	if total > uint64(f.maxHosts) {
		return failed, usageErrorf("the targets and domains expand to %s hosts, more than --max-hosts %d: narrow them (--ou, --ldap-filter) or raise --max-hosts", countString(total), f.maxHosts)
	}
	return failed, nil
}

// addDomain appends the enabled computers of an AD domain to the list.
func (f *scanFlags) addDomain(ctx context.Context, stderr io.Writer, list *targets.List, domain string, creds transport.Credentials, netw network) error {
	found, skipped, err := ad.AddTargets(ctx, ad.Config{
		Domain: domain, DC: f.dc, BaseDN: f.ou, Filter: f.ldapFilter,
		TLS: ad.TLSMode(f.ldapTLS), CAFile: f.ldapCA, InsecureSkipVerify: f.insecureLDAP,
		Bind:        ad.BindMode(f.ldapBind),
		Credentials: ad.Credentials{Domain: creds.Domain, User: creds.User, Password: creds.Password, NTHash: creds.NTHash},
		Resolver:    netw.resolver,
		Dialer:      netw.policy.Dialer(netw.resolver),
	}, list, f.maxHosts)
	if f.verbose && (err == nil || found > 0) {
		fmt.Fprintf(stderr, "patchscan: domain %s: %d enabled computers\n", textsafe.Line(domain, maxStderrLine), found)
	}
	for _, sk := range skipped {
		// A dNSHostName no resolver could use; say which object.
		fmt.Fprintf(stderr, "patchscan: domain %s: skipping %s: %s\n", textsafe.Line(domain, maxStderrLine), textsafe.Line(sk.DN, maxStderrLine), textsafe.Line(creds.Redact(sk.Err.Error()), maxStderrLine))
		// And reported as not scanned, as a bad entry of a hosts file is
		// (issue 13.10), or refused by --strict-targets.
		bad := &targets.EntryError{Source: "domain " + domain + " " + sk.DN, Entry: sk.DN, Err: sk.Err}
		if ee := (*targets.EntryError)(nil); errors.As(sk.Err, &ee) {
			bad.Entry, bad.Err = ee.Entry, ee.Err
		}
		list.Bad = append(list.Bad, bad)
	}
	return err
}

// scanHosts runs the scan, writes every host to sink as it finishes, and
// turns what happened into the exit status. notScanned says some hosts
// (of a domain that could not be enumerated) are already left out.
//
// With --shard I/N only the shard's targets are scanned; with --fail-on
// overdue only overdue findings count for exit status 1.
func (f *scanFlags) scanHosts(ctx context.Context, cfg scan.Config, meta report.Meta, list *targets.List, sink report.Sink, stderr io.Writer, notScanned bool) error {
	shard := f.store.parsedShard
	skipped := f.skippedTargets(list, cfg.Port)
	total := shard.CountOf(list.All(), cfg.Port) + uint64(len(f.images)) + uint64(len(skipped))
	prog := scan.NewProgress(stderr, int(total), isTerminal(stderr) && !f.quiet, f.verbose)
	cfg.OnStart = prog.Start
	var missing bool
	var writeErr error
	emit := func(r scan.HostResult) {
		if r.Status != transport.Scanned {
			notScanned = true
		} else if f.store.finding(meta, r) {
			missing = true
		}
		r.Error = explain(r.Error)
		// The bar steps aside while a report goes to a terminal's stdout.
		prog.Pause()
		for _, w := range r.Warnings {
			fmt.Fprintf(stderr, "patchscan: %s: warning: %s\n", textsafe.Line(r.Target, maxStderrLine), textsafe.Line(w, maxStderrLine))
		}
		if err := sink.Write(r); err != nil && writeErr == nil {
			writeErr = err
		}
		prog.Finish(r)
	}
	// Skipped targets first: they are known already (issue 13.10: they
	// were in no report and the exit status ignored them). Input order
	// (HostResult.Seq, which text and table follow) is the same: the
	// skipped entries, the images, then the network targets.
	for i, b := range skipped {
		r := cfg.Skipped(b.Entry, b.Error()+" (fix the entry; --strict-targets refuses such a list)", b)
		r.Seq = i
		emit(r)
	}
	// Then images: local reads of milliseconds each.
	sum := scan.RunImages(ctx, cfg, image.Opener{}, f.images, seqAfter(len(skipped), emit))
	netSum, runErr := scan.Run(ctx, cfg, shard.Filter(list.All(), cfg.Port), seqAfter(len(skipped)+len(f.images), emit))
	sum.Hosts += netSum.Hosts
	sum.Interrupted = sum.Interrupted || netSum.Interrupted
	sum.LogonLimited = netSum.LogonLimited
	prog.Done()
	if sum.Interrupted && f.output.files != nil {
		f.output.files.MarkIncomplete() // latest stays on the last complete run
	}
	closeErr := sink.Close()
	if runErr != nil {
		return &exitError{code: ExitInternal, err: runErr}
	}
	if err := errors.Join(writeErr, closeErr); err != nil {
		return &exitError{code: ExitInternal, err: fmt.Errorf("writing reports: %w", err)}
	}
	if len(skipped) > 0 {
		fmt.Fprintf(stderr, "patchscan: %d bad target(s) not scanned (%s): in the reports as errors; fix them, or --strict-targets to refuse such a list\n", len(skipped), entrySources(skipped))
	}
	if sum.LogonLimited > 0 {
		fmt.Fprintf(stderr, "patchscan: stopped logging on after %d failed logons (--max-logon-failures): %d hosts were not scanned; check --user and the password before the account is locked out\n", f.maxLogonFailures, sum.LogonLimited)
	}
	f.output.sayWhere(stderr, sum.Interrupted, f.quiet)
	if sum.Interrupted {
		notScanned = true
		if uint64(sum.Hosts) < total {
			fmt.Fprintf(stderr, "patchscan: interrupted: %d of %d hosts scanned or attempted\n", sum.Hosts, total)
		}
	}
	return exitStatus(missing, notScanned)
}

// logonLimit is scan.Config.MaxLogonFailures for --max-logon-failures,
// whose 0 means no limit.
func logonLimit(flag int) int {
	if flag == 0 {
		return -1
	}
	return flag
}

// seqAfter numbers a source's hosts after the n hosts before it in the
// input: Run and RunImages each number theirs from 0.
func seqAfter(n int, emit func(scan.HostResult)) func(scan.HostResult) {
	return func(r scan.HostResult) {
		r.Seq += n
		emit(r)
	}
}

// exitStatus is the documented exit status of a finished scan.
func exitStatus(missing, notScanned bool) error {
	switch {
	case missing && notScanned:
		return &exitError{code: ExitBoth}
	case missing:
		return &exitError{code: ExitMissing}
	case notScanned:
		return &exitError{code: ExitNotScanned}
	}
	return nil
}

// signalContext ends with the first SIGINT or SIGTERM (the run then stops
// gracefully); a second one exits at once. stop releases the signals.
func signalContext(parent context.Context, stderr io.Writer) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancel(parent)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go handleSignals(ctx, sigs, cancel, stderr, os.Exit, signalCoalesce)
	return ctx, func() {
		signal.Stop(sigs)
		cancel()
	}
}

// signalCoalesce is how close two signals must come to count as one
// Ctrl-C. `timeout -s INT`, and kill on a process group, deliver the
// signal to the process and again to its group, within microseconds
// (issue 13.14); a person pressing Ctrl-C twice takes longer than this.
const signalCoalesce = 100 * time.Millisecond

// handleSignals turns the first signal into a graceful stop and a later
// one, coalesce or more after it, into an immediate exit; signals within
// coalesce of the first are the same interruption. It returns when ctx
// ends without a signal.
func handleSignals(ctx context.Context, sigs <-chan os.Signal, stop func(), stderr io.Writer, exit func(int), coalesce time.Duration) {
	select {
	case <-sigs:
	case <-ctx.Done():
		return
	}
	first := time.Now()
	fmt.Fprintln(stderr, "\npatchscan: interrupted: finishing the reports of finished hosts (Ctrl-C again to quit at once)")
	stop()
	for range sigs {
		if time.Since(first) >= coalesce {
			break
		}
	}
	fmt.Fprintln(stderr, "patchscan: aborted; reports may be incomplete")
	exit(exitAborted)
}
