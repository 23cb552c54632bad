package detect

import (
	"sort"
	"strconv"
	"strings"
)

// Open vulnerabilities per host (format v2). Patches name their CVEs
// (CVEID); the catalog's Vulnerabilities table adds a CVE's severity and
// whether it was exploited in the wild. A CVE is open on a host when:
//
//   - a reported patch that applies to the host and lists it is missing,
//     and
//   - no patch that applies to the host and lists it is compliant
//     (installed, installed through an alternative, or superseded).
//
// A CVE whose applicable patches are only warning, note or error is not
// listed: those verdicts say the patch cannot be confirmed, and claiming
// the vulnerability open would be a guess. The results show them.

// cveInfo is one CVE of the catalog as the engine holds it.
type cveInfo struct {
	id         string // as the catalog spells it, upper case
	severityID int    // the Vulnerabilities table's MSSeverityID, 0 = none
	exploited  bool
	year, num  uint64 // for sorting: CVE-2026-21510 -> 2026, 21510
}

// indexCVEs gives every CVE the patches list an id, with what the
// Vulnerabilities table says about it.
func (b *builder) indexCVEs() {
	e := b.e
	table := make(map[string]int, len(e.cat.Vulnerabilities))
	for i := range e.cat.Vulnerabilities {
		table[strings.ToUpper(strings.TrimSpace(e.cat.Vulnerabilities[i].CVE))] = i
	}
	ids := map[string]int32{}
	for i := range e.patches {
		pp := &e.patches[i]
		for _, c := range pp.patch.CVEs {
			c = strings.ToUpper(strings.TrimSpace(c))
			if c == "" {
				continue
			}
			id, ok := ids[c]
			if !ok {
				id = int32(len(e.cves))
				ids[c] = id
				info := cveInfo{id: c}
				info.year, info.num = cveNumbers(c)
				if t, ok := table[c]; ok {
					v := &e.cat.Vulnerabilities[t]
					info.severityID, info.exploited = v.SeverityID, v.Exploited
				}
				e.cves = append(e.cves, info)
			}
			pp.cves = appendUnique(pp.cves, id)
		}
	}
}

// cveNumbers splits "CVE-2026-21510" into 2026 and 21510 (0, 0 when it is
// not in that form; such IDs sort after the others, by text).
func cveNumbers(c string) (year, num uint64) {
	parts := strings.SplitN(c, "-", 3)
	if len(parts) != 3 || parts[0] != "CVE" {
		return 0, 0
	}
	y, err1 := strconv.ParseUint(parts[1], 10, 32)
	n, err2 := strconv.ParseUint(parts[2], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, 0
	}
	return y, n
}

// cve states while computing one host's open vulnerabilities.
const (
	cveOpen   = 1 << iota // a reported, applicable, missing patch lists it
	cveClosed             // an applicable, compliant patch lists it
)

// openVulnerabilities lists the CVEs open on the host (see the top of this
// file), sorted by CVE year and number.
func (s *scanner) openVulnerabilities(states []patchState) []Vulnerability {
	e := s.e
	if len(e.cves) == 0 {
		return nil
	}
	mark := make([]uint8, len(e.cves))
	open := 0
	for k, pi := range e.eval {
		st := &states[k]
		pp := &e.patches[pi]
		if st.prod < 0 || len(pp.cves) == 0 {
			continue
		}
		switch {
		case st.status == StatusInstalled || st.status == StatusSuperseded:
			for _, c := range pp.cves {
				mark[c] |= cveClosed
			}
		case st.status == StatusMissing && pp.reported:
			for _, c := range pp.cves {
				if mark[c]&cveOpen == 0 {
					mark[c] |= cveOpen
					open++
				}
			}
		}
	}
	if open == 0 {
		return nil
	}
	return s.describeOpen(states, mark)
}

// openCVE is an open CVE being described.
type openCVE struct {
	id    int32
	v     Vulnerability
	worst int // the most severe applicable patch's MSSeverityID, 0 = none
}

// describeOpen builds the Vulnerability of every CVE marked open and not
// closed: its severity and the KBs that would close it.
func (s *scanner) describeOpen(states []patchState, mark []uint8) []Vulnerability {
	e := s.e
	pos := map[int32]int{} // CVE id -> index in list
	var list []openCVE
	for k, pi := range e.eval {
		st := &states[k]
		pp := &e.patches[pi]
		if st.prod < 0 || st.status.Compliant() || !pp.reported {
			continue
		}
		for _, c := range pp.cves {
			if mark[c] != cveOpen {
				continue
			}
			i, ok := pos[c]
			if !ok {
				i = len(list)
				pos[c] = i
				list = append(list, openCVE{id: c, v: Vulnerability{CVE: e.cves[c].id, Exploited: e.cves[c].exploited}})
			}
			o := &list[i]
			if kb := strings.TrimSpace(pp.patch.SQNumber); kb != "" && !containsString(o.v.FixedBy, kb) {
				o.v.FixedBy = append(o.v.FixedBy, kb)
			}
			if id := pp.patch.SeverityID; id > 0 && (o.worst == 0 || id < o.worst) {
				o.worst = id
			}
		}
	}
	sort.Slice(list, func(i, j int) bool { return e.cves[list[i].id].less(&e.cves[list[j].id]) })
	out := make([]Vulnerability, len(list))
	for i := range list {
		sev := e.cves[list[i].id].severityID
		if sev == 0 {
			sev = list[i].worst
		}
		out[i] = list[i].v
		out[i].Severity = e.sevNames[sev]
	}
	return out
}

// less orders CVEs by year and number; IDs not of the CVE-YYYY-N form
// come last, by text.
func (c *cveInfo) less(d *cveInfo) bool {
	switch {
	case c.year == 0 || d.year == 0:
		if (c.year == 0) != (d.year == 0) {
			return c.year != 0
		}
		return c.id < d.id
	case c.year != d.year:
		return c.year < d.year
	case c.num != d.num:
		return c.num < d.num
	}
	return c.id < d.id
}

func containsString(s []string, x string) bool {
	for _, y := range s {
		if y == x {
			return true
		}
	}
	return false
}
