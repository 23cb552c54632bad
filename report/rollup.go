package report

import (
	"cmp"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/patchscan/patchscan/detect"
)

// Rollup compiles many hosts into one summary, as MBSA's rollup.js did. It
// keeps per host a few counters and per missing bulletin the indexes of
// the hosts missing it: memory is hosts×counters + bulletins×host refs.
type Rollup struct {
	catalogVersion string
	catalogDate    string // the hosts' common catalog date, "" when they differ
	dateSeen       bool
	generated      time.Time
	hosts          []rollupHost
	bulletins      map[MissingRef]*rollupBulletin
	configs        map[string]*rollupConfig // failed configuration checks by ID
	insecure       map[string]bool          // safeguards some run turned off
	interrupted    bool                     // the run stopped before every target was scanned
}

type rollupHost struct {
	name, address, domain, status, err, catalogVersion string
	computerName                                       string
	catalogDate                                        string
	finished                                           time.Time
	counts                                             Counts
	compliant                                          bool
	cvesKnown                                          bool
	vulnerabilities, exploited                         int
	configKnown                                        bool
	config                                             ConfigCounts
}

type rollupBulletin struct {
	hosts []int32
}

// NewRollup returns an empty rollup. catalogVersion may be empty when the
// hosts come from runs with different catalogs.
func NewRollup(catalogVersion string, generated time.Time) *Rollup {
	if generated.IsZero() {
		generated = time.Now()
	}
	return &Rollup{catalogVersion: catalogVersion, generated: generated.UTC(), bulletins: map[MissingRef]*rollupBulletin{},
		configs: map[string]*rollupConfig{}, insecure: map[string]bool{}}
}

// NoteInsecure records safeguards the run turned off (Meta.Insecure),
// whether or not any host is added: the rollup lists every mode of every
// run it covers.
func (r *Rollup) NoteInsecure(modes []string) {
	for _, m := range cleanTokens(modes) {
		r.insecure[m] = true
	}
}

// MarkInterrupted says the rollup is of a run stopped before every target
// was scanned (Ctrl-C): its hosts are not the whole run.
func (r *Rollup) MarkInterrupted() { r.interrupted = true }

// insecureAttr is the rollup's insecure attribute: the modes, sorted.
func (r *Rollup) insecureAttr() string {
	modes := make([]string, 0, len(r.insecure))
	for m := range r.insecure {
		modes = append(modes, m)
	}
	sort.Strings(modes)
	return strings.Join(modes, " ")
}

// Add counts one host. Adding the same host twice counts it twice: callers
// that merge runs pick the newest summary per host first (see Latest).
func (r *Rollup) Add(s HostSummary) {
	idx := int32(len(r.hosts))
	r.hosts = append(r.hosts, rollupHost{
		name: s.Name, address: s.Address, domain: s.Domain, computerName: s.ComputerName, status: string(s.Status), err: s.Error,
		catalogVersion: s.CatalogVersion, catalogDate: s.CatalogDate, finished: s.Finished, counts: s.Counts, compliant: s.Compliant(),
		cvesKnown: s.CVEsKnown, vulnerabilities: s.Vulnerabilities, exploited: s.Exploited,
		configKnown: s.ConfigKnown, config: s.Config,
	})
	r.addConfig(idx, s)
	r.NoteInsecure(s.Insecure)
	switch {
	case !r.dateSeen:
		r.catalogDate, r.dateSeen = s.CatalogDate, true
	case r.catalogDate != s.CatalogDate:
		r.catalogDate = ""
	}
	for _, m := range s.Missing {
		b := r.bulletins[m]
		if b == nil {
			b = &rollupBulletin{}
			r.bulletins[m] = b
		}
		// A host missing one patch twice (two products) is listed once.
		if n := len(b.hosts); n == 0 || b.hosts[n-1] != idx {
			b.hosts = append(b.hosts, idx)
		}
	}
}

// Latest keeps the newest summary per host (compared by When; on a tie
// the one added later wins), so merging many runs costs memory per
// distinct host, not per file.
//
// One host is recognised across runs by the name it gives itself
// (HostSummary.ComputerName, from its registry) when its reports say it,
// else by the address it was reached at: a host scanned once by address
// and once by name counts once. A report that names no computer (the
// host was not scanned) joins the host last seen at its address; two
// reports naming different computers are two hosts, whatever their
// addresses.
type Latest struct {
	pos   map[string]int // "c:computer", "a:address", "n:name", "t:target" -> index
	hosts []HostSummary
}

// Add offers one summary.
func (l *Latest) Add(s HostSummary) {
	if l.pos == nil {
		l.pos = map[string]int{}
	}
	i, ok := l.find(s)
	if !ok {
		i = len(l.hosts)
		l.hosts = append(l.hosts, s)
	} else if !s.When().Before(l.hosts[i].When()) {
		if s.ComputerName == "" {
			s.ComputerName = l.hosts[i].ComputerName // the identity stays known
		}
		l.hosts[i] = s
	}
	for _, k := range identityKeys(s) {
		l.pos[k] = i
	}
}

// find returns the index of the host s is a report of.
func (l *Latest) find(s HostSummary) (int, bool) {
	keys := identityKeys(s)
	if s.ComputerName != "" {
		if i, ok := l.pos[keys[0]]; ok {
			return i, true
		}
		keys = keys[1:]
	}
	for _, k := range keys {
		i, ok := l.pos[k]
		if !ok {
			continue
		}
		// Same address or name, but a different computer: another host.
		if c := l.hosts[i].ComputerName; c != "" && s.ComputerName != "" && !strings.EqualFold(c, s.ComputerName) {
			return 0, false
		}
		return i, true
	}
	return 0, false
}

// identityKeys lists what identifies s, most telling first: its computer
// name, then its address; its name and target only when neither is known.
func identityKeys(s HostSummary) []string {
	var keys []string
	if s.ComputerName != "" {
		keys = append(keys, "c:"+strings.ToLower(s.ComputerName))
	}
	if s.Address != "" {
		keys = append(keys, "a:"+strings.ToLower(s.Address))
	}
	if len(keys) == 0 {
		keys = append(keys, s.Key())
	}
	return keys
}

// Hosts returns the kept summaries in order of each host's first
// appearance.
func (l *Latest) Hosts() []HostSummary { return l.hosts }

// Merge returns the newest summary per host, as Latest does.
func Merge(summaries []HostSummary) []HostSummary {
	var l Latest
	for _, s := range summaries {
		l.Add(s)
	}
	return l.Hosts()
}

// WriteXML writes the Rollup document: the summary, every host (sorted by
// name, then address) and every missing patch with the hosts missing it.
func (r *Rollup) WriteXML(w io.Writer) error {
	order := r.hostOrder()
	var x xmlWriter
	x.b.WriteString(xmlHeader)
	x.open(0, "Rollup", false,
		req("xmlns", NamespaceRollup),
		req("generated", fmtTime(r.generated)),
		opt("catalogVersion", r.catalogVersion),
		opt("catalogDate", r.catalogDate),
		opt("insecure", r.insecureAttr()),
		opt("interrupted", boolAttr(r.interrupted, true)))
	r.writeSummary(&x)
	r.writeHosts(&x, order)
	r.writeBulletins(&x)
	r.writeConfigChecks(&x) // configrollup.go
	x.close(0, "Rollup")
	_, err := w.Write(x.b.Bytes())
	return err
}

// hostLess orders hosts by name, then address.
func (r *Rollup) hostLess(a, b int) bool {
	ha, hb := r.hosts[a], r.hosts[b]
	if ha.name != hb.name {
		return ha.name < hb.name
	}
	return ha.address < hb.address
}

// hostOrder returns host indexes in hostLess order (stable: a host added
// twice keeps its order of addition).
func (r *Rollup) hostOrder() []int {
	order := make([]int, len(r.hosts))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool { return r.hostLess(order[i], order[j]) })
	return order
}

// writeSummary writes the Summary element: how many hosts were scanned,
// failed, compliant, missing patches, with warnings, with open CVEs and
// with exploited ones among them.
func (r *Rollup) writeSummary(x *xmlWriter) {
	var scanned, failed, compliant, missing, warning, vulnerable, exploited int
	for _, h := range r.hosts {
		if h.vulnerabilities > 0 {
			vulnerable++
		}
		if h.exploited > 0 {
			exploited++
		}
		if h.status == "scanned" {
			scanned++
		} else {
			failed++
		}
		if h.compliant {
			compliant++
		}
		if h.counts.Missing > 0 {
			missing++
		}
		if h.counts.Warning > 0 {
			warning++
		}
	}
	x.open(1, "Summary", true,
		req("hosts", strconv.Itoa(len(r.hosts))), req("scanned", strconv.Itoa(scanned)),
		req("failed", strconv.Itoa(failed)), req("compliant", strconv.Itoa(compliant)),
		req("missing", strconv.Itoa(missing)), req("warning", strconv.Itoa(warning)),
		req("vulnerable", strconv.Itoa(vulnerable)), req("exploited", strconv.Itoa(exploited)))
}

// writeHosts writes the Hosts element, one Host per host in order.
func (r *Rollup) writeHosts(x *xmlWriter, order []int) {
	x.open(1, "Hosts", len(r.hosts) == 0)
	for _, i := range order {
		h := r.hosts[i]
		vulns, exploited := "", ""
		if h.cvesKnown {
			vulns, exploited = strconv.Itoa(h.vulnerabilities), strconv.Itoa(h.exploited)
		}
		attrs := []attr{
			req("name", h.name), opt("address", h.address), opt("domain", h.domain),
			opt("computerName", h.computerName), req("status", h.status),
			req("missing", strconv.Itoa(h.counts.Missing)), req("warning", strconv.Itoa(h.counts.Warning)),
			req("note", strconv.Itoa(h.counts.Note)), req("error", strconv.Itoa(h.counts.Error)),
			opt("vulnerabilities", vulns), opt("exploited", exploited),
			opt("compliant", boolAttr(h.status == "scanned", h.compliant)),
			opt("finished", fmtTime(h.finished)), opt("catalogVersion", h.catalogVersion),
			opt("catalogDate", h.catalogDate), opt("message", h.err),
		}
		x.open(2, "Host", true, append(attrs, configAttrs(h)...)...)
	}
	if len(r.hosts) > 0 {
		x.close(1, "Hosts")
	}
}

// writeBulletins writes the Bulletins element: every missing patch or
// service pack, most severe first, with the hosts missing it.
func (r *Rollup) writeBulletins(x *xmlWriter) {
	keys := r.missingOrder()
	x.open(1, "Bulletins", len(keys) == 0)
	for _, k := range keys {
		b := r.bulletins[k]
		kind := ""
		if k.Kind == detect.KindServicePack {
			kind = string(k.Kind)
		}
		x.open(2, "Bulletin", false,
			opt("kind", kind), opt("id", k.Bulletin), req("kb", k.KB), opt("severity", k.Severity),
			opt("product", k.Product), req("missing", strconv.Itoa(len(b.hosts))))
		refs := append([]int32(nil), b.hosts...)
		sort.SliceStable(refs, func(i, j int) bool { return r.hostLess(int(refs[i]), int(refs[j])) })
		for _, i := range refs {
			h := r.hosts[i]
			x.open(3, "Host", true, req("name", h.name), opt("address", h.address))
		}
		x.close(2, "Bulletin")
	}
	if len(keys) > 0 {
		x.close(1, "Bulletins")
	}
}

// missingOrder sorts the missing patches by severity, bulletin, KB,
// product and kind.
func (r *Rollup) missingOrder() []MissingRef {
	keys := make([]MissingRef, 0, len(r.bulletins))
	for k := range r.bulletins {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b MissingRef) int {
		return cmp.Or(cmp.Compare(severityRank(a.Severity), severityRank(b.Severity)),
			cmp.Compare(a.Bulletin, b.Bulletin), cmp.Compare(a.KB, b.KB),
			cmp.Compare(a.Product, b.Product), cmp.Compare(a.Kind, b.Kind))
	})
	return keys
}

func boolAttr(known, v bool) string {
	if !known {
		return ""
	}
	return strconv.FormatBool(v)
}
