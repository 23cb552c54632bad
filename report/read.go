package report

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/patchscan/patchscan/detect"
	"github.com/patchscan/patchscan/internal/textsafe"
	"github.com/patchscan/patchscan/report/deadline"
	"github.com/patchscan/patchscan/scan/transport"
)

// MaxReportSize bounds a report file `rollup` reads. A per-host report is
// a few hundred kilobytes at most (every string is cut at MaxValueLen); a
// saved `--format xml` stream of a large run can be bigger, hence the room.
const MaxReportSize = 64 << 20

// maxReportSize is MaxReportSize, lowered by tests.
var maxReportSize int64 = MaxReportSize

// ErrNotHostReport is returned for a well-formed XML document that is not
// a ScanReport, such as a rollup.xml found next to the host files.
var ErrNotHostReport = errors.New("not a patchscan ScanReport")

// ReadHostFile reads a per-host (or streamed) ScanReport file. Errors name
// the file.
func ReadHostFile(path string) ([]HostSummary, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > maxReportSize {
		return nil, fmt.Errorf("%s: %d bytes is more than the %d bytes a report may have; not a patchscan report?", path, st.Size(), maxReportSize)
	}
	return ReadHostXML(f, path)
}

// ReadHostXML reads the host summaries of a ScanReport document from r.
// source names the input in errors. The input is untrusted: it is read at
// most MaxReportSize bytes, the XML must be well-formed UTF-8, and every
// value the rollup uses is checked. Elements and attributes this version
// does not know are ignored (additions within a namespace version are
// compatible, see docs/report-format.md).
func ReadHostXML(r io.Reader, source string) ([]HostSummary, error) {
	lr := &io.LimitedReader{R: r, N: maxReportSize + 1}
	d := xml.NewDecoder(lr)
	d.Strict = true
	rd := &reader{d: d, source: source}
	hosts, err := rd.read()
	if lr.N <= 0 {
		return nil, fmt.Errorf("%s: more than %d bytes; not a patchscan report?", source, maxReportSize)
	}
	return hosts, err
}

type reader struct {
	d      *xml.Decoder
	source string
	ns     string // the document's ScanReport namespace (version 1 or 2)
}

func (rd *reader) errorf(format string, a ...any) error {
	line, col := rd.d.InputPos()
	return fmt.Errorf("%s:%d:%d: %s", rd.source, line, col, fmt.Sprintf(format, a...))
}

func (rd *reader) token() (xml.Token, error) {
	t, err := rd.d.Token()
	if err == io.EOF {
		return nil, rd.errorf("unexpected end of file (a truncated report?)")
	}
	if err != nil {
		var se *xml.SyntaxError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("%s:%d: malformed XML: %s", rd.source, se.Line, se.Msg)
		}
		return nil, fmt.Errorf("%s: %w", rd.source, err)
	}
	return t, nil
}

func attrs(se xml.StartElement) map[string]string {
	m := make(map[string]string, len(se.Attr))
	for _, a := range se.Attr {
		if a.Name.Space == "" {
			m[a.Name.Local] = a.Value
		}
	}
	return m
}

func (rd *reader) read() ([]HostSummary, error) {
	root, err := rd.root()
	if err != nil {
		return nil, err
	}
	ra := attrs(root)
	generated, err := rd.time(ra, "generated", true)
	if err != nil {
		return nil, err
	}
	catalogVersion, catalogDate := clean(ra["catalogVersion"]), clean(ra["catalogDate"])
	insecure := cleanTokens(strings.Fields(ra["insecure"]))

	var hosts []HostSummary
	for {
		t, err := rd.token()
		if err != nil {
			return nil, err
		}
		switch t := t.(type) {
		case xml.EndElement:
			// The root closed: the rest may only be comments and space.
			if err := rd.trailer(); err != nil {
				return nil, err
			}
			return hosts, nil
		case xml.StartElement:
			if t.Name.Space == rd.ns && t.Name.Local == "Host" {
				h, err := rd.host(t)
				if err != nil {
					return nil, err
				}
				h.Generated, h.CatalogVersion, h.CatalogDate, h.Insecure = generated, catalogVersion, catalogDate, insecure
				hosts = append(hosts, h)
				continue
			}
			if err := rd.d.Skip(); err != nil {
				return nil, rd.wrap(err)
			}
		}
	}
}

// root finds the root element and checks that it is a ScanReport of the
// namespace this version reads.
func (rd *reader) root() (xml.StartElement, error) {
	var root xml.StartElement
	for {
		t, err := rd.d.Token()
		if err == io.EOF {
			return root, fmt.Errorf("%s: no XML element found (an empty or non-XML file)", rd.source)
		}
		if err != nil {
			return root, rd.wrap(err)
		}
		if se, ok := t.(xml.StartElement); ok {
			root = se
			break
		}
	}
	switch {
	case (root.Name.Space == NamespaceReport || root.Name.Space == NamespaceReportV1) && root.Name.Local == "ScanReport":
		rd.ns = root.Name.Space
		return root, nil
	case root.Name.Space == NamespaceRollup:
		return root, ErrNotHostReport
	case root.Name.Local == "ScanReport":
		return root, rd.errorf("ScanReport in namespace %q; this patchscan reads %q and %q (a report from a newer or foreign tool?)",
			textsafe.Line(root.Name.Space, 128), NamespaceReport, NamespaceReportV1)
	}
	return root, fmt.Errorf("%s: %w (root element {%s}%s)", rd.source, ErrNotHostReport, root.Name.Space, root.Name.Local)
}

func (rd *reader) wrap(err error) error {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("%s:%d: malformed XML: %s", rd.source, se.Line, se.Msg)
	}
	if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
		return rd.errorf("unexpected end of file (a truncated report?)")
	}
	return fmt.Errorf("%s: %w", rd.source, err)
}

func (rd *reader) trailer() error {
	for {
		t, err := rd.d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return rd.wrap(err)
		}
		switch t := t.(type) {
		case xml.StartElement:
			return rd.errorf("element <%s> after the end of the document", t.Name.Local)
		case xml.CharData:
			for _, c := range t {
				if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
					return rd.errorf("text after the end of the document")
				}
			}
		}
	}
}

func (rd *reader) time(a map[string]string, name string, required bool) (time.Time, error) {
	v, ok := a[name]
	if !ok || v == "" {
		if required {
			return time.Time{}, rd.errorf("attribute %s is missing", name)
		}
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, rd.errorf("attribute %s=%q is not an RFC 3339 time", name, textsafe.Line(v, 64))
	}
	return t.UTC(), nil
}

func (rd *reader) host(se xml.StartElement) (HostSummary, error) {
	h, err := rd.hostAttrs(attrs(se))
	if err != nil {
		return h, err
	}
	// Version 2 says which CVEs are open on a scanned host (maybe none).
	h.CVEsKnown = rd.ns == NamespaceReport && h.Status == transport.Scanned
	products := map[int]string{}
	var pending []pendingSP
	for {
		t, err := rd.token()
		if err != nil {
			return h, err
		}
		switch t := t.(type) {
		case xml.EndElement:
			for _, p := range pending {
				h.Missing[p.missing].Product = products[p.product]
			}
			return h, nil
		case xml.StartElement:
			if t.Name.Space == rd.ns && t.Name.Local == "Products" {
				if err := rd.products(products); err != nil {
					return h, err
				}
				continue
			}
			if t.Name.Space == rd.ns && t.Name.Local == "OS" && h.Status == transport.Scanned {
				h.ComputerName = clean(attrs(t)["computerName"])
			}
			if t.Name.Space == rd.ns && t.Name.Local == "Vulnerability" && h.CVEsKnown {
				if err := rd.vulnerability(&h, attrs(t)); err != nil {
					return h, err
				}
			}
			if t.Name.Space == rd.ns && t.Name.Local == "ConfigCheck" {
				if err := rd.configCheck(&h, attrs(t)); err != nil {
					return h, err
				}
			}
			if t.Name.Space == rd.ns && t.Name.Local == "Result" {
				if err := rd.result(&h, attrs(t), &pending); err != nil {
					return h, err
				}
			}
			if err := rd.d.Skip(); err != nil {
				return h, rd.wrap(err)
			}
		}
	}
}

// pendingSP is a missing service pack whose product name is filled in when
// the Host element ends (Products may come after the Results).
type pendingSP struct {
	missing int // index in HostSummary.Missing
	product int // ProductID
}

// hostAttrs reads and checks a Host element's attributes.
func (rd *reader) hostAttrs(a map[string]string) (HostSummary, error) {
	h := HostSummary{
		Name: clean(a["name"]), Address: clean(a["address"]), Target: clean(a["target"]),
		Domain: clean(a["domain"]), Transport: clean(a["transport"]),
		Status: transport.Outcome(a["status"]), Error: clean(a["error"]),
	}
	if _, ok := a["name"]; !ok {
		return h, rd.errorf("Host without a name attribute")
	}
	if !validHostStatus(h.Status) {
		return h, rd.errorf("Host %q has status %q; expected scanned, unreachable, auth-failed, access-denied or error", textsafe.Line(h.Name, 64), textsafe.Line(string(h.Status), 64))
	}
	var err error
	if h.Started, err = rd.time(a, "started", false); err != nil {
		return h, err
	}
	h.Finished, err = rd.time(a, "finished", false)
	return h, err
}

// result counts one Result element and keeps it when it is missing.
func (rd *reader) result(h *HostSummary, ra map[string]string, pending *[]pendingSP) error {
	st := detect.Status(ra["status"])
	if !validStatus(st) {
		return rd.errorf("Result %q has status %q; expected %s", textsafe.Line(ra["kb"], 64), textsafe.Line(string(st), 64), statusList())
	}
	h.Counts.add(st)
	if st != detect.StatusMissing {
		return nil
	}
	m := MissingRef{Kind: detect.KindPatch, Bulletin: clean(ra["bulletin"]), KB: clean(ra["kb"]), Severity: clean(ra["severity"])}
	due, err := rd.due(ra)
	if err != nil {
		return err
	}
	if ra["kind"] == string(detect.KindServicePack) {
		m.Kind = detect.KindServicePack
		if id, err := strconv.Atoi(ra["product"]); err == nil {
			*pending = append(*pending, pendingSP{missing: len(h.Missing), product: id})
		}
	}
	h.Missing = append(h.Missing, m)
	h.Due = append(h.Due, due)
	if due.Overdue {
		h.Overdue++
	}
	return nil
}

// due reads a missing Result's due and overdue attributes (both optional:
// a version 1 report has neither).
func (rd *reader) due(ra map[string]string) (MissingDue, error) {
	var d MissingDue
	if v, ok := ra["due"]; ok {
		t, valid := deadline.ParseDate(v)
		if !valid || len(v) != len(time.DateOnly) {
			return d, rd.errorf("Result %q has due=%q; expected a date (YYYY-MM-DD)", textsafe.Line(ra["kb"], 64), textsafe.Line(v, 64))
		}
		d.Due = deadline.FormatDate(t)
	}
	if v, ok := ra["overdue"]; ok {
		b, err := strconv.ParseBool(v)
		if err != nil || (v != "true" && v != "false") {
			return d, rd.errorf("Result %q has overdue=%q; expected true or false", textsafe.Line(ra["kb"], 64), textsafe.Line(v, 64))
		}
		d.Overdue = b
	}
	return d, nil
}

// vulnerability counts one open CVE and whether it was exploited.
func (rd *reader) vulnerability(h *HostSummary, a map[string]string) error {
	exploited, err := strconv.ParseBool(a["exploited"])
	if err != nil || a["cve"] == "" {
		return rd.errorf("Vulnerability %q needs a cve and exploited=\"true\" or \"false\"", textsafe.Line(a["cve"], 64))
	}
	h.Vulnerabilities++
	if exploited {
		h.Exploited++
	}
	return nil
}

func (rd *reader) products(products map[int]string) error {
	for {
		t, err := rd.token()
		if err != nil {
			return err
		}
		switch t := t.(type) {
		case xml.EndElement:
			return nil
		case xml.StartElement:
			if t.Name.Space == rd.ns && t.Name.Local == "Product" {
				a := attrs(t)
				id, err := strconv.Atoi(a["id"])
				if err != nil {
					return rd.errorf("Product id %q is not a number", textsafe.Line(a["id"], 64))
				}
				products[id] = clean(a["name"])
			}
			if err := rd.d.Skip(); err != nil {
				return rd.wrap(err)
			}
		}
	}
}
