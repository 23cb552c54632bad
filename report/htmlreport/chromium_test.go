package htmlreport

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/patchscan/patchscan/internal/chromium"
	"github.com/patchscan/patchscan/report/history"
)

// artefacts is where browser tests leave screenshots: $PATCHSCAN_ARTEFACTS,
// else patchscan-artefacts in the temp directory. The test prints it.
func artefacts(t *testing.T) string {
	dir := os.Getenv("PATCHSCAN_ARTEFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "patchscan-artefacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestReportInChromium opens the report in a real headless Chromium: it
// loads with no console error, exception, CSP violation or network
// request; the summary, the three views and their filters show the right
// counts; hostile names show as text; a screenshot goes to the artefacts.
func TestReportInChromium(t *testing.T) {
	b := chromium.Start(t)
	_, runs, sn := fleet(t)
	file := filepath.Join(t.TempDir(), "report.html")
	if err := os.WriteFile(file, render(t, runs, sn), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	p, err := b.NewPage(ctx, 1400, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Navigate(ctx, "file://"+file); err != nil {
		t.Fatal(err)
	}
	if err := p.WaitFor(ctx, `document.body.dataset.ready === "1"`); err != nil {
		t.Fatalf("%v; problems: %v", err, p.Problems())
	}

	texts := map[string]string{
		"#sum-hosts": "6", "#sum-compliant": "3", "#sum-scanned": "5", "#sum-noncompliant": "2", "#sum-notscanned": "1",
		"#sum-missing": "4", "#sum-overdue": "3", "#sum-hosts-overdue": "2", "#sum-cves": "3", "#sum-compliant-pct": "60%",
		"#hosts-count": "6 of 6 hosts", "#updates-count": "3 of 3 updates", "#cves-count": "3 of 3 CVEs",
	}
	for sel, want := range texts {
		if got := text(t, p, sel); got != want {
			t.Errorf("%s shows %q, want %q", sel, got, want)
		}
	}
	if n := count(t, p, "#hosts-table tbody tr"); n != 6 {
		t.Errorf("%d host rows, want 6", n)
	}
	if n := count(t, p, "#trend-chart circle.pt"); n != 3 {
		t.Errorf("%d points on the trend, want 3", n)
	}

	// Hostile names are text: the script name is shown as written, the
	// bidi override is gone, and no element came from host data.
	var names []string
	evalJS(t, p, `Array.from(document.querySelectorAll("#hosts-table tbody td.name")).map(e => e.textContent)`, &names)
	joined := strings.Join(names, "|")
	if !strings.Contains(joined, scriptName) || !strings.Contains(joined, quoteName) || !strings.Contains(joined, "\ufffdgnp.exe") || strings.Contains(joined, "\u202e") {
		t.Errorf("host names shown: %q", names)
	}
	var scripts, imgs int
	evalJS(t, p, `document.scripts.length`, &scripts)
	evalJS(t, p, `document.images.length + document.querySelectorAll("iframe, [onerror], b:not(#run-ref)").length`, &imgs)
	if scripts != 2 || imgs != 0 {
		t.Errorf("%d scripts and %d injected elements, want 2 and 0", scripts, imgs)
	}

	// Filters: by text, by the host selector, exploited-only.
	setFilter(t, p, "#hosts-filter", "script")
	if got := text(t, p, "#hosts-count"); got != "1 of 6 hosts" {
		t.Errorf("filtered on 'script': %q", got)
	}
	setFilter(t, p, "#hosts-filter", "")
	evalJS(t, p, `(s => { s.value = "overdue"; s.dispatchEvent(new Event("change")); return true })(document.getElementById("hosts-show"))`, nil)
	if got := text(t, p, "#hosts-count"); got != "2 of 6 hosts" {
		t.Errorf("hosts with overdue updates: %q", got)
	}
	evalJS(t, p, `(s => { s.value = "notscanned"; s.dispatchEvent(new Event("change")); return true })(document.getElementById("hosts-show"))`, nil)
	if got := text(t, p, "#hosts-count"); got != "1 of 6 hosts" {
		t.Errorf("hosts not scanned: %q", got)
	}
	evalJS(t, p, `(s => { s.value = "all"; s.dispatchEvent(new Event("change")); return true })(document.getElementById("hosts-show"))`, nil)

	// Sorting: by host name ascending puts "<script>..." first.
	evalJS(t, p, `document.querySelector('#hosts-table th[data-k="0"]').click(); document.querySelector('#hosts-table th[data-k="0"]').getAttribute("aria-sort")`, nil)
	if first := text(t, p, "#hosts-table tbody tr td.name"); first != scriptName {
		t.Errorf("first host sorted by name: %q", first)
	}
	// A click on a host shows its results: b has 3 missing.
	evalJS(t, p, `Array.from(document.querySelectorAll("#hosts-table tbody tr")).find(r => r.cells[0].textContent === "b").click()`, nil)
	if n := count(t, p, "#hosts-table tr.detail table.inner tr"); n != 4 { // header + 3
		t.Errorf("host b's detail has %d rows, want 4", n)
	}

	// The updates view: KB2 is missing on 2 hosts.
	evalJS(t, p, `document.querySelector('#views button[data-view="updates"]').click()`, nil)
	var kb2 []string
	evalJS(t, p, `Array.from(document.querySelectorAll("#updates-table tbody tr")).filter(r => r.cells[0].textContent === "KB2").map(r => r.cells[4].textContent + "/" + r.cells[5].textContent)`, &kb2)
	if len(kb2) != 1 || kb2[0] != "2/2" {
		t.Errorf("KB2 missing/overdue: %v, want [2/2]", kb2)
	}
	setFilter(t, p, "#updates-filter", "kb3")
	if got := text(t, p, "#updates-count"); got != "1 of 3 updates" {
		t.Errorf("updates filtered on kb3: %q", got)
	}
	evalJS(t, p, `document.querySelector('#views button[data-view="cves"]').click()`, nil)
	if got := text(t, p, "#cves-count"); got != "3 of 3 CVEs" {
		t.Errorf("CVE view: %q", got)
	}
	evalJS(t, p, `document.querySelector('#views button[data-view="hosts"]').click()`, nil)

	png, err := p.Screenshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(artefacts(t), "report-html.png")
	if err := os.WriteFile(shot, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (artefacts in %s)", shot, filepath.Dir(shot))
	time.Sleep(200 * time.Millisecond) // late console events
	if probs := p.Problems(); len(probs) > 0 {
		t.Errorf("the page had problems:\n%s", strings.Join(probs, "\n"))
	}
}

func evalJS(t *testing.T, p *chromium.Page, expr string, out any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := p.Eval(ctx, expr, out); err != nil {
		t.Fatal(err)
	}
}

func text(t *testing.T, p *chromium.Page, sel string) string {
	t.Helper()
	var s string
	evalJS(t, p, `(e => e ? e.textContent : "(no element)")(document.querySelector(`+quote(sel)+`))`, &s)
	return s
}

func count(t *testing.T, p *chromium.Page, sel string) int {
	t.Helper()
	var n int
	evalJS(t, p, `document.querySelectorAll(`+quote(sel)+`).length`, &n)
	return n
}

func setFilter(t *testing.T, p *chromium.Page, sel, value string) {
	t.Helper()
	evalJS(t, p, `(e => { e.value = `+quote(value)+`; e.dispatchEvent(new Event("input")); return true })(document.querySelector(`+quote(sel)+`))`, nil)
}

func quote(s string) string { return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"` }

// TestLargeReportInChromium: 10,000 hosts (built in memory) load and
// render in the browser with the right counts and no problem.
func TestLargeReportInChromium(t *testing.T) {
	b := chromium.Start(t)
	const n = 10_000
	sn := &history.Snapshot{Run: history.Run{Ref: "big", Started: t0, Status: history.RunComplete, ShardCount: 1}}
	missing := 0
	for i := range n {
		h := scanned(fmt.Sprintf("ws%05d", i), t0)
		if i%3 == 0 {
			h = scanned(fmt.Sprintf("ws%05d", i), t0, "KB1=missing", "KB2=installed")
			missing++
		}
		h.Counts = history.Counts{Set: true, Missing: len(h.Results) / 2, Overdue: len(h.Results) / 2}
		sn.Hosts = append(sn.Hosts, history.HostState{Key: "n:" + h.Name, HostRecord: h})
	}
	var page bytes.Buffer
	if err := Write(&page, Input{Source: "generated", Latest: sn, Runs: []history.Run{sn.Run}}); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "big.html")
	if err := os.WriteFile(file, page.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	p, err := b.NewPage(ctx, 1400, 1000)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := p.Navigate(ctx, "file://"+file); err != nil {
		t.Fatal(err)
	}
	if err := p.WaitFor(ctx, `document.body.dataset.ready === "1"`); err != nil {
		t.Fatalf("%v; problems: %v", err, p.Problems())
	}
	t.Logf("%d hosts, %.1f MB: ready in %v", n, float64(page.Len())/1e6, time.Since(start).Round(time.Millisecond))
	if got := text(t, p, "#hosts-count"); got != fmt.Sprintf("%d of %d hosts (first 500 shown)", n, n) {
		t.Errorf("hosts count %q", got)
	}
	if got := text(t, p, "#sum-missing"); got != fmt.Sprint(missing) {
		t.Errorf("missing %q, want %d", got, missing)
	}
	if rows := count(t, p, "#hosts-table tbody tr"); rows != 500 {
		t.Errorf("%d rows rendered, want the first 500", rows)
	}
	setFilter(t, p, "#hosts-filter", "ws0999")
	if got := text(t, p, "#hosts-count"); got != "10 of 10000 hosts" {
		t.Errorf("filtered: %q", got)
	}
	if probs := p.Problems(); len(probs) > 0 {
		t.Errorf("problems:\n%s", strings.Join(probs, "\n"))
	}
}
