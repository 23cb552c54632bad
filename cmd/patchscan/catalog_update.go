package main

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/patchscan/patchscan/catalog"
	"github.com/patchscan/patchscan/catalog/update"
	"github.com/patchscan/patchscan/internal/netguard"
	"github.com/patchscan/patchscan/internal/textsafe"
)

// ExitUnavailable: `catalog update` could not bring the catalog up to date
// (the source was unreachable or gave bad data); the last good one is kept.
const ExitUnavailable = 69 // EX_UNAVAILABLE

type updateFlags struct {
	source, since, cacheDir string
	timeout, idle           time.Duration
	verbose                 bool
}

func newCatalogUpdateCmd() *cobra.Command {
	var f updateFlags
	c := &cobra.Command{
		Use:   "update [--source URL|DIR] [--since YYYY-MM]",
		Short: "Fetch Microsoft's monthly security data and rebuild the cached catalog",
		Long: `update fetches the monthly MSRC security update documents (CVRF XML) from
Microsoft's public API, or from a mirror URL or directory given with --source,
converts them like "catalog import msrc" and writes the catalog atomically to
the user cache directory. A document already held is not fetched again (the
updates list's revision date, ETag or Last-Modified say whether it changed).
A scan without --catalog then uses the newer of that catalog and the one built
into patchscan, and says which.

On any failure - the source unreachable, an HTTP error, a truncated or stalled
download, an answer that is not XML - nothing is replaced: the last good
catalog stays in use, and the error says so (MBSA's fallback). A month that
Microsoft has not published yet is not a failure.

--since is the first month to hold (default: 24 months back).

Exit status: 0 updated, 64 usage error, 69 not updated (the last good catalog
is kept), 70 the catalog could not be written.`,
		Example: `  patchscan catalog update
  patchscan catalog update --since 2025-01
  patchscan catalog update --source https://mirror.example/msrc/cvrf/v3.0/
  patchscan catalog update --source /srv/msrc-cvrf        # cvrfDocument-2026-Feb.xml(.gz), ...`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runUpdate(cmd, f) },
	}
	fs := c.Flags()
	fs.StringVar(&f.source, "source", update.DefaultSource, "MSRC API base URL, a mirror laid out the same way, or a directory of CVRF documents")
	fs.StringVar(&f.since, "since", "", "first month to hold, YYYY-MM (default 24 months back)")
	fs.StringVar(&f.cacheDir, "cache-dir", "", "where documents and the catalog are kept (default: the user cache directory, patchscan/)")
	fs.DurationVar(&f.timeout, "timeout", 5*time.Minute, "longest time for one document")
	fs.DurationVar(&f.idle, "idle-timeout", 30*time.Second, "longest pause while a document arrives")
	fs.BoolVarP(&f.verbose, "verbose", "v", false, "list every data warning of the conversion")
	return c
}

func runUpdate(cmd *cobra.Command, f updateFlags) error {
	stderr := cmd.ErrOrStderr()
	if f.cacheDir == "" {
		dir, err := update.DefaultCacheDir()
		if err != nil {
			return usageErrorf("%v", err)
		}
		f.cacheDir = dir
	}
	client, err := updateClient(os.Getenv)
	if err != nil {
		return &exitError{code: ExitInternal, err: err}
	}
	o := update.Options{
		Source: f.source, Since: f.since, CacheDir: f.cacheDir, Client: client,
		Timeout: f.timeout, Idle: f.idle, Write: catalog.Write,
	}
	if isTerminal(stderr) {
		o.Progress = progressLine(stderr)
	}
	res, err := update.Run(cmd.Context(), o)
	var ue *update.Error
	var oe *update.OptionError
	switch {
	case errors.As(err, &ue):
		return &exitError{code: ExitUnavailable, err: fmt.Errorf("catalog not updated: %w", err)}
	case errors.As(err, &oe):
		return usageErrorf("%v", err)
	case err != nil:
		return &exitError{code: ExitInternal, err: err}
	}
	for _, w := range res.Warnings {
		if f.verbose {
			fmt.Fprintf(stderr, "patchscan: warning: %s\n", textsafe.Line(w.String(), maxCatalogText))
		}
	}
	fmt.Fprintf(stderr, "patchscan: catalog updated: %s, %d documents (%s), %d fetched, %d unchanged, data of %s; %d data warnings%s\n",
		textsafe.Line(res.Catalog, maxStderrLine), len(res.Documents), span(res.Documents), len(res.Fetched), len(res.Unchanged), res.LastDataUpdate,
		len(res.Warnings), map[bool]string{true: "", false: " (-v lists them)"}[f.verbose || len(res.Warnings) == 0])
	if len(res.NotPublished) > 0 {
		fmt.Fprintf(stderr, "patchscan: not published yet: %s\n", strings.Join(res.NotPublished, ", "))
	}
	if res.Stale {
		fmt.Fprintf(stderr, "patchscan: warning: the newest document at %s is from %s, more than 35 days ago; is the source current?\n", textsafe.Line(f.source, maxStderrLine), res.LastDataUpdate)
	}
	return nil
}

func span(ids []string) string {
	if len(ids) == 0 {
		return "none"
	}
	return ids[0] + " to " + ids[len(ids)-1]
}

// updateClient is the HTTP client of catalog update: the network policy of
// the environment (loopback only under PATCHSCAN_LOOPBACK_ONLY=1, where a
// host name is resolved from the hosts file only, never by asking DNS),
// proxies from the environment, bounded connection and TLS set-up.
func updateClient(getenv func(string) string) (*http.Client, error) {
	p := netguard.Policy{LoopbackOnly: getenv(envLoopbackOnly) == "1"}
	r, err := p.Resolver("")
	if err != nil {
		return nil, err
	}
	d := p.Dialer(r)
	d.Timeout = 30 * time.Second
	return &http.Client{Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           d.DialContext,
		TLSHandshakeTimeout:   30 * time.Second,
		ResponseHeaderTimeout: 2 * time.Minute,
		ForceAttemptHTTP2:     true,
	}}, nil
}

// progressLine draws one line on a terminal per document.
func progressLine(w io.Writer) func(update.Progress) {
	return func(p update.Progress) {
		switch p.State {
		case "checking":
			fmt.Fprintf(w, "\r\033[K[%d/%d] %s ...", p.Done+1, p.Total, p.ID)
		case "fetching":
			fmt.Fprintf(w, "\r\033[K[%d/%d] %s %.1f MB", p.Done+1, p.Total, p.ID, float64(p.Bytes)/(1<<20))
		default:
			fmt.Fprintf(w, "\r\033[K[%d/%d] %s %s\n", p.Done, p.Total, p.ID, p.State)
		}
	}
}
