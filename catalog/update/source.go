package update

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

var (
	errNotModified  = errors.New("not modified")
	errNotPublished = errors.New("not published yet")
)

// listItem is one document to hold.
type listItem struct {
	id      string
	current string // CurrentReleaseDate the updates list gives (YYYY-MM-DD), "" if unknown
	path    string // file of a directory source
}

// source is where documents come from.
type source interface {
	// list returns the documents of the months from since on, oldest first.
	list(ctx context.Context, since, now time.Time) ([]listItem, error)
	// fetch returns a document unless the held copy (meta, when held) is
	// current (errNotModified) or the month is not out yet (errNotPublished).
	fetch(ctx context.Context, it listItem, meta docMeta, held bool, progress func(int64)) ([]byte, docMeta, error)
	// name is the URL or path of a document, for messages.
	name(id string) string
}

func newSource(o Options) (source, error) {
	if strings.HasPrefix(o.Source, "http://") || strings.HasPrefix(o.Source, "https://") {
		u, err := url.Parse(o.Source)
		if err != nil || u.Host == "" {
			return nil, optionErrorf("--source %q is not a URL", clip(o.Source))
		}
		base := strings.TrimSuffix(u.String(), "/") + "/"
		return &httpSource{base: base, o: o}, nil
	}
	return newDirSource(o)
}

type httpSource struct {
	base string
	o    Options
}

func (s *httpSource) name(id string) string { return s.base + "cvrf/" + id }

// updatesList is the JSON of MSRC's {base}updates.
type updatesList struct {
	Value []struct {
		ID                 string
		InitialReleaseDate string
		CurrentReleaseDate string
	} `json:"value"`
}

// list asks {base}updates; a source without that list (HTTP 404, as on a
// plain mirror) is asked for every month instead.
func (s *httpSource) list(ctx context.Context, since, now time.Time) ([]listItem, error) {
	resp, cancel, err := s.get(ctx, s.base+"updates", "application/json", nil)
	if err != nil {
		return nil, err
	}
	defer cancel()
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		var out []listItem
		for _, id := range months(since, now) {
			out = append(out, listItem{id: id})
		}
		return out, nil
	}
	if err := s.check(resp, s.base+"updates", "json"); err != nil {
		return nil, err
	}
	out, err := parseUpdatesList(io.LimitReader(resp.Body, 16<<20), since)
	if err != nil {
		return nil, fmt.Errorf("%supdates: not MSRC's updates list: %v", s.base, err)
	}
	return out, nil
}

// maxPerMonth bounds the documents a list may name for one month (MSRC
// publishes one, rarely an out-of-band second): a list naming more is not
// MSRC's, and would make the update fetch without end.
const maxPerMonth = 4

// parseUpdatesList reads MSRC's updates list (JSON) and keeps the
// documents of the months from since on, each once, oldest first. IDs of
// other shapes (2016's "Oct-OOB") are skipped.
func parseUpdatesList(r io.Reader, since time.Time) ([]listItem, error) {
	var l updatesList
	if err := json.NewDecoder(r).Decode(&l); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	perMonth := map[time.Time]int{}
	var out []listItem
	for _, v := range l.Value {
		m, ok := monthOf(v.ID)
		if !ok || m.Before(since) || seen[v.ID] {
			continue
		}
		seen[v.ID] = true
		if perMonth[m]++; perMonth[m] > maxPerMonth {
			return nil, fmt.Errorf("more than %d documents for %s", maxPerMonth, m.Format("2006-01"))
		}
		cur, _ := dayOf(v.CurrentReleaseDate)
		out = append(out, listItem{id: v.ID, current: cur})
	}
	sort.Slice(out, func(i, j int) bool { return monthLess(out[i].id, out[j].id) })
	return out, nil
}

func dayOf(s string) (string, bool) {
	if len(s) < 10 {
		return "", false
	}
	if _, err := time.Parse("2006-01-02", s[:10]); err != nil {
		return "", false
	}
	return s[:10], true
}

// fetch asks for one document, conditionally when a copy is held.
func (s *httpSource) fetch(ctx context.Context, it listItem, meta docMeta, held bool, progress func(int64)) ([]byte, docMeta, error) {
	u := s.name(it.id)
	hdr := http.Header{}
	if held && meta.ETag != "" {
		hdr.Set("If-None-Match", meta.ETag)
	}
	if held && meta.LastModified != "" {
		hdr.Set("If-Modified-Since", meta.LastModified)
	}
	resp, cancel, err := s.get(ctx, u, "application/xml", hdr)
	if err != nil {
		return nil, docMeta{}, err
	}
	defer cancel()
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified && held:
		return nil, docMeta{}, errNotModified
	case resp.StatusCode == http.StatusNotFound && it.current == "" && unpublished(it.id, s.o.Now()):
		return nil, docMeta{}, errNotPublished
	}
	if err := s.check(resp, u, "xml"); err != nil {
		return nil, docMeta{}, err
	}
	body, err := readBody(resp, s.o.MaxBytes, progress)
	if err != nil {
		return nil, docMeta{}, fmt.Errorf("%s: %w", u, err)
	}
	return body, docMeta{ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified"), Source: u}, nil
}

// get starts a request bounded by Options.Timeout and, while its body is
// read, by Options.Idle between bytes. cancel must be called when done.
func (s *httpSource) get(parent context.Context, u, accept string, hdr http.Header) (*http.Response, func(), error) {
	ctx, cancel := context.WithTimeout(parent, s.o.Timeout)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		cancel()
		return nil, nil, err
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	req.Header.Set("Accept", accept)
	req.Header.Set("User-Agent", "patchscan (catalog update)")
	idle := time.AfterFunc(s.o.Idle, cancel)
	resp, err := s.o.Client.Do(req)
	if err != nil {
		idle.Stop()
		expired := ctx.Err() != nil // before cancel, which would set it
		cancel()
		switch {
		case parent.Err() != nil:
			return nil, nil, fmt.Errorf("%s: %w", u, parent.Err())
		case expired:
			return nil, nil, fmt.Errorf("%s: no answer within %v (timeout); the server is stalled or unreachable", u, s.o.Idle)
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL is said once
		}
		return nil, nil, fmt.Errorf("%s: %w", u, err)
	}
	resp.Body = &idleReader{r: resp.Body, t: idle, d: s.o.Idle, ctx: ctx, u: u}
	return resp, func() { idle.Stop(); cancel() }, nil
}

// check accepts a 200 response of the expected kind ("xml" or "json").
func (s *httpSource) check(resp *http.Response, u, kind string) error {
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: HTTP %s", u, resp.Status)
	}
	ct := resp.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if ct == "" {
		return nil // the body is checked by the parser
	}
	ok := err == nil && (strings.Contains(mt, kind) || mt == "text/plain" || mt == "application/octet-stream")
	if !ok {
		return fmt.Errorf("%s: answered with Content-Type %q, not %s (a proxy or login page?)", u, clip(ct), strings.ToUpper(kind))
	}
	return nil
}

// idleReader fails a body that pauses longer than d.
type idleReader struct {
	r   io.ReadCloser
	t   *time.Timer
	d   time.Duration
	ctx context.Context
	u   string
}

func (r *idleReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if n > 0 {
		r.t.Reset(r.d)
	}
	if err != nil && r.ctx.Err() != nil {
		return n, fmt.Errorf("stalled: no data for %v or the request took too long (timeout)", r.d)
	}
	return n, err
}

func (r *idleReader) Close() error { return r.r.Close() }

// readBody reads a document of at most max bytes, reporting progress.
func readBody(resp *http.Response, max int64, progress func(int64)) ([]byte, error) {
	if resp.ContentLength > max {
		return nil, fmt.Errorf("document of %d bytes is over the %d-byte limit", resp.ContentLength, max)
	}
	var buf []byte
	chunk := make([]byte, 64<<10)
	for {
		n, err := resp.Body.Read(chunk)
		buf = append(buf, chunk[:n]...)
		if int64(len(buf)) > max {
			return nil, fmt.Errorf("document is over the %d-byte limit", max)
		}
		if n > 0 {
			progress(int64(len(buf)))
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading after %d bytes: %w", len(buf), err)
		}
	}
	if resp.ContentLength >= 0 && int64(len(buf)) != resp.ContentLength {
		return nil, fmt.Errorf("truncated: %d of %d bytes", len(buf), resp.ContentLength)
	}
	return buf, nil
}
