package update

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/patchscan/patchscan/catalog"
	"github.com/patchscan/patchscan/internal/netguard"
)

// The tests run a real HTTP server on loopback (httptest binds 127.0.0.1)
// and a client whose dialer refuses anything else (netguard). They never
// contact MSRC.

var now = time.Date(2026, 3, 5, 12, 0, 0, 0, time.UTC)

// cvrf returns a small CVRF document with one Windows Server 2019 fix.
func cvrf(id, current string, ubr int) string {
	return fmt.Sprintf(`<?xml version="1.0" encoding="utf-8"?>
<cvrf:cvrfdoc xmlns:vuln="http://www.icasi.org/CVRF/schema/vuln/1.1" xmlns:prod="http://www.icasi.org/CVRF/schema/prod/1.1" xmlns:cvrf="http://www.icasi.org/CVRF/schema/cvrf/1.1">
<cvrf:DocumentTitle>%[1]s Security Updates</cvrf:DocumentTitle>
<cvrf:DocumentTracking><cvrf:Identification><cvrf:ID>%[1]s</cvrf:ID></cvrf:Identification>
<cvrf:InitialReleaseDate>%[2]sT08:00:00</cvrf:InitialReleaseDate><cvrf:CurrentReleaseDate>%[2]sT08:00:00</cvrf:CurrentReleaseDate></cvrf:DocumentTracking>
<prod:ProductTree><prod:FullProductName ProductID="11571">Windows Server 2019</prod:FullProductName></prod:ProductTree>
<vuln:Vulnerability Ordinal="1"><vuln:Title>T</vuln:Title><vuln:CVE>CVE-2026-%[3]d</vuln:CVE>
<vuln:Threats><vuln:Threat Type="Severity"><vuln:Description>Important</vuln:Description></vuln:Threat></vuln:Threats>
<vuln:Remediations><vuln:Remediation Type="Vendor Fix"><vuln:Description>50%[3]d</vuln:Description><vuln:ProductID>11571</vuln:ProductID>
<vuln:SubType>Security Update</vuln:SubType><vuln:FixedBuild>10.0.17763.%[3]d</vuln:FixedBuild></vuln:Remediation></vuln:Remediations>
</vuln:Vulnerability></cvrf:cvrfdoc>
`, id, current, ubr)
}

// testWrite stands in for catalog.Write: the header and bulletin IDs.
func testWrite(w io.Writer, c *catalog.Catalog) error {
	fmt.Fprintf(w, "<BulletinDatastore DataVersion=%q LastDataUpdate=%q>", c.DataVersion, c.LastDataUpdate)
	for _, b := range c.Bulletins {
		fmt.Fprintf(w, "<Bulletin BulletinID=%q/>", b.ID)
	}
	_, err := io.WriteString(w, "</BulletinDatastore>\n")
	return err
}

// server is a fake MSRC API. docs maps IDs to documents; fail maps an ID
// to a misbehaviour. It counts requests per path.
type server struct {
	t      *testing.T
	mu     sync.Mutex
	docs   map[string]string
	list   bool // serve {base}updates
	fail   map[string]string
	counts map[string]int
	srv    *httptest.Server
}

func newServer(t *testing.T, list bool, docs map[string]string) *server {
	s := &server{t: t, docs: docs, list: list, fail: map[string]string{}, counts: map[string]int{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *server) count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[path]
}

func (s *server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.counts[r.URL.Path]++
	fail := s.fail[strings.TrimPrefix(r.URL.Path, "/api/cvrf/")]
	doc, ok := s.docs[strings.TrimPrefix(r.URL.Path, "/api/cvrf/")]
	s.mu.Unlock()
	if r.URL.Path == "/api/updates" {
		s.serveList(w)
		return
	}
	switch {
	case fail == "500":
		http.Error(w, "internal error", http.StatusInternalServerError)
	case fail == "html":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, "<html><body>Please sign in to the proxy</body></html>")
	case fail == "truncated":
		truncate(w, doc)
	case fail == "stall":
		w.Header().Set("Content-Type", "application/xml")
		io.WriteString(w, doc[:100])
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	case fail == "silent":
		<-r.Context().Done()
	case fail == "gone":
		http.NotFound(w, r) // although the updates list names it
	case !ok:
		http.NotFound(w, r)
	default:
		etag := fmt.Sprintf(`"%x"`, sha256.Sum256([]byte(doc)))
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Content-Type", "application/xml; charset=utf-8")
		io.WriteString(w, doc)
	}
}

func (s *server) serveList(w http.ResponseWriter) {
	if !s.list {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var items []string
	for id, d := range s.docs {
		cur := d[strings.Index(d, "<cvrf:CurrentReleaseDate>")+25:][:10]
		items = append(items, fmt.Sprintf(`{"ID":%q,"CurrentReleaseDate":"%sT08:00:00Z","CvrfUrl":"https://elsewhere.invalid/%s"}`, id, cur, id))
	}
	w.Header().Set("Content-Type", "application/json; odata.metadata=minimal")
	fmt.Fprintf(w, `{"@odata.context":"x","value":[%s]}`, strings.Join(items, ","))
}

// truncate sends a response that promises the whole document and closes
// the connection halfway.
func truncate(w http.ResponseWriter, doc string) {
	conn, buf, err := w.(http.Hijacker).Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: %d\r\n\r\n%s", len(doc), doc[:len(doc)/2])
	buf.Flush()
}

func loopbackClient() *http.Client {
	d := netguard.Loopback.Dialer(nil)
	d.Timeout = 5 * time.Second
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
}

func options(t *testing.T, s *server, dir string) Options {
	return Options{
		Source: s.srv.URL + "/api/", Since: "2026-01", CacheDir: dir, Client: loopbackClient(),
		Write: testWrite, Now: func() time.Time { return now }, Idle: 300 * time.Millisecond, Timeout: 5 * time.Second,
	}
}

func readCatalog(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, CatalogFile))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestUpdateGood(t *testing.T) {
	s := newServer(t, true, map[string]string{"2026-Jan": cvrf("2026-Jan", "2026-01-13", 8300), "2026-Feb": cvrf("2026-Feb", "2026-02-10", 8389)})
	dir := t.TempDir()
	var events []string
	o := options(t, s, dir)
	o.Progress = func(p Progress) {
		if p.State != "checking" && p.State != "fetching" {
			events = append(events, fmt.Sprintf("%d/%d %s %s", p.Done, p.Total, p.ID, p.State))
		}
	}
	res, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(res.Fetched, []string{"2026-Jan", "2026-Feb"}) || res.LastDataUpdate != "2026-02-10" || res.Stale {
		t.Errorf("result %+v", res)
	}
	if !reflect.DeepEqual(events, []string{"1/2 2026-Jan fetched", "2/2 2026-Feb fetched"}) {
		t.Errorf("progress %q", events)
	}
	want := `<BulletinDatastore DataVersion="MSRC 2026-Jan to 2026-Feb (2 documents)" LastDataUpdate="2026-02-10"><Bulletin BulletinID="2026-Jan"/><Bulletin BulletinID="2026-Feb"/></BulletinDatastore>` + "\n"
	if got := readCatalog(t, dir); got != want {
		t.Errorf("catalog\n%s\nwant\n%s", got, want)
	}
	// A document already held is not fetched again: the updates list says
	// it has not been revised.
	res, err = Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Fetched) != 0 || len(res.Unchanged) != 2 || s.count("/api/cvrf/2026-Feb") != 1 {
		t.Errorf("second run fetched %v, unchanged %v, %d requests for 2026-Feb", res.Fetched, res.Unchanged, s.count("/api/cvrf/2026-Feb"))
	}
	// A revised document is fetched again.
	s.mu.Lock()
	s.docs["2026-Feb"] = cvrf("2026-Feb", "2026-02-20", 8390)
	s.mu.Unlock()
	if res, err = Run(context.Background(), o); err != nil || !reflect.DeepEqual(res.Fetched, []string{"2026-Feb"}) || res.LastDataUpdate != "2026-02-20" {
		t.Errorf("after a revision: fetched %v, date %s, err %v", res.Fetched, res.LastDataUpdate, err)
	}
}

// TestUpdateWithoutList: a mirror without the updates list is asked for
// every month; a held document is asked conditionally (ETag, 304); the
// current month, not published yet, is not a failure.
func TestUpdateWithoutList(t *testing.T) {
	s := newServer(t, false, map[string]string{"2026-Jan": cvrf("2026-Jan", "2026-01-13", 8300), "2026-Feb": cvrf("2026-Feb", "2026-02-10", 8389)})
	dir := t.TempDir()
	o := options(t, s, dir)
	res, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(res.NotPublished, []string{"2026-Mar"}) || len(res.Fetched) != 2 {
		t.Errorf("result %+v", res)
	}
	res, err = Run(context.Background(), o)
	if err != nil || len(res.Unchanged) != 2 || len(res.Fetched) != 0 || s.count("/api/cvrf/2026-Jan") != 2 {
		t.Errorf("second run: %+v, %d requests for 2026-Jan, err %v", res, s.count("/api/cvrf/2026-Jan"), err)
	}
}

// TestUpdateFailuresKeepCatalog: every failure leaves the last good
// catalog byte for byte, says so, and leaves no temporary file behind.
func TestUpdateFailuresKeepCatalog(t *testing.T) {
	for _, tc := range []struct {
		fail, want string
	}{
		{"500", "HTTP 500 Internal Server Error"},
		{"html", `answered with Content-Type "text/html; charset=utf-8", not XML`},
		{"truncated", "unexpected EOF"},
		{"stall", "stalled: no data for 300ms"},
		{"silent", "no answer within 300ms (timeout)"},
		{"gone", "HTTP 404 Not Found"},
		{"other", `holds document "2026-Jan", not 2026-Feb`},
	} {
		t.Run(tc.fail, func(t *testing.T) {
			s := newServer(t, true, map[string]string{"2026-Jan": cvrf("2026-Jan", "2026-01-13", 8300), "2026-Feb": cvrf("2026-Feb", "2026-02-10", 8389)})
			dir := t.TempDir()
			o := options(t, s, dir)
			if _, err := Run(context.Background(), o); err != nil {
				t.Fatal(err)
			}
			before := readCatalog(t, dir)
			s.mu.Lock()
			s.docs["2026-Feb"] = cvrf("2026-Feb", "2026-02-27", 8400) // revised: to be fetched again
			if tc.fail == "other" {
				s.docs["2026-Feb"] = cvrf("2026-Jan", "2026-02-27", 8400)
			} else {
				s.fail["2026-Feb"] = tc.fail
			}
			s.mu.Unlock()
			start := time.Now()
			_, err := Run(context.Background(), o)
			var ue *Error
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "kept the last good catalog "+filepath.Join(dir, CatalogFile)+" (data of 2026-02-10)") {
				t.Errorf("err = %v", err)
			}
			if d := time.Since(start); d > 4*time.Second {
				t.Errorf("the failure took %v", d)
			}
			if after := readCatalog(t, dir); after != before {
				t.Errorf("catalog changed:\n%s\n%s", before, after)
			}
			if tmp, _ := filepath.Glob(filepath.Join(dir, ".*tmp-*")); len(tmp) != 0 {
				t.Errorf("temporary files left: %v", tmp)
			}
		})
	}
}

func TestUpdateFirstFailure(t *testing.T) {
	s := newServer(t, true, map[string]string{"2026-Feb": cvrf("2026-Feb", "2026-02-10", 8389)})
	s.fail["2026-Feb"] = "500"
	dir := t.TempDir()
	_, err := Run(context.Background(), options(t, s, dir))
	if err == nil || !strings.Contains(err.Error(), "no catalog was written (none existed before); scans use the embedded catalog") {
		t.Errorf("err = %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, CatalogFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a catalog was written: %v", err)
	}
}

// TestUpdateRefused: a source nobody listens on fails at once, saying so.
func TestUpdateRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	o := Options{Source: "http://" + addr + "/", Since: "2026-01", CacheDir: t.TempDir(), Client: loopbackClient(),
		Write: testWrite, Now: func() time.Time { return now }, Idle: 5 * time.Second}
	start := time.Now()
	_, err = Run(context.Background(), o)
	if err == nil || !strings.Contains(err.Error(), "http://"+addr+"/updates: dial tcp "+addr+": connect: connection refused") || strings.Contains(err.Error(), "timeout") {
		t.Errorf("err = %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %v", d)
	}
}

func TestUpdateDirectory(t *testing.T) {
	src := t.TempDir()
	os.WriteFile(filepath.Join(src, "cvrfDocument-2026-Jan.xml"), []byte(cvrf("2026-Jan", "2026-01-13", 8300)), 0o644)
	os.WriteFile(filepath.Join(src, "2025-Dec.xml"), []byte(cvrf("2025-Dec", "2025-12-09", 8200)), 0o644)
	os.WriteFile(filepath.Join(src, "notes.txt"), []byte("not a document"), 0o644)
	dir := t.TempDir()
	o := Options{Source: src, Since: "2026-01", CacheDir: dir, Write: testWrite, Now: func() time.Time { return now }}
	res, err := Run(context.Background(), o)
	if err != nil || !reflect.DeepEqual(res.Documents, []string{"2026-Jan"}) || !res.Stale {
		t.Fatalf("result %+v, err %v", res, err)
	}
	if res, err = Run(context.Background(), o); err != nil || !reflect.DeepEqual(res.Unchanged, []string{"2026-Jan"}) {
		t.Errorf("second run %+v, err %v", res, err)
	}
	o.Source = filepath.Join(src, "notes.txt")
	if _, err := Run(context.Background(), o); err == nil || !strings.Contains(err.Error(), "is not a directory") {
		t.Errorf("a file as source: %v", err)
	}
}

func TestSince(t *testing.T) {
	for _, tc := range []struct{ in, want, err string }{
		{"", "2024-04", ""},
		{"2025-03", "2025-03", ""},
		{"2025-3", "", "want a month as YYYY-MM"},
		{"2027-01", "", "in the future"},
		{"2015-12", "", "start in 2016"},
	} {
		got, err := sinceMonth(tc.in, now)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("sinceMonth(%q) err = %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || got.Format("2006-01") != tc.want {
			t.Errorf("sinceMonth(%q) = %v, %v; want %s", tc.in, got, err, tc.want)
		}
	}
	if got := months(time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC), now); !reflect.DeepEqual(got, []string{"2025-Nov", "2025-Dec", "2026-Jan", "2026-Feb", "2026-Mar"}) {
		t.Errorf("months = %v", got)
	}
	for _, id := range []string{"../../etc", "2026-Feb/x", "2026-Febr", "Oct-OOB"} {
		if _, ok := monthOf(id); ok {
			t.Errorf("monthOf(%q) accepted", id)
		}
	}
}
