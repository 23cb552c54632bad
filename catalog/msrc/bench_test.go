package msrc

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	docsOnce sync.Once
	docsAll  []*Document
	docsErr  error
)

// sharedDocs parses the four shared documents once.
func sharedDocs(tb testing.TB) []*Document {
	docsOnce.Do(func() {
		for _, id := range sharedIDs {
			d, err := ParseFile(shared(id), Limits{})
			if err != nil {
				docsErr = err
				return
			}
			docsAll = append(docsAll, d)
		}
	})
	if docsErr != nil {
		tb.Fatal(docsErr)
	}
	return docsAll
}

// synthMonths makes n monthly documents ending with February 2026 out of
// the three real recent ones (2025-Dec, 2026-Jan, 2026-Feb), taken in turn:
// each copy gets its month's ID and dates, KB numbers and CVE numbers of
// its own (so no two months share one) and UBRs that grow month by month.
// Products, fix shapes, CVE counts and bad data are the real documents'.
// Only speed and size are measured on it: its data is not real.
func synthMonths(tb testing.TB, n int) []*Document {
	base := sharedDocs(tb)[1:]
	start := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 1-n, 0)
	out := make([]*Document, n)
	for k := 0; k < n; k++ {
		b := base[k%len(base)]
		m := start.AddDate(0, k, 0)
		d := &Document{
			ID: m.Format("2006-Jan"), Title: m.Format("January 2006") + " Security Updates",
			InitialRelease: m.AddDate(0, 0, 9).Format("2006-01-02"), CurrentRelease: m.AddDate(0, 0, 20).Format("2006-01-02"),
			Source: "synthetic", Products: b.Products,
		}
		for _, v := range b.Vulnerabilities {
			w := v
			w.CVE = shiftCVE(v.CVE, m.Year(), k)
			w.Fixes = make([]Remediation, len(v.Fixes))
			for i, f := range v.Fixes {
				f.KB = shiftKB(f.KB, k)
				f.FixedBuild = shiftUBR(f.FixedBuild, 40*k)
				f.Supersedes = []string{shiftKB(f.KB, -1)}
				w.Fixes[i] = f
			}
			d.Vulnerabilities = append(d.Vulnerabilities, w)
		}
		out[k] = d
	}
	return out
}

func shiftKB(kb string, k int) string {
	n, err := strconv.Atoi(kb)
	if err != nil {
		return kb
	}
	return strconv.Itoa(n + 10000*k)
}

func shiftCVE(cve string, year, k int) string {
	i := strings.LastIndex(cve, "-")
	n, err := strconv.Atoi(cve[i+1:])
	if i < 0 || err != nil {
		return cve
	}
	return fmt.Sprintf("CVE-%d-%d", year, n*100+k)
}

func shiftUBR(fb string, by int) string {
	b, u, ok := modernBuild(fb)
	if !ok {
		return fb
	}
	return fmt.Sprintf("10.0.%d.%d", b, u+by)
}

// BenchmarkParse measures parsing the largest shared document (2026-Jan,
// 3.0 MB).
func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := ParseFile(shared("2026-Jan"), Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkConvert24 measures converting 24 monthly documents (synthMonths).
func BenchmarkConvert24(b *testing.B) {
	docs := synthMonths(b, 24)
	b.ReportAllocs()
	b.ResetTimer()
	var patches int
	for i := 0; i < b.N; i++ {
		c, _, err := Convert(docs)
		if err != nil {
			b.Fatal(err)
		}
		patches = 0
		for _, bl := range c.Bulletins {
			patches += len(bl.Patches)
		}
	}
	b.ReportMetric(float64(patches), "patches")
}

func TestSynthMonths(t *testing.T) {
	docs := synthMonths(t, 24)
	c, _, err := Convert(docs)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Bulletins) != 24 || c.Bulletins[0].ID != "2024-Mar" || c.Bulletins[23].ID != "2026-Feb" {
		t.Fatalf("%d bulletins, %s to %s", len(c.Bulletins), c.Bulletins[0].ID, c.Bulletins[len(c.Bulletins)-1].ID)
	}
	seen := map[string]string{}
	for _, b := range c.Bulletins {
		for _, p := range b.Patches {
			if other, ok := seen[p.SQNumber]; ok && other != b.ID {
				t.Fatalf("%s in %s and %s", p.SQNumber, other, b.ID)
			}
			seen[p.SQNumber] = b.ID
		}
	}
}
