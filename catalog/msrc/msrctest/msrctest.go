// Package msrctest gives tests Microsoft's own MSRC documents (the shared
// ones in catalog/default/msrc, parsed once; the February 2026 catalog the
// acceptance tests judge with) and makes documents for benchmarks: many
// months built from a few real ones, so the importer and the engine are
// measured on a catalog of the size and shape a 24-month import has.
package msrctest

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/patchscan/patchscan/catalog/msrc"
)

// SynthMonths makes n monthly documents ending with the month of last
// (e.g. February 2026) out of base, taken in turn: each copy gets its
// month's ID and dates, KB numbers and CVE numbers of its own (so no two
// months share one) and Windows 10+ UBRs that grow month by month.
// Products, fix shapes, CVE counts and bad data are base's. Only speed and
// size may be measured on the result: its data is not real.
func SynthMonths(base []*msrc.Document, n int, last time.Time) []*msrc.Document {
	if len(base) == 0 {
		return nil
	}
	start := time.Date(last.Year(), last.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 1-n, 0)
	out := make([]*msrc.Document, n)
	for k := 0; k < n; k++ {
		b := base[k%len(base)]
		m := start.AddDate(0, k, 0)
		d := &msrc.Document{
			ID: m.Format("2006-Jan"), Title: m.Format("January 2006") + " Security Updates",
			InitialRelease: m.AddDate(0, 0, 9).Format("2006-01-02"), CurrentRelease: m.AddDate(0, 0, 20).Format("2006-01-02"),
			Source: "synthetic", Products: b.Products,
		}
		for _, v := range b.Vulnerabilities {
			w := v
			w.CVE = shiftCVE(v.CVE, m.Year(), k)
			w.Fixes = make([]msrc.Remediation, len(v.Fixes))
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
	if i < 0 {
		return cve
	}
	n, err := strconv.Atoi(cve[i+1:])
	if err != nil {
		return cve
	}
	return fmt.Sprintf("CVE-%d-%d", year, n*100+k)
}

// shiftUBR moves the UBR of a Windows 10+ FixedBuild (10.0.B.U) by by;
// anything else (6.x builds, MSRC's nonsense values) is kept as it is.
func shiftUBR(fb string, by int) string {
	p := strings.Split(strings.TrimSpace(fb), ".")
	if len(p) != 4 || p[0] != "10" || p[1] != "0" {
		return fb
	}
	b, err1 := strconv.Atoi(p[2])
	u, err2 := strconv.Atoi(p[3])
	if err1 != nil || err2 != nil || b < 10240 {
		return fb
	}
	return fmt.Sprintf("10.0.%d.%d", b, u+by)
}
