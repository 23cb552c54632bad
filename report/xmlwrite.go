package report

import (
	"bytes"
	"io"
	"strconv"
	"strings"

	"github.com/patchscan/patchscan/detect"
	"github.com/patchscan/patchscan/scan"
)

// The XML is written by hand rather than with encoding/xml or etree: the
// stream has to be emitted piecewise (root start tag, one Host per host,
// closing tag on Close), and escaping is done by one function that also
// replaces characters XML cannot carry, so no host string can break the
// document.

const xmlHeader = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"

// xmlWriter builds XML into a buffer. Attribute values are cleaned and escaped;
// empty optional attributes are omitted.
type xmlWriter struct{ b bytes.Buffer }

type attr struct {
	name, value string
	required    bool
}

func req(name, value string) attr { return attr{name, value, true} }
func opt(name, value string) attr { return attr{name, value, false} }

func (x *xmlWriter) indent(depth int) {
	for range depth {
		x.b.WriteString("  ")
	}
}

// open writes <name attrs...> (or <name attrs.../> when empty is true).
func (x *xmlWriter) open(depth int, name string, empty bool, attrs ...attr) {
	x.indent(depth)
	x.b.WriteByte('<')
	x.b.WriteString(name)
	for _, a := range attrs {
		if a.value == "" && !a.required {
			continue
		}
		x.b.WriteByte(' ')
		x.b.WriteString(a.name)
		x.b.WriteString(`="`)
		escapeAttr(&x.b, a.value)
		x.b.WriteByte('"')
	}
	if empty {
		x.b.WriteString("/>\n")
	} else {
		x.b.WriteString(">\n")
	}
}

func (x *xmlWriter) close(depth int, name string) {
	x.indent(depth)
	x.b.WriteString("</")
	x.b.WriteString(name)
	x.b.WriteString(">\n")
}

// text writes <name>text</name> on one line.
func (x *xmlWriter) text(depth int, name, text string) {
	x.indent(depth)
	x.b.WriteByte('<')
	x.b.WriteString(name)
	x.b.WriteByte('>')
	escapeText(&x.b, text)
	x.b.WriteString("</")
	x.b.WriteString(name)
	x.b.WriteString(">\n")
}

// escapeAttr writes clean(s) escaped for a double-quoted attribute. Tab,
// newline and carriage return become character references: a parser would
// otherwise normalize them to spaces.
func escapeAttr(b *bytes.Buffer, s string) { escape(b, s, true) }

// escapeText writes clean(s) escaped for element content. ">" is escaped
// too, so "]]>" cannot appear; "\r" is a reference so it survives
// end-of-line normalization.
func escapeText(b *bytes.Buffer, s string) { escape(b, s, false) }

func escape(b *bytes.Buffer, s string, attr bool) {
	for _, r := range clean(s) {
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '\r':
			b.WriteString("&#xD;")
		case attr && r == '"':
			b.WriteString("&quot;")
		case attr && r == '\t':
			b.WriteString("&#x9;")
		case attr && r == '\n':
			b.WriteString("&#xA;")
		default:
			b.WriteRune(r)
		}
	}
}

func rootAttrs(meta Meta) []attr {
	return []attr{
		req("tool", "patchscan"),
		opt("toolVersion", meta.ToolVersion),
		opt("catalogVersion", meta.CatalogVersion),
		opt("catalogDate", meta.CatalogDate),
		opt("baseline", meta.Baseline),
		req("generated", fmtTime(meta.Generated)),
		opt("insecure", strings.Join(cleanTokens(meta.Insecure), " ")),
	}
}

func (x *xmlWriter) openReport(meta Meta) {
	x.b.WriteString(xmlHeader)
	x.open(0, "ScanReport", false, append([]attr{req("xmlns", NamespaceReport)}, rootAttrs(meta)...)...)
}

// host writes one Host element at depth 1.
func (x *xmlWriter) host(meta Meta, h scan.HostResult) {
	attrs := []attr{
		req("name", h.Name),
		opt("address", h.Address),
		opt("target", h.Target),
		opt("domain", h.Domain),
		opt("transport", h.Transport),
		req("status", string(h.Status)),
		opt("error", errorText(h)),
		opt("started", fmtTime(h.Started)),
		opt("finished", fmtTime(h.Finished)),
	}
	if h.Report == nil && len(h.Warnings) == 0 {
		x.open(1, "Host", true, attrs...)
		return
	}
	x.open(1, "Host", false, attrs...)
	if h.Report != nil {
		x.hostReport(meta, h)
	}
	// Last in Host: added within version 2, after everything older readers
	// know.
	for _, w := range h.Warnings {
		x.text(2, "Warning", w)
	}
	x.close(1, "Host")
}

// hostReport writes what a scanned host's report holds: OS, products,
// open CVEs, results and configuration checks.
func (x *xmlWriter) hostReport(meta Meta, h scan.HostResult) {
	r := h.Report
	o := r.OS
	// The service pack level is always known for a scanned host (absent
	// CSDVersion means 0), so it is always written.
	sp := strconv.Itoa(o.ServicePack)
	x.open(2, "OS", true,
		opt("product", o.Product), opt("name", o.Name), opt("version", o.Version), opt("build", o.Build),
		opt("ubr", o.UBR), opt("displayVersion", o.DisplayVersion), opt("servicePack", sp), opt("csdVersion", o.CSDVersion),
		opt("edition", o.EditionID), opt("installationType", o.InstallationType), opt("productType", o.ProductType),
		opt("architecture", o.Architecture), opt("language", o.Language), opt("systemRoot", o.SystemRoot),
		opt("computerName", o.ComputerName))
	if len(r.Products) > 0 {
		x.open(2, "Products", false)
		for _, p := range r.Products {
			x.open(3, "Product", true, req("id", strconv.Itoa(p.ID)), req("name", p.Name))
		}
		x.close(2, "Products")
	}
	for _, v := range r.Vulnerabilities {
		x.open(2, "Vulnerability", true,
			req("cve", v.CVE), opt("severity", v.Severity), req("exploited", strconv.FormatBool(v.Exploited)),
			opt("fixedBy", strings.Join(v.FixedBy, " ")))
	}
	for _, res := range r.Results {
		x.result(res, meta, h)
	}
	x.configChecks(h.Config) // config.go
}

func (x *xmlWriter) result(r detect.Result, meta Meta, h scan.HostResult) {
	product := ""
	if r.ProductID != 0 {
		product = strconv.Itoa(r.ProductID)
	}
	kind := ""
	if resultKind(r.Kind) == detect.KindServicePack {
		kind = string(detect.KindServicePack)
	}
	attrs := []attr{
		opt("kind", kind),
		opt("bulletin", r.BulletinID),
		req("kb", r.KB),
		opt("patch", r.PatchName),
		opt("title", r.Title),
		opt("severity", r.Severity),
		opt("product", product),
		req("status", string(r.Status)),
		opt("supersededBy", r.SupersededBy),
		opt("via", r.Via),
		opt("subType", r.SubType),
		opt("cves", strings.Join(r.CVEs, " ")),
	}
	if due, overdue := dueAttrs(meta, h, r); overdue != nil {
		attrs = append(attrs, opt("due", due), req("overdue", strconv.FormatBool(*overdue)))
	}
	if len(r.Reasons) == 0 && len(r.Checks) == 0 {
		x.open(2, "Result", true, attrs...)
		return
	}
	x.open(2, "Result", false, attrs...)
	for _, reason := range r.Reasons {
		x.text(3, "Reason", reason)
	}
	for _, c := range r.Checks {
		x.open(3, "Check", true,
			req("kind", string(c.Kind)), req("path", c.Path),
			opt("expected", c.Expected), opt("found", c.Found),
			req("result", string(c.Result)))
	}
	x.close(2, "Result")
}

// WriteHostXML writes a complete ScanReport document holding one host: the
// content of a per-host file.
func WriteHostXML(w io.Writer, meta Meta, h scan.HostResult) error {
	meta = meta.withDefaults()
	var x xmlWriter
	x.openReport(meta)
	x.host(meta, h)
	x.b.WriteString("</ScanReport>\n")
	_, err := w.Write(x.b.Bytes())
	return err
}

// xmlStream writes one ScanReport document with a Host element per Write.
type xmlStream struct {
	stream
	meta    Meta
	started bool
}

// NewXMLStream returns a Sink writing one streaming ScanReport document to
// w. Each Host is flushed as it is written, so a reader at the other end of
// a pipe sees hosts as they finish; Close writes the closing tag, so the
// document is well-formed even when the run was interrupted.
func NewXMLStream(w io.Writer, meta Meta) Sink {
	return &xmlStream{stream: newStream(w, "XML report"), meta: meta.withDefaults()}
}

// start opens the document before the first host (or at Close, for a run
// that scanned none).
func (s *xmlStream) start(x *xmlWriter) {
	if !s.started {
		x.openReport(s.meta)
		s.started = true
	}
}

func (s *xmlStream) Write(h scan.HostResult) error {
	return s.write(func() ([]byte, error) {
		var x xmlWriter
		s.start(&x)
		x.host(s.meta, h)
		return x.b.Bytes(), nil
	})
}

func (s *xmlStream) Close() error {
	return s.close(func() []byte {
		var x xmlWriter
		s.start(&x)
		x.b.WriteString("</ScanReport>\n")
		return x.b.Bytes()
	})
}
