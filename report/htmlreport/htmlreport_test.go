package htmlreport

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/patchscan/patchscan/report/history"
)

var t0 = time.Date(2026, 10, 5, 2, 0, 0, 0, time.UTC)

const (
	scriptName = "<script>alert(1)</script>"
	quoteName  = `evil"quote'host`
	bidiName   = "\u202egnp.exe" // shows as "exe.png" unless neutralised
	imgError   = `<img src=x onerror=alert(2)> no answer`
)

func scanned(name string, at time.Time, results ...string) history.HostRecord {
	h := history.HostRecord{Name: name, ComputerName: name, Address: addrOf(name), Domain: "LAB", Status: "scanned",
		Started: at, Finished: at.Add(time.Second), OS: history.OSInfo{Product: "Windows Server 2019", Build: "17763", UBR: "6660"}}
	for _, r := range results {
		kb, st, _ := strings.Cut(r, "=")
		rr := history.ResultRecord{Kind: "patch", Bulletin: "B-" + kb, KB: kb, Title: "Update " + kb + ` <b>"bold"</b>`,
			Severity: "Critical", Status: st, Released: "2026-09-09", CVEs: []string{"CVE-2026-" + kb[2:]}}
		if st == "missing" {
			rr.Due = time.Date(2026, 9, 10, 0, 0, 0, 0, time.UTC)
			rr.Overdue = true
			if kb == "KB3" { // released yesterday: not overdue yet
				rr.Due, rr.Overdue = at.Add(24*time.Hour).Truncate(24*time.Hour), false
			}
		}
		h.Results = append(h.Results, rr)
	}
	return h
}

// addrOf gives every test host a loopback address of its own.
func addrOf(name string) string {
	sum := 0
	for _, c := range name {
		sum = sum*31 + int(c)
	}
	return "127.0." + itoa((sum>>8)&255) + "." + itoa(sum&255)
}

// fleet records three weekly runs; the newest has hostile names.
func fleet(t testing.TB) (*history.Store, []history.Run, *history.Snapshot) {
	t.Helper()
	ctx := context.Background()
	s, err := history.Open(ctx, filepath.Join(t.TempDir(), "h.db"), history.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	week := 7 * 24 * time.Hour
	for i, hosts := range [][]history.HostRecord{
		{scanned("a", t0, "KB1=missing"), scanned("b", t0, "KB1=missing"), scanned("c", t0, "KB1=missing")},
		{scanned("a", t0.Add(week), "KB1=installed"), scanned("b", t0.Add(week), "KB1=missing"), scanned("c", t0.Add(week), "KB1=installed")},
		{
			scanned("a", t0.Add(2*week), "KB1=installed", "KB2=installed"),
			scanned("b", t0.Add(2*week), "KB1=missing", "KB2=missing", "KB3=missing"),
			scanned("c", t0.Add(2*week), "KB1=installed", "KB2=warning"),
			scanned(scriptName, t0.Add(2*week), "KB2=missing"),
			scanned(quoteName, t0.Add(2*week), "KB1=installed"),
			{Name: bidiName, Address: "127.0.9.99", Status: "unreachable", Error: imgError, Started: t0.Add(2 * week), Finished: t0.Add(2 * week)},
		},
	} {
		rec, err := s.StartRun(ctx, history.RunInfo{Started: t0.Add(time.Duration(i) * week), CatalogVersion: "2026.10"})
		if err != nil {
			t.Fatal(err)
		}
		if err := rec.Add(ctx, hosts); err != nil {
			t.Fatal(err)
		}
		if err := rec.Finish(ctx, history.RunComplete); err != nil {
			t.Fatal(err)
		}
	}
	runs, err := s.Runs(ctx, history.RunFilter{})
	if err != nil {
		t.Fatal(err)
	}
	sn, err := s.Snapshot(ctx, runs[0], true, "missing", "error", "warning", "note")
	if err != nil {
		t.Fatal(err)
	}
	return s, runs, sn
}

func render(t testing.TB, runs []history.Run, sn *history.Snapshot) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, Input{Source: "test store", Generated: t0.Add(15 * 24 * time.Hour), Runs: runs, Latest: sn}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestSummaryCounts(t *testing.T) {
	_, runs, sn := fleet(t)
	m := build(Input{Runs: runs, Latest: sn})
	// a, c (a warning is not a finding) and the quote host are compliant.
	want := Summary{Hosts: 6, Scanned: 5, NotScanned: 1, Compliant: 3, NonCompliant: 2, Missing: 4, Overdue: 3, HostsOverdue: 2,
		OpenCVEs: 3, ExploitedCVEs: 0, CompliantPct: "60%"}
	if m.summary != want {
		t.Errorf("summary\n got %+v\nwant %+v", m.summary, want)
	}
	if len(m.data.Updates) != 3 || len(m.data.CVEs) != 3 || len(m.data.Hosts) != 6 {
		t.Errorf("%d updates, %d CVEs, %d hosts; want 3, 3, 6", len(m.data.Updates), len(m.data.CVEs), len(m.data.Hosts))
	}
	// Per update: KB2 is missing on 2 hosts (both overdue) and a warning on one.
	for _, u := range m.data.Updates {
		if u[2] == "KB2" && (u[7] != 2 || u[8] != 2 || u[9] != 1) {
			t.Errorf("KB2 row %v: want 2 missing, 2 overdue, 1 other", u)
		}
	}
	c := trend(runs)
	if len(c.Dots) != 3 || !strings.HasPrefix(c.Dots[0].Title, "run 1, 2026-10-05: 0% compliant (0 of 3 scanned), 3 overdue") {
		t.Errorf("trend %+v", c.Dots)
	}
}

// TestHostileStringsAreText: nothing a host sends appears as markup in the
// file, the bidi override is neutralised, and the JSON parses back to the
// shown strings.
func TestHostileStringsAreText(t *testing.T) {
	_, runs, sn := fleet(t)
	page := render(t, runs, sn)
	for _, bad := range []string{scriptName, "<img", "<b>\"bold\"", "\u202e"} {
		if bytes.Contains(page, []byte(bad)) {
			t.Errorf("the page holds %q as is", bad)
		}
	}
	if n := bytes.Count(page, []byte("<script")); n != 2 {
		t.Errorf("%d <script elements, want 2 (data and code)", n)
	}
	m := regexp.MustCompile(`(?s)<script id="data" type="application/json">(.*?)</script>`).FindSubmatch(page)
	if m == nil {
		t.Fatal("no data element")
	}
	var d data
	if err := json.Unmarshal(m[1], &d); err != nil {
		t.Fatalf("data is not JSON: %v", err)
	}
	names := map[string]bool{}
	for _, h := range d.Hosts {
		names[h[0].(string)] = true
	}
	for _, want := range []string{scriptName, quoteName, "\ufffdgnp.exe"} {
		if !names[want] {
			t.Errorf("host %q missing from the data (have %v)", want, names)
		}
	}
	if !bytes.Contains(page, []byte("Content-Security-Policy")) || bytes.Contains(page, []byte("http://")) || bytes.Contains(page, []byte("https://")) {
		t.Error("the page lacks its CSP or names a URL")
	}
}

func TestEmptyStore(t *testing.T) {
	page := render(t, nil, nil)
	if !bytes.Contains(page, []byte("No runs.")) || !bytes.Contains(page, []byte(`id="sum-hosts">0<`)) {
		t.Errorf("empty report:\n%s", page[:min(len(page), 3000)])
	}
}
