package htmlreport

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"
)

//go:embed page.css
var pageCSS string

//go:embed page.js
var pageJS string

// csp allows exactly the page's own style and script (by hash) and nothing
// else: no fetch, no image, no font, no frame, no form. Even markup that
// got past escaping could not run or load anything.
var csp = "default-src 'none'; style-src '" + hash(pageCSS) + "'; script-src '" + hash(pageJS) +
	"'; img-src 'none'; base-uri 'none'; form-action 'none'"

func hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}

var body = template.Must(template.New("body").Parse(bodyTemplate))

type page struct {
	Title, Source, Generated string
	Run                      runJSON
	S                        Summary
	Chart                    chart
	Runs                     int
	Warnings                 []string
}

// Write writes the report to w.
func Write(w io.Writer, in Input) error {
	if in.Generated.IsZero() {
		in.Generated = time.Now()
	}
	if in.Title == "" {
		in.Title = "patchscan fleet report"
	}
	m := build(in)
	p := page{
		Title: line(in.Title, maxTitle), Source: line(in.Source, maxTitle),
		Generated: in.Generated.UTC().Format("2006-01-02 15:04 UTC"), Run: m.data.Run, S: m.summary,
		Chart: trend(in.Runs), Runs: len(in.Runs),
	}
	if in.Latest != nil {
		if miss := in.Latest.Run.MissingShards(); len(miss) > 0 {
			p.Warnings = append(p.Warnings, fmt.Sprintf("This run is missing shard(s) %s of %d: their hosts are not in this report.", ints(miss), in.Latest.Run.ShardCount))
		}
	}
	js, err := json.Marshal(m.data) // escapes <, > and &: the JSON cannot close its script element
	if err != nil {
		return fmt.Errorf("html report: %w", err)
	}
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"+
		"<meta http-equiv=\"Content-Security-Policy\" content=\"%s\">\n"+
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"+
		"<meta name=\"generator\" content=\"patchscan\">\n<title>%s</title>\n<style>%s</style>\n</head>\n",
		csp, template.HTMLEscapeString(p.Title), pageCSS)
	var b bytes.Buffer
	if err := body.Execute(&b, p); err != nil {
		return fmt.Errorf("html report: %w", err)
	}
	bw.Write(b.Bytes())
	bw.WriteString(`<script id="data" type="application/json">`)
	bw.Write(js)
	bw.WriteString("</script>\n<script>")
	bw.WriteString(pageJS)
	bw.WriteString("</script>\n</body>\n</html>\n")
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("writing the html report: %w", err)
	}
	return nil
}

func ints(l []int) string {
	s := make([]string, len(l))
	for i, v := range l {
		s[i] = itoa(v)
	}
	return strings.Join(s, ", ")
}

const bodyTemplate = `<body>
<header>
<h1>{{.Title}}</h1>
<p class="meta">Run <b id="run-ref">{{.Run.Ref}}</b> started {{.Run.Started}}{{if .Run.Finished}}, finished {{.Run.Finished}}{{end}} ({{.Run.Status}}{{if .Run.Shards}}, shards {{.Run.Shards}}{{end}}){{if .Run.Catalogs}}; catalog {{.Run.Catalogs}}{{end}}.
Report generated {{.Generated}} from {{.Source}}.</p>
{{range .Warnings}}<p class="warn">{{.}}</p>
{{end}}</header>
<section id="summary" aria-label="Fleet summary">
<div class="card"><span class="n" id="sum-hosts">{{.S.Hosts}}</span><span class="l">hosts</span></div>
<div class="card"><span class="n" id="sum-compliant-pct">{{.S.CompliantPct}}</span><span class="l">compliant (<span id="sum-compliant">{{.S.Compliant}}</span> of <span id="sum-scanned">{{.S.Scanned}}</span> scanned)</span></div>
<div class="card bad"><span class="n" id="sum-noncompliant">{{.S.NonCompliant}}</span><span class="l">not compliant</span></div>
<div class="card"><span class="n" id="sum-notscanned">{{.S.NotScanned}}</span><span class="l">not scanned</span></div>
<div class="card bad"><span class="n" id="sum-missing">{{.S.Missing}}</span><span class="l">missing updates</span></div>
<div class="card bad"><span class="n" id="sum-overdue">{{.S.Overdue}}</span><span class="l">overdue (on <span id="sum-hosts-overdue">{{.S.HostsOverdue}}</span> hosts)</span></div>
<div class="card"><span class="n" id="sum-cves">{{.S.OpenCVEs}}</span><span class="l">open CVEs (<span id="sum-exploited">{{.S.ExploitedCVEs}}</span> exploited)</span></div>
</section>
<section id="trend" aria-label="Compliance over runs">
<h2>Compliance over the last {{.Runs}} run(s)</h2>
{{with .Chart}}{{if .Empty}}<p>No runs.</p>{{else}}<svg id="trend-chart" width="{{.W}}" height="{{.H}}" viewBox="0 0 {{.W}} {{.H}}" role="img" aria-label="Share of scanned hosts compliant, and overdue findings, per run">
<line x1="{{.Left}}" y1="{{.Bottom}}" x2="{{.Right}}" y2="{{.Bottom}}" stroke="#888"/>
{{range .YTicks}}<line x1="{{$.Chart.Left}}" y1="{{.Y}}" x2="{{$.Chart.Right}}" y2="{{.Y}}" stroke="#e4e4e4"/><text x="{{.X}}" y="{{.Y}}" text-anchor="end" dominant-baseline="middle" font-size="11" fill="#555">{{.Label}}</text>
{{end}}{{range .Bars}}<rect class="bar" x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="{{.H}}" fill="#f2b8b5"><title>{{.Title}}</title></rect>
{{end}}{{if .OverdueMax}}<text x="{{.W}}" y="{{.Top}}" dx="-4" dy="-4" text-anchor="end" font-size="11" fill="#a33">bars: up to {{.OverdueMax}} overdue</text>
{{end}}<polyline points="{{.Points}}" fill="none" stroke="#2a6ebb" stroke-width="2"/>
{{range .Dots}}<circle class="pt" cx="{{.X}}" cy="{{.Y}}" r="4" fill="#2a6ebb"><title>{{.Title}}</title></circle>
{{end}}{{range .Labels}}<text x="{{.X}}" y="{{.Y}}" text-anchor="middle" font-size="11" fill="#555">{{.Label}}</text>
{{end}}</svg>
<p class="legend"><span class="sw line"></span> % of scanned hosts compliant <span class="sw barsw"></span> overdue findings</p>{{end}}{{end}}
</section>
<nav id="views" aria-label="Views">
<button type="button" data-view="hosts" class="on">Hosts</button>
<button type="button" data-view="updates">Updates (KB)</button>
<button type="button" data-view="cves">CVEs</button>
</nav>
<noscript><p class="warn">The tables need JavaScript; the summary and the chart above are complete without it.</p></noscript>
<section id="view-hosts" class="view" aria-label="Hosts">
<div class="controls"><input id="hosts-filter" type="search" placeholder="Filter hosts (name, address, domain, OS, error)" aria-label="Filter hosts">
<select id="hosts-show" aria-label="Which hosts"><option value="all">all hosts</option><option value="noncompliant">not compliant</option><option value="overdue">with overdue updates</option><option value="notscanned">not scanned</option></select>
<span class="count" id="hosts-count"></span></div>
<table id="hosts-table"><thead><tr><th data-k="0">Host</th><th data-k="1">Address</th><th data-k="3">Status</th><th data-k="6" data-num="1">Missing</th><th data-k="7" data-num="1">Overdue</th><th data-k="8" data-num="1">Warnings</th><th data-k="9" data-num="1">Errors</th><th data-k="11" data-num="1">Open CVEs</th><th data-k="5">OS</th><th data-k="12">Scanned</th></tr></thead><tbody></tbody></table>
<button type="button" class="more" id="hosts-more" hidden>Show all</button>
</section>
<section id="view-updates" class="view" hidden aria-label="Updates">
<div class="controls"><input id="updates-filter" type="search" placeholder="Filter updates (KB, bulletin, title, product)" aria-label="Filter updates">
<span class="count" id="updates-count"></span></div>
<table id="updates-table"><thead><tr><th data-k="2">KB</th><th data-k="1">Bulletin</th><th data-k="5" data-sev="1">Severity</th><th data-k="6">Released</th><th data-k="7" data-num="1">Hosts missing</th><th data-k="8" data-num="1">Overdue</th><th data-k="9" data-num="1">Other</th><th data-k="3">Product</th><th data-k="4">Title</th></tr></thead><tbody></tbody></table>
<button type="button" class="more" id="updates-more" hidden>Show all</button>
</section>
<section id="view-cves" class="view" hidden aria-label="CVEs">
<div class="controls"><input id="cves-filter" type="search" placeholder="Filter CVEs (id, KB)" aria-label="Filter CVEs">
<label><input id="cves-exploited" type="checkbox"> exploited only</label>
<span class="count" id="cves-count"></span></div>
<table id="cves-table"><thead><tr><th data-k="0">CVE</th><th data-k="1" data-sev="1">Severity</th><th data-k="2" data-num="1">Exploited</th><th data-k="3" data-num="1">Hosts</th><th data-k="4">Fixed by</th></tr></thead><tbody></tbody></table>
<button type="button" class="more" id="cves-more" hidden>Show all</button>
</section>
`
