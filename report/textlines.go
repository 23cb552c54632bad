package report

import (
	"fmt"
	"slices"
	"strings"

	"github.com/patchscan/patchscan/detect"
)

// textLine is one result line of the text format and its reasons, ready
// to print (terminal-safe).
type textLine struct {
	label, id, kb string
	reasons       []string
	count         int // identical results folded into this line
}

func (l textLine) key() string { return l.label + "\x00" + l.id + "\x00" + l.kb }

// textResults turns the results show selects into lines. A catalog may
// hold one KB several times (MSRC: one patch per KB and product set), and
// lines that would read the same are told apart by their product, else
// their installer file, else their update type; lines still identical,
// reasons and all, are printed once with the count (issue 13.13: --show
// all repeated "Not Applicable 2026-Feb KB5075899" without context).
func textResults(rep *detect.Report, show Show) []textLine {
	products := map[int]string{}
	for _, p := range rep.Products {
		products[p.ID] = term(p.Name)
	}
	var lines []textLine
	var shown []detect.Result
	seen := map[string]int{}
	for _, r := range rep.Results {
		if !show[r.Status] {
			continue
		}
		l := baseLine(r, products)
		lines, shown = append(lines, l), append(shown, r)
		seen[l.key()]++
	}
	for i := range lines {
		if seen[lines[i].key()] > 1 {
			if c := lineContext(shown[i], products); c != "" {
				lines[i].kb += " [" + c + "]"
			}
		}
	}
	return foldIdentical(lines)
}

// baseLine is a result's line without context, and its reasons.
func baseLine(r detect.Result, products map[int]string) textLine {
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
	if v := term(r.Via); v != "" {
		kb += " (via " + v + ")"
	}
	l := textLine{label: textLabel(r), id: id, kb: kb, count: 1}
	for _, reason := range r.Reasons {
		l.reasons = append(l.reasons, term(reason))
	}
	// The engine already says "Superseded by X, which is installed."
	// among the reasons; the line is for results that don't.
	if r.SupersededBy != "" && !slices.ContainsFunc(r.Reasons, func(s string) bool { return strings.Contains(s, r.SupersededBy) }) {
		l.reasons = append(l.reasons, fmt.Sprintf("Superseded by %s (installed).", term(r.SupersededBy)))
	}
	return l
}

// lineContext tells a result apart from others of the same KB.
func lineContext(r detect.Result, products map[int]string) string {
	if p := products[r.ProductID]; p != "" && resultKind(r.Kind) != detect.KindServicePack {
		return p
	}
	if n := term(r.PatchName); n != "" {
		return n
	}
	return term(r.SubType)
}

// foldIdentical prints identical lines (same text and reasons) once,
// with how many results they stand for.
func foldIdentical(lines []textLine) []textLine {
	var out []textLine
	at := map[string]int{}
	for _, l := range lines {
		k := l.key() + "\x00" + strings.Join(l.reasons, "\x00")
		if i, ok := at[k]; ok {
			out[i].count++
			continue
		}
		at[k] = len(out)
		out = append(out, l)
	}
	for i := range out {
		if out[i].count > 1 {
			out[i].kb += fmt.Sprintf(" (%d catalog entries)", out[i].count)
		}
	}
	return out
}
