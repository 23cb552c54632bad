// Package update keeps a catalog built from Microsoft's monthly security
// update documents current, the way MBSA kept mssecure.xml current: it
// fetches the MSRC CVRF documents of a window of months (from MSRC's public
// API, a mirror, or a directory), keeps each one in a per-month cache so a
// document already held is not fetched again (ETag / Last-Modified, or the
// release date the updates list gives), converts them with catalog/msrc and
// replaces the cached catalog atomically. On any failure the last good
// catalog stays as it was, and the error says so.
//
// The package does no policy: the HTTP client (with its dialer, proxy and
// loopback guard) and the progress display are the caller's.
package update

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/patchscan/patchscan/catalog"
	"github.com/patchscan/patchscan/catalog/msrc"
)

// DefaultSource is MSRC's public CVRF API.
const DefaultSource = "https://api.msrc.microsoft.com/cvrf/v3.0/"

// DefaultMonths is how many months back an update reaches without Since:
// two years of cumulative updates, so a host up to two years behind still
// gets its open CVEs listed.
const DefaultMonths = 24

// StaleAfter is the age past which the newest data is worth a warning:
// Microsoft releases every month, so more than 35 days means a release was
// missed.
const StaleAfter = 35 * 24 * time.Hour

// CatalogFile is the name of the catalog in the cache directory.
const CatalogFile = "catalog.xml"

// DefaultCacheDir is the user's cache directory for patchscan
// ($XDG_CACHE_HOME/patchscan, ~/Library/Caches/patchscan, %LocalAppData%\patchscan).
func DefaultCacheDir() (string, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no user cache directory (%v); give one with --cache-dir", err)
	}
	return filepath.Join(d, "patchscan"), nil
}

// Options configure an update. Zero fields take the defaults.
type Options struct {
	// Source is an http(s) base URL laid out like MSRC's API ({base}updates,
	// {base}cvrf/{ID}) or a directory of CVRF documents
	// (cvrfDocument-2026-Feb.xml, 2026-Feb.xml, optionally .gz). "" = DefaultSource.
	Source string
	// Since is the first month to hold, "YYYY-MM"; "" = DefaultMonths back.
	Since string
	// CacheDir holds the documents (msrc/) and the catalog (catalog.xml).
	CacheDir string
	// Client makes the HTTP requests; nil = a plain client. The caller
	// gives it its dialer (loopback guard), proxy and TLS settings.
	Client *http.Client
	// Timeout bounds each request, body included (default 5 minutes);
	// Idle bounds a pause in a body (default 30 seconds): a stalled server
	// fails the update instead of hanging it.
	Timeout, Idle time.Duration
	// MaxBytes bounds a document (default msrc.DefaultLimits.MaxBytes).
	MaxBytes int64
	// Progress, when set, is told about each document (for a display).
	Progress func(Progress)
	// Write writes the catalog as XML (catalog.Write).
	Write func(io.Writer, *catalog.Catalog) error
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Progress is one step of an update, for a progress display.
type Progress struct {
	Done, Total int    // documents handled so far, of Total
	ID          string // the document, e.g. "2026-Feb"
	State       string // "checking", "fetched", "unchanged", "not published", "failed"
	Bytes       int64  // bytes received for it so far
}

// Result says what an update did.
type Result struct {
	Catalog        string   // path of the catalog written
	LastDataUpdate string   // its date (the newest document's revision date)
	Fetched        []string // documents downloaded
	Unchanged      []string // documents already held and current
	NotPublished   []string // months MSRC has not published yet
	Documents      []string // documents in the catalog, oldest first
	Warnings       []msrc.Warning
	Stale          bool // the newest document is older than StaleAfter
}

// Failure is one document that could not be brought up to date.
type Failure struct {
	ID  string
	Err error
}

// Error is a failed update: the failures, and the catalog that was kept.
type Error struct {
	Failures []Failure
	Kept     string // path of the last good catalog, "" when there is none
	KeptDate string // its LastDataUpdate
}

func (e *Error) Error() string {
	var b strings.Builder
	for i, f := range e.Failures {
		if i > 0 {
			b.WriteString("; ")
		}
		if f.ID != "" {
			b.WriteString(f.ID + ": ")
		}
		b.WriteString(f.Err.Error())
	}
	switch {
	case e.Kept != "":
		fmt.Fprintf(&b, "; kept the last good catalog %s (data of %s)", e.Kept, orUnknown(e.KeptDate))
	default:
		b.WriteString("; no catalog was written (none existed before); scans use the embedded catalog")
	}
	return b.String()
}

// OptionError is a bad option (--since, --source): a usage error, nothing
// was fetched.
type OptionError struct{ Msg string }

func (e *OptionError) Error() string { return e.Msg }

func optionErrorf(format string, a ...any) error {
	return &OptionError{Msg: fmt.Sprintf(format, a...)}
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown date"
	}
	return s
}

func (o Options) withDefaults() (Options, error) {
	if o.Source == "" {
		o.Source = DefaultSource
	}
	if o.CacheDir == "" {
		return o, errors.New("no cache directory given")
	}
	if o.Write == nil {
		return o, errors.New("no catalog writer given")
	}
	if o.Client == nil {
		o.Client = &http.Client{}
	}
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Minute
	}
	if o.Idle <= 0 {
		o.Idle = 30 * time.Second
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = msrc.DefaultLimits.MaxBytes
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Progress == nil {
		o.Progress = func(Progress) {}
	}
	return o, nil
}

// Run brings the cached catalog up to date.
func Run(ctx context.Context, o Options) (*Result, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	since, err := sinceMonth(o.Since, o.Now())
	if err != nil {
		return nil, err
	}
	src, err := newSource(o)
	if err != nil {
		return nil, err
	}
	c := &cache{dir: o.CacheDir}
	if err := c.init(); err != nil {
		return nil, err
	}
	u := &updater{o: o, src: src, cache: c, since: since, res: &Result{}, docs: map[string]*msrc.Document{}}
	if err := u.refresh(ctx); err != nil {
		return u.res, u.fail(err)
	}
	if err := u.build(); err != nil {
		return u.res, u.fail(err)
	}
	return u.res, nil
}

type updater struct {
	o        Options
	src      source
	cache    *cache
	since    time.Time
	res      *Result
	docs     map[string]*msrc.Document // parsed documents of the window, by ID
	failures []Failure
}

// fail wraps what went wrong with the catalog that stays in place.
func (u *updater) fail(err error) error {
	var e *Error
	if !errors.As(err, &e) {
		e = &Error{Failures: []Failure{{Err: err}}}
	}
	path := filepath.Join(u.o.CacheDir, CatalogFile)
	if date, err := catalog.PeekDate(path); err == nil {
		e.Kept, e.KeptDate = path, date
	}
	return e
}

// refresh brings every document of the window into the cache.
func (u *updater) refresh(ctx context.Context) error {
	ids, err := u.src.list(ctx, u.since, u.o.Now())
	if err != nil {
		return err
	}
	for i, it := range ids {
		u.o.Progress(Progress{Done: i, Total: len(ids), ID: it.id, State: "checking"})
		state, err := u.refreshOne(ctx, it, i, len(ids))
		if err != nil {
			state = "failed"
			u.failures = append(u.failures, Failure{ID: it.id, Err: err})
		}
		u.o.Progress(Progress{Done: i + 1, Total: len(ids), ID: it.id, State: state})
	}
	if len(u.failures) > 0 {
		return &Error{Failures: u.failures}
	}
	return nil
}

// refreshOne brings one document into the cache and parses it.
func (u *updater) refreshOne(ctx context.Context, it listItem, i, n int) (string, error) {
	meta, held := u.cache.meta(it.id)
	if held && it.current != "" && meta.CurrentRelease == it.current {
		u.res.Unchanged = append(u.res.Unchanged, it.id)
		return "unchanged", u.load(it.id)
	}
	progress := func(b int64) { u.o.Progress(Progress{Done: i, Total: n, ID: it.id, State: "fetching", Bytes: b}) }
	body, newMeta, err := u.src.fetch(ctx, it, meta, held, progress)
	switch {
	case errors.Is(err, errNotModified):
		u.res.Unchanged = append(u.res.Unchanged, it.id)
		return "unchanged", u.load(it.id)
	case errors.Is(err, errNotPublished):
		u.res.NotPublished = append(u.res.NotPublished, it.id)
		return "not published", nil
	case err != nil:
		return "", err
	}
	doc, err := msrc.Parse(bytes.NewReader(body), u.src.name(it.id), msrc.Limits{MaxBytes: u.o.MaxBytes})
	if err != nil {
		return "", err
	}
	if doc.ID != it.id {
		return "", fmt.Errorf("%s holds document %q, not %s", u.src.name(it.id), clip(doc.ID), it.id)
	}
	newMeta.CurrentRelease = doc.CurrentRelease
	if err := u.cache.store(it.id, body, newMeta); err != nil {
		return "", err
	}
	u.docs[it.id] = doc
	u.res.Fetched = append(u.res.Fetched, it.id)
	return "fetched", nil
}

// load parses a held document.
func (u *updater) load(id string) error {
	doc, err := u.cache.parse(id, u.o.MaxBytes)
	if err != nil {
		return fmt.Errorf("cached copy unreadable (%v); remove %s to fetch it again", err, u.cache.docPath(id))
	}
	u.docs[id] = doc
	return nil
}

// build converts the window's documents and replaces the catalog.
func (u *updater) build() error {
	var docs []*msrc.Document
	for id, d := range u.docs {
		docs = append(docs, d)
		u.res.Documents = append(u.res.Documents, id)
	}
	sort.Slice(u.res.Documents, func(i, j int) bool { return monthLess(u.res.Documents[i], u.res.Documents[j]) })
	if len(docs) == 0 {
		return fmt.Errorf("no MSRC document from %s on at %s", u.since.Format("2006-01"), u.o.Source)
	}
	cat, warns, err := msrc.Convert(docs)
	if err != nil {
		return err
	}
	u.res.Warnings = warns
	path := filepath.Join(u.o.CacheDir, CatalogFile)
	if err := writeAtomic(path, func(w io.Writer) error { return u.o.Write(w, cat) }); err != nil {
		return err
	}
	u.res.Catalog, u.res.LastDataUpdate = path, cat.LastDataUpdate
	if t, err := time.Parse("2006-01-02", cat.LastDataUpdate); err == nil {
		u.res.Stale = u.o.Now().Sub(t) > StaleAfter
	}
	return nil
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}
