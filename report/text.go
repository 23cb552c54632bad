package report

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/patchscan/patchscan/detect"
	"github.com/patchscan/patchscan/scan"
	"github.com/patchscan/patchscan/scan/transport"
)

// The text format follows HFNetChk: a header per host, then one line per
// result, "<label>  <bulletin>  <KB>", and with -v the reasons indented
// under it (labels and wording: docs/mbsa-semantics.md). Lines are plain and column-aligned so grep/awk can use them.

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

// osLine describes a host's OS in one line. Hosts that don't say their
// ProductName (old or stripped-down Windows, Samba) are named by the first
// catalog product detected on them, so the operator still sees what it is.
func osLine(rep *detect.Report) string {
	o := rep.OS
	var parts []string
	if p := term(o.Product); p != "" {
		parts = append(parts, p)
	} else if len(rep.Products) > 0 {
		parts = append(parts, term(rep.Products[0].Name))
	}
	if v := term(o.Version); v != "" {
		s := "version " + v
		if b := term(o.Build); b != "" {
			s += " build " + b
			if u := term(o.UBR); u != "" {
				s += "." + u
			}
		}
		parts = append(parts, s)
	}
	if o.ServicePack > 0 {
		parts = append(parts, fmt.Sprintf("Service Pack %d", o.ServicePack))
	}
	return strings.Join(parts, ", ")
}

type textSink struct {
	stream
	show    Show
	verbose bool
}

// NewText returns a Sink writing HFNetChk-style lines, one block per host,
// flushed as each host finishes. show selects the result statuses listed;
// verbose adds the reason lines.
func NewText(w io.Writer, show Show, verbose bool) Sink {
	return &textSink{stream: newStream(w, "text report"), show: show, verbose: verbose}
}

func (s *textSink) Write(h scan.HostResult) error {
	return s.write(func() ([]byte, error) {
		var b strings.Builder
		writeTextHost(&b, h, s.show, s.verbose)
		return []byte(b.String()), nil
	})
}

func writeTextHost(b *strings.Builder, h scan.HostResult, show Show, verbose bool) {
	fmt.Fprintf(b, "%s\n%s\n%s\n", rule, hostLabel(h.Name, h.Address, h.Domain, h.Target), rule)
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
	b.WriteString("\n")
	products := map[int]string{}
	for _, p := range rep.Products {
		products[p.ID] = term(p.Name)
	}
	shown := 0
	for _, r := range rep.Results {
		if !show[r.Status] {
			continue
		}
		shown++
		id := term(r.BulletinID)
		kb := term(r.KB)
		if resultKind(r.Kind) == detect.KindServicePack {
			id = "-"
			if p := products[r.ProductID]; p != "" {
				kb += " (" + p + ")"
			}
		}
		if id == "" {
			id = "-"
		}
		fmt.Fprintf(b, "%-21s%-16s%s\n", textLabel(r), id, kb)
		if !verbose {
			continue
		}
		for _, reason := range r.Reasons {
			fmt.Fprintf(b, "\t%s\n", term(reason))
		}
		// The engine already says "Superseded by X, which is installed."
		// among the reasons; the line is for results that don't.
		if r.SupersededBy != "" && !slices.ContainsFunc(r.Reasons, func(s string) bool { return strings.Contains(s, r.SupersededBy) }) {
			fmt.Fprintf(b, "\tSuperseded by %s (installed).\n", term(r.SupersededBy))
		}
	}
	if shown == 0 {
		if n := len(rep.Results); n > 0 {
			fmt.Fprintf(b, "%-21sNo results to show (%d hidden by --show).\n", "Information", n)
		} else {
			fmt.Fprintf(b, "%-21sNo catalog patch applies to this host.\n", "Information")
		}
	}
	b.WriteString("\n")
}

func (s *textSink) Close() error { return s.close(nil) }
