package report

import (
	"bytes"
	"encoding/json"
	"io"

	"github.com/patchscan/patchscan/scan"
	"github.com/patchscan/patchscan/scan/transport"
)

// JSON Lines objects carry the same fields as the XML, named as the XML
// attributes are (docs/report-format.md, "JSON Lines"). Strings are cleaned
// exactly as in XML so both formats say the same thing.

type jsonHost struct {
	Schema         string `json:"schema"`
	Tool           string `json:"tool"`
	ToolVersion    string `json:"toolVersion,omitempty"`
	CatalogVersion string `json:"catalogVersion,omitempty"`
	CatalogDate    string `json:"catalogDate,omitempty"`
	Generated      string `json:"generated"`
	// Insecure: the safeguards the run turned off (Meta.Insecure).
	Insecure  []string      `json:"insecure,omitempty"`
	Name      string        `json:"name"`
	Address   string        `json:"address,omitempty"`
	Target    string        `json:"target,omitempty"`
	Domain    string        `json:"domain,omitempty"`
	Transport string        `json:"transport,omitempty"`
	Status    string        `json:"status"`
	Error     string        `json:"error,omitempty"`
	Started   string        `json:"started,omitempty"`
	Finished  string        `json:"finished,omitempty"`
	OS        *jsonOS       `json:"os,omitempty"`
	Products  []jsonProduct `json:"products"`
	// Vulnerabilities is absent for hosts that were not scanned (nothing
	// is known), an array (maybe empty) for scanned ones.
	Vulnerabilities *[]jsonVulnerability `json:"vulnerabilities,omitempty"`
	Results         []jsonResult         `json:"results"`
	// Config holds the configuration checks (issue 16), absent when the
	// run evaluated none (config.go).
	Baseline string            `json:"baseline,omitempty"`
	Config   []jsonConfigCheck `json:"config,omitempty"`
	// Warnings: what the operator should know about the host's data (an
	// image's dirty hive); absent when there are none.
	Warnings []string `json:"warnings,omitempty"`
}

type jsonVulnerability struct {
	CVE       string   `json:"cve"`
	Severity  string   `json:"severity,omitempty"`
	Exploited bool     `json:"exploited"`
	FixedBy   []string `json:"fixedBy"`
}

type jsonOS struct {
	Product          string `json:"product,omitempty"`
	Name             string `json:"name,omitempty"`
	Version          string `json:"version,omitempty"`
	Build            string `json:"build,omitempty"`
	UBR              string `json:"ubr,omitempty"`
	DisplayVersion   string `json:"displayVersion,omitempty"`
	ServicePack      int    `json:"servicePack"`
	CSDVersion       string `json:"csdVersion,omitempty"`
	Edition          string `json:"edition,omitempty"`
	InstallationType string `json:"installationType,omitempty"`
	ProductType      string `json:"productType,omitempty"`
	Architecture     string `json:"architecture,omitempty"`
	Language         string `json:"language,omitempty"`
	SystemRoot       string `json:"systemRoot,omitempty"`
	ComputerName     string `json:"computerName,omitempty"`
}

type jsonProduct struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

type jsonResult struct {
	Kind         string      `json:"kind"`
	Bulletin     string      `json:"bulletin,omitempty"`
	KB           string      `json:"kb"`
	Patch        string      `json:"patch,omitempty"`
	Title        string      `json:"title,omitempty"`
	Severity     string      `json:"severity,omitempty"`
	Product      int         `json:"product,omitempty"`
	Status       string      `json:"status"`
	SupersededBy string      `json:"supersededBy,omitempty"`
	Via          string      `json:"via,omitempty"`
	SubType      string      `json:"subType,omitempty"`
	Due          string      `json:"due,omitempty"`
	Overdue      *bool       `json:"overdue,omitempty"`
	CVEs         []string    `json:"cves"`
	Reasons      []string    `json:"reasons"`
	Checks       []jsonCheck `json:"checks"`
}

type jsonCheck struct {
	Kind     string `json:"kind"`
	Path     string `json:"path"`
	Expected string `json:"expected,omitempty"`
	Found    string `json:"found,omitempty"`
	Result   string `json:"result"`
}

func toJSON(meta Meta, h scan.HostResult) jsonHost {
	j := jsonHost{
		Schema: NamespaceReport, Tool: "patchscan",
		ToolVersion: clean(meta.ToolVersion), CatalogVersion: clean(meta.CatalogVersion),
		CatalogDate: clean(meta.CatalogDate), Generated: fmtTime(meta.Generated), Insecure: cleanTokens(meta.Insecure),
		Name: clean(h.Name), Address: clean(h.Address), Target: clean(h.Target),
		Domain: clean(h.Domain), Transport: clean(h.Transport),
		Status: clean(string(h.Status)), Error: errorText(h),
		Started: fmtTime(h.Started), Finished: fmtTime(h.Finished),
		Products: []jsonProduct{}, Results: []jsonResult{},
	}
	for _, w := range h.Warnings {
		j.Warnings = append(j.Warnings, clean(w))
	}
	r := h.Report
	if r == nil {
		return j
	}
	o := r.OS
	j.OS = &jsonOS{
		Product: clean(o.Product), Name: clean(o.Name), Version: clean(o.Version), Build: clean(o.Build), UBR: clean(o.UBR),
		DisplayVersion: clean(o.DisplayVersion), ServicePack: o.ServicePack, CSDVersion: clean(o.CSDVersion), Edition: clean(o.EditionID),
		InstallationType: clean(o.InstallationType), ProductType: clean(o.ProductType), Architecture: clean(o.Architecture),
		Language: clean(o.Language), SystemRoot: clean(o.SystemRoot), ComputerName: clean(o.ComputerName),
	}
	for _, p := range r.Products {
		j.Products = append(j.Products, jsonProduct{ID: p.ID, Name: clean(p.Name)})
	}
	if h.Status == transport.Scanned {
		vs := make([]jsonVulnerability, 0, len(r.Vulnerabilities))
		for _, v := range r.Vulnerabilities {
			jv := jsonVulnerability{CVE: clean(v.CVE), Severity: clean(v.Severity), Exploited: v.Exploited, FixedBy: []string{}}
			for _, kb := range v.FixedBy {
				jv.FixedBy = append(jv.FixedBy, clean(kb))
			}
			vs = append(vs, jv)
		}
		j.Vulnerabilities = &vs
	}
	for _, res := range r.Results {
		jr := jsonResult{
			Kind: string(resultKind(res.Kind)), Bulletin: clean(res.BulletinID), KB: clean(res.KB),
			Patch: clean(res.PatchName), Title: clean(res.Title), Severity: clean(res.Severity),
			Product: res.ProductID, Status: clean(string(res.Status)), SupersededBy: clean(res.SupersededBy),
			Via: clean(res.Via), SubType: clean(res.SubType),
			CVEs: []string{}, Reasons: []string{}, Checks: []jsonCheck{},
		}
		jr.Due, jr.Overdue = dueAttrs(meta, h, res)
		for _, c := range res.CVEs {
			jr.CVEs = append(jr.CVEs, clean(c))
		}
		for _, reason := range res.Reasons {
			jr.Reasons = append(jr.Reasons, clean(reason))
		}
		for _, c := range res.Checks {
			jr.Checks = append(jr.Checks, jsonCheck{
				Kind: clean(string(c.Kind)), Path: clean(c.Path), Expected: clean(c.Expected),
				Found: clean(c.Found), Result: clean(string(c.Result)),
			})
		}
		j.Results = append(j.Results, jr)
	}
	j.Config = configJSON(h.Config)
	if h.Config != nil {
		j.Baseline = clean(meta.Baseline)
	}
	return j
}

type jsonLines struct {
	stream
	meta Meta
}

// NewJSONLines returns a Sink writing one JSON object per host, one per
// line, flushed as each host finishes. There is nothing to close: every
// line is complete on its own, so an interrupted run leaves valid JSON
// Lines.
func NewJSONLines(w io.Writer, meta Meta) Sink {
	return &jsonLines{stream: newStream(w, "JSON report"), meta: meta.withDefaults()}
}

func (s *jsonLines) Write(h scan.HostResult) error {
	return s.write(func() ([]byte, error) {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		// Readable paths and titles: HTML escaping is for embedding in HTML.
		enc.SetEscapeHTML(false)
		err := enc.Encode(toJSON(s.meta, h))
		return b.Bytes(), err
	})
}

func (s *jsonLines) Close() error { return s.close(nil) }
