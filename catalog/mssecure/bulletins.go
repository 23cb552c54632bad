package mssecure

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode"

	"github.com/patchscan/patchscan/catalog"
)

// bulletin converts a Bulletin row and its patches. A BulletinID given
// twice adds its patches to the first.
func (c *converter) bulletin(b *Bulletin) {
	id := bulletinID(b.ID)
	if id == "" {
		return // reported by Parse
	}
	date, ok := normDate(b.DatePosted)
	if !ok {
		date = c.fallbackDate(b)
	}
	nb := catalog.Bulletin{ID: id, Title: strings.Join(strings.Fields(b.Title), " "), DatePosted: date,
		Summary: firstNonEmpty(b.Summary, b.Issue), QNumbers: c.qNumbers(b), References: c.references(b)}
	if nb.Title == "" {
		nb.Title = id
	}
	var origins []origin
	for i := range b.Patches {
		ps, os := c.patch(b, &b.Patches[i], id)
		nb.Patches = append(nb.Patches, ps...)
		origins = append(origins, os...)
	}
	key := strings.ToUpper(id)
	if at, dup := c.bulletinAt[key]; dup {
		c.warn("dup bulletin", b.Pos, "BulletinID %s is given again; its patches are added to the first", id)
		c.out.Bulletins[at].Patches = append(c.out.Bulletins[at].Patches, nb.Patches...)
		c.origins[at] = append(c.origins[at], origins...)
		return
	}
	if len(nb.Patches) == 0 {
		c.warn("no patch", b.Pos, "bulletin %s has no patch that applies to any product; it is left out", id)
		return
	}
	c.bulletinAt[key] = len(c.out.Bulletins)
	c.out.Bulletins = append(c.out.Bulletins, nb)
	c.origins = append(c.origins, origins)
}

// bulletinID is a BulletinID as the native format takes it: no white space
// (inner runs become "-") and no control characters.
func bulletinID(s string) string {
	s = strings.Join(strings.Fields(s), "-")
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
}

// fallbackDate is a bulletin's date when DatePosted is not one: its
// DateRevised, else the data's own date (the bulletin is not later).
func (c *converter) fallbackDate(b *Bulletin) string {
	d, ok := normDate(b.DateRevised)
	why := "its DateRevised"
	if !ok {
		d, ok = normDate(c.d.LastDataUpdate)
		why = "the file's LastDataUpdate"
	}
	if !ok {
		d, why = "1998-01-01", "1998-01-01, before the first HFNetChk bulletin"
	}
	c.warn("bad date", b.Pos, "bulletin %s: DatePosted %s is not a date (YYYY/MM/DD or M/D/YYYY); %s is used", b.ID, quote(b.DatePosted), why)
	return d
}

// normDate reads the two date forms of real files, 1998/06/01 and
// 10/04/2001 (M/D/YYYY), and ISO dates, as YYYY-MM-DD.
func normDate(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, " T"); i > 0 {
		s = s[:i] // a time after the date
	}
	for _, layout := range []string{"2006/1/2", "1/2/2006", "2006-1-2"} {
		if t, err := time.Parse(layout, s); err == nil && t.Year() >= 1980 {
			return t.Format("2006-01-02"), true
		}
	}
	return "", false
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return ""
}

// qNumbers are a bulletin's KB articles: trimmed, each once (real files
// repeat them, with trailing spaces).
func (c *converter) qNumbers(b *Bulletin) []string {
	var out []string
	seen := map[string]bool{}
	for _, q := range b.QNumbers {
		q = strings.Join(strings.Fields(q), "")
		if q == "" || seen[strings.ToUpper(q)] {
			continue
		}
		seen[strings.ToUpper(q)] = true
		out = append(out, q)
	}
	return out
}

// references are the bulletin's page (its folder Location and its ID) and
// the http(s) download locations of its patches.
func (c *converter) references(b *Bulletin) []string {
	var out []string
	add := func(u string) {
		if p, err := url.Parse(u); err == nil && (p.Scheme == "http" || p.Scheme == "https") && p.Host != "" && !isOneOf(u, out) && len(out) < maxReasons {
			out = append(out, u)
		}
	}
	if loc := c.locations[b.LocationID]; loc != nil {
		page := strings.TrimSpace(loc.Path)
		if !strings.Contains(strings.ToUpper(page), strings.ToUpper(b.ID)) {
			page = strings.TrimRight(page, "/") + "/" + strings.TrimSpace(b.ID) + ".asp"
		}
		add(page)
	}
	for _, p := range b.Patches {
		if loc := c.locations[p.LocationID]; loc != nil {
			add(strings.TrimSpace(loc.Path))
		}
	}
	return out
}

// qNumber finds a KB number in a text: Q281767_W2K_SP2_x86_en.EXE,
// ...\Hotfix\Q148427.
var qNumber = regexp.MustCompile(`(?i)(?:^|[^a-z0-9])(q|kb)(\d{5,7})(?:[^0-9]|$)`)

// sqNumber is a patch's KB number: its SQNumber, else one its PatchName
// or a registry key it writes holds, else its bulletin's only QNumber (or
// first), else its PatchName or the BulletinID.
func (c *converter) sqNumber(b *Bulletin, p *Patch) string {
	if s := strings.Join(strings.Fields(p.SQNumber), ""); s != "" {
		return s
	}
	if m := qNumber.FindStringSubmatch(p.Name); m != nil {
		return strings.ToUpper(m[1]) + m[2]
	}
	qs := c.qNumbers(b)
	if len(qs) == 1 {
		return qs[0]
	}
	for _, ref := range p.RegChgs {
		if r, _ := c.regChanges.get("", ref.ID); r != nil {
			if loc := c.locations[r.LocationID]; loc != nil {
				if m := qNumber.FindStringSubmatch(loc.Path); m != nil {
					return strings.ToUpper(m[1]) + m[2]
				}
			}
		}
	}
	if len(qs) > 0 {
		return qs[0]
	}
	c.warn("no kb", p.Pos, "patch %s of %s: no KB number in SQNumber, PatchName, its registry keys or the bulletin's QNumbers; its name is used", quote(p.Name), b.ID)
	return firstNonEmpty(strings.Join(strings.Fields(p.Name), ""), b.ID)
}

// severityOf is a patch's MSSeverityID (MBSA 1.2), or the ID of "not
// rated": HFNetChk 3.x files rate nothing (their Severities are "NA").
func (c *converter) severityOf(p *Patch) int {
	if c.severities[p.MSSeverityID] {
		return p.MSSeverityID
	}
	if p.MSSeverityID > 0 {
		c.warn("stray severity", p.Pos, "MSSeverityID %d is not in the file's MSSeverities; the patch is not rated", p.MSSeverityID)
	}
	return c.unratedID()
}

// defineSeverities copies MBSA 1.2's MSSeverities.
func (c *converter) defineSeverities() {
	for _, s := range c.d.MSSeverities {
		if s.ID < 1 || c.severities[s.ID] {
			continue
		}
		name := strings.TrimSpace(s.Name)
		if name == "" {
			name = "Severity " + itoa(s.ID)
		}
		c.severities[s.ID] = true
		c.out.Severities = append(c.out.Severities, catalog.Severity{ID: s.ID, Name: name})
	}
}

// unratedID is the severity "Not rated", made when first needed with the
// first free ID from 5 (after MBSA's Critical to Low).
func (c *converter) unratedID() int {
	if c.unrated == 0 {
		id := 5
		for c.severities[id] {
			id++
		}
		c.unrated = id
		c.severities[id] = true
		c.out.Severities = append(c.out.Severities, catalog.Severity{ID: id, Name: "Not rated (mssecure.xml gives no severity)"})
	}
	return c.unrated
}

// cves reads MBSA 1.2's CVEID: CVE or CAN (a candidate, which became the
// CVE of the same number) identifiers, separated by spaces, commas or
// semicolons.
func (c *converter) cves(p *Patch) []string {
	var out []string
	for _, f := range strings.FieldsFunc(p.CVEID, func(r rune) bool { return r == ' ' || r == ',' || r == ';' || r == '\t' }) {
		id := strings.ToUpper(f)
		if strings.HasPrefix(id, "CAN-") {
			id = "CVE-" + id[4:]
		}
		if !cvePattern.MatchString(id) {
			c.warn("bad cve", p.Pos, "CVEID %s is not a CVE identifier; it is left out", quote(f))
			continue
		}
		if !isOneOf(id, out) {
			out = append(out, id)
		}
	}
	return out
}

var cvePattern = regexp.MustCompile(`^CVE-\d{4}-\d{4,8}$`)

func boolText(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "true", "yes":
		return true
	}
	return false
}

// noteText words a Note: why the patch cannot be checked as HFNetChk did,
// and what the source's comments say.
func noteText(reasons []string, comment string) string {
	s := "patchscan cannot check this patch as HFNetChk did: " + strings.Join(reasons, "; ") + "."
	if comment != "" {
		s += " The catalog's comment: " + comment
	}
	return s
}

// checksumOnlyReason says why files given without a version are not
// checked.
func checksumOnlyReason(names []string) string {
	list := strings.Join(names, ", ")
	if len(names) > maxReasons {
		list = strings.Join(names[:maxReasons], ", ") + fmt.Sprintf(" and %d more", len(names)-maxReasons)
	}
	return "the source gives no file version for " + list + " (HFNetChk compared its own checksum, which patchscan does not compute)"
}
