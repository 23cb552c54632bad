package report

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/patchscan/patchscan/detect"
	"github.com/patchscan/patchscan/scan"
	"github.com/patchscan/patchscan/scan/transport"
)

// The text format follows HFNetChk: a header per host, then one line per
// result, "<label>  <bulletin>  <KB>", with its reasons indented under it
// (labels and wording: docs/mbsa-semantics.md). Lines are plain and
// column-aligned so grep/awk can use them. -v is logging on stderr only:
// the report is the same with or without it.

const rule = "----------------------------------------"

// textLabel is the HFNetChk wording of a result status.
func textLabel(r detect.Result) string {
	switch r.Status {
	case detect.StatusMissing:
		if resultKind(r.Kind) == detect.KindServicePack {
			return "SP NOT Installed"
		}
		return "Patch NOT Installed"
	case detect.StatusWarning:
		return "Warning"
	case detect.StatusNote:
		return "Note"
	case detect.StatusError:
		return "Error"
	case detect.StatusSuperseded:
		return "Superseded"
	case detect.StatusInstalled:
		return "Installed"
	case detect.StatusNotApplicable:
		return "Not Applicable"
	}
	return term(string(r.Status))
}

// hostLabel names a host for the terminal: DOMAIN\NAME (address).
func hostLabel(name, address, domain, target string) string {
	n := term(name)
	if n != "" && domain != "" {
		n = term(domain) + `\` + n
	}
	a := term(address)
	switch {
	case n != "" && a != "":
		return n + " (" + a + ")"
	case n != "":
		return n
	case a != "":
		return a
	}
	return term(target)
}

// osLine describes a host's OS in one line: its name (Windows 11 named
// so, not by the "Windows 10" its ProductName keeps), release, Server
// Core, build and architecture. Hosts that don't say their ProductName
// (old or stripped-down Windows, Samba) are named by the first catalog
// product detected on them, so the operator still sees what it is.
func osLine(rep *detect.Report) string {
	o := rep.OS
	var parts []string
	name := term(o.Name)
	if name == "" {
		name = term(o.Product)
	}
	if name == "" && len(rep.Products) > 0 {
		name = term(rep.Products[0].Name)
	}
	if dv := term(o.DisplayVersion); name != "" && dv != "" && !strings.Contains(name, dv) {
		name += " " + dv
	}
	if strings.EqualFold(o.InstallationType, "Server Core") && name != "" && !strings.Contains(strings.ToLower(name), "core") {
		name += " (Server Core)"
	}
	if name != "" {
		parts = append(parts, name)
	}
	if b := buildText(o); b != "" {
		parts = append(parts, b)
	}
	if o.ServicePack > 0 {
		parts = append(parts, fmt.Sprintf("Service Pack %d", o.ServicePack))
	}
	if a := term(o.Architecture); a != "" {
		parts = append(parts, a)
	}
	return strings.Join(parts, ", ")
}

// buildText is "version 6.1 build 7601" for Windows before 10, whose
// CurrentVersion still means something, and "build 26100.7840" (build and
// UBR) for Windows 10 and later, whose CurrentVersion is frozen at 6.3.
func buildText(o detect.OS) string {
	b := term(o.Build)
	if u := term(o.UBR); b != "" && u != "" {
		b += "." + u
	}
	if n, err := strconv.Atoi(o.Build); err == nil && n >= 10240 {
		return "build " + b
	}
	v := term(o.Version)
	switch {
	case v == "":
		return ""
	case b == "":
		return "version " + v
	}
	return "version " + v + " build " + b
}

// cveLine counts a scanned host's open CVEs and those exploited in the
// wild: the figure a reader of a modern catalog looks at first.
func cveLine(rep *detect.Report) string {
	open, exploited := countCVEs(rep.Vulnerabilities)
	return fmt.Sprintf("Open CVEs: %d (exploited: %d)", open, exploited)
}

// writeVulnerabilities lists the open CVEs, one a line.
func writeVulnerabilities(b *strings.Builder, vs []detect.Vulnerability) {
	for _, v := range vs {
		line := term(v.CVE)
		if sev := term(v.Severity); sev != "" {
			line += " " + sev
		}
		if v.Exploited {
			line += ", exploited in the wild"
		}
		if len(v.FixedBy) > 0 {
			line += "; fixed by " + term(strings.Join(v.FixedBy, " "))
		}
		fmt.Fprintf(b, "\t%s\n", line)
	}
}

type textSink struct {
	stream
	show       Show
	configOnly bool // ConfigOnly: no patch lines
	order      inOrder
}

// NewText returns a Sink writing HFNetChk-style lines, one block per host,
// with each result's reasons, in input order (HostResult.Seq): a host's
// block is flushed as soon as every host before it in the input has been
// written, and Close flushes the blocks of hosts after a gap (hosts an
// interrupted run never started). show selects the result statuses
// listed.
func NewText(w io.Writer, show Show) Sink {
	return &textSink{stream: newStream(w, "text report"), show: show}
}

func (s *textSink) Write(h scan.HostResult) error {
	return s.write(func() ([]byte, error) {
		var b strings.Builder
		if s.configOnly {
			writeConfigHost(&b, h, s.show)
		} else {
			writeTextHost(&b, h, s.show)
		}
		return s.order.add(h.Seq, []byte(b.String())), nil
	})
}

func (s *textSink) Close() error { return s.close(s.order.rest) }

// inOrder holds rendered host blocks until every host before them in the
// input has been written. Memory: the blocks of the hosts that finished
// before a slower one ahead of them in the input (a few KiB each).
type inOrder struct {
	next    int
	pending map[int][]byte
}

// add returns what can be written now, in input order: p and the blocks
// it was holding back, or nothing when a host before it is still out. A
// seq already passed (hosts not numbered) is written at once.
func (o *inOrder) add(seq int, p []byte) []byte {
	if seq < o.next {
		return p
	}
	if o.pending == nil {
		o.pending = map[int][]byte{}
	}
	o.pending[seq] = append(o.pending[seq], p...)
	var out []byte
	for {
		q, ok := o.pending[o.next]
		if !ok {
			return out
		}
		out = append(out, q...)
		delete(o.pending, o.next)
		o.next++
	}
}

// rest returns every block still held, in input order.
func (o *inOrder) rest() []byte {
	seqs := slices.Sorted(maps.Keys(o.pending))
	var out []byte
	for _, q := range seqs {
		out = append(out, o.pending[q]...)
	}
	o.pending = nil
	return out
}

// writeHostWarnings lists what the operator should know about a host's
// data (an image's dirty hive) right under its header, before anything
// read from that data.
func writeHostWarnings(b *strings.Builder, h scan.HostResult) {
	for _, w := range h.Warnings {
		fmt.Fprintf(b, "* Warning: %s\n", term(w))
	}
}

func writeTextHost(b *strings.Builder, h scan.HostResult, show Show) {
	fmt.Fprintf(b, "%s\n%s\n%s\n", rule, hostLabel(h.Name, h.Address, h.Domain, h.Target), rule)
	writeHostWarnings(b, h)
	if h.Status != transport.Scanned {
		fmt.Fprintf(b, "%-21s%s: %s\n\n", "Host NOT Scanned", term(string(h.Status)), term(errorText(h)))
		return
	}
	rep := h.Report
	if rep == nil {
		rep = &detect.Report{}
	}
	if o := osLine(rep); o != "" {
		fmt.Fprintf(b, "* %s\n", o)
	}
	fmt.Fprintf(b, "* %s\n", cveLine(rep))
	writeVulnerabilities(b, rep.Vulnerabilities)
	b.WriteString("\n")
	lines := textResults(rep, show)
	for _, l := range lines {
		fmt.Fprintf(b, "%-21s%-16s%s\n", l.label, l.id, l.kb)
		for _, reason := range l.reasons {
			fmt.Fprintf(b, "\t%s\n", reason)
		}
	}
	if len(lines) == 0 {
		if n := len(rep.Results); n > 0 {
			fmt.Fprintf(b, "%-21sNo results to show (%d hidden by --show).\n", "Information", n)
		} else {
			fmt.Fprintf(b, "%-21sNo catalog patch applies to this host.\n", "Information")
		}
	}
	b.WriteString("\n")
	writeTextConfig(b, h.Config, show)
}
