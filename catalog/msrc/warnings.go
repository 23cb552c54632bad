package msrc

import (
	"fmt"
	"sort"
	"strings"
)

// Warning is a problem of the source data that the conversion worked
// around: a fix left out, a FixedBuild reinterpreted, a patch turned into a
// note. Warnings that differ only in products or CVEs are merged, so each
// problem is reported once for a KB of a document.
type Warning struct {
	Doc      string   // document ID, e.g. "2021-Jul"
	KB       string   // "5004945"; "" when the warning is not about one KB
	CVEs     []string // the CVEs concerned, sorted
	Products []string // MSRC product names concerned, sorted
	Text     string
}

// maxListed bounds the CVEs and products a warning's String names.
const maxListed = 8

func (w Warning) String() string {
	var b strings.Builder
	b.WriteString(w.Doc)
	if w.KB != "" {
		b.WriteString(" KB" + w.KB)
	}
	if b.Len() == 0 {
		b.WriteString("MSRC data")
	}
	if len(w.CVEs) > 0 {
		b.WriteString(" (" + list(w.CVEs) + ")")
	}
	if len(w.Products) > 0 {
		b.WriteString(" on " + list(w.Products))
	}
	return b.String() + ": " + w.Text
}

func list(s []string) string {
	if len(s) <= maxListed {
		return strings.Join(s, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(s[:maxListed], ", "), len(s)-maxListed)
}

type warnKey struct{ doc, kb, text string }

// warn records w, merging it into an earlier warning of the same document,
// KB and text.
func (c *converter) warn(w Warning) {
	k := warnKey{w.Doc, w.KB, w.Text}
	if c.warnIdx == nil {
		c.warnIdx = map[warnKey]int{}
	}
	i, ok := c.warnIdx[k]
	if !ok {
		c.warnIdx[k] = len(c.warnings)
		c.warnings = append(c.warnings, Warning{Doc: w.Doc, KB: w.KB, Text: w.Text})
		i = len(c.warnings) - 1
	}
	m := &c.warnings[i]
	for _, s := range w.CVEs {
		m.CVEs = addString(m.CVEs, s)
	}
	for _, s := range w.Products {
		m.Products = addString(m.Products, s)
	}
}

// sortedWarnings returns the warnings with their lists sorted, in the order
// they were first raised.
func (c *converter) sortedWarnings() []Warning {
	for i := range c.warnings {
		sort.Strings(c.warnings[i].CVEs)
		sort.Strings(c.warnings[i].Products)
	}
	return c.warnings
}

func names(ps []*product) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Name
	}
	return out
}
