package catalog

import (
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"github.com/patchscan/patchscan/internal/version"
)

// Bulletins and their patches.

func (l *loader) bulletin(e *element) {
	l.checkAttrs(e, "BulletinID", "Title", "DatePosted", "Baseline", "Summary")
	b := Bulletin{Line: int(e.at.line)}
	var ok bool
	if b.ID, ok = l.required(e, "BulletinID"); ok {
		if strings.IndexFunc(b.ID, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
			l.errorAt(e.at, "<Bulletin>: BulletinID %s contains white space or control characters", quote(b.ID))
		}
	}
	b.Title, _ = l.required(e, "Title")
	b.DatePosted, _ = l.required(e, "DatePosted")
	l.date(e, "DatePosted", b.DatePosted)
	b.Baseline = l.optionalBool(e, "Baseline")
	b.Summary, _ = attr(e, "Summary")

	bulletinIndex := len(l.c.Bulletins)
	var patchAt []pos
	l.children(e, func(c *element) bool {
		switch c.name.Local {
		case "QNumbers":
			l.container(c, "QNumber", func(q *element) { l.qNumber(q, &b) })
		case "References":
			l.container(c, "Reference", func(r *element) { l.reference(r, &b) })
		case "Patches":
			l.container(c, "Patch", func(p *element) {
				patchAt = append(patchAt, p.at)
				b.Patches = append(b.Patches, l.patch(p, bulletinIndex, len(b.Patches)))
			})
		default:
			return false
		}
		return true
	})
	// Patches sharing SQNumber and PatchName are checked once service
	// pack levels are known (checkPatchOverlap): they are fine as long as
	// they cover different service packs.
	if len(b.Patches) == 0 {
		l.errorAt(e.at, "bulletin %s has no <Patch>; a bulletin without patches can never apply", orUnnamed(b.ID))
	}
	l.checkAlternatives(&b, patchAt)
	l.c.Bulletins = append(l.c.Bulletins, b)
	l.bulletinAt = append(l.bulletinAt, e.at)
	l.patchAt = append(l.patchAt, patchAt)
}

func (l *loader) qNumber(e *element, b *Bulletin) {
	l.checkAttrs(e, "QNumber")
	l.leaf(e)
	if s, ok := l.required(e, "QNumber"); ok {
		b.QNumbers = append(b.QNumbers, s)
	}
}

func (l *loader) reference(e *element, b *Bulletin) {
	l.checkAttrs(e, "URL")
	l.leaf(e)
	s, ok := l.required(e, "URL")
	if !ok {
		return
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		l.errorAt(e.at, "<Reference>: URL %s is not an http(s) URL", quote(s))
		return
	}
	b.References = append(b.References, s)
}

// patch reads the patchIndex-th Patch of the bulletinIndex-th bulletin.
func (l *loader) patch(e *element, bulletinIndex, patchIndex int) Patch {
	l.checkAttrs(e, "PatchName", "SQNumber", "MSSeverityID", "CVEID", "NoReboot",
		"FixedBuild", "Alternatives", "ReleaseDate", "SubType", "Note")
	p := Patch{Line: int(e.at.line)}
	p.Name, _ = attr(e, "PatchName")
	p.SQNumber, _ = l.required(e, "SQNumber")
	p.SeverityID = l.requiredRef(e, refSeverity)
	p.CVEs = l.cves(e)
	p.NoReboot = l.optionalBool(e, "NoReboot")
	l.patchV2(e, &p)
	l.children(e, func(c *element) bool {
		switch c.name.Local {
		case "AffectedProduct":
			p.Affected = append(p.Affected, l.affected(c))
		case "RegChecks":
			l.container(c, "RegCheck", func(r *element) {
				kind := RuleRegValue
				if _, hasName := rawAttr(r, "Name"); !hasName {
					kind = RuleRegKey
				}
				if rule, ok := l.rule(r, kind); ok {
					p.RegChecks = append(p.RegChecks, rule)
				}
			})
		case "FileChecks":
			l.container(c, "FileCheck", func(f *element) {
				if fc, ok := l.fileCheck(f); ok {
					p.FileChecks = append(p.FileChecks, fc)
				}
			})
		case "SupersededBy", "SupercededBy": // the historical mssecure spelling
			if s, ok := l.supersededBy(c, bulletinIndex, patchIndex); ok {
				p.SupersededBy = append(p.SupersededBy, s)
			}
		default:
			return false
		}
		return true
	})
	if len(p.Affected) == 0 {
		l.errorAt(e.at, "<Patch> %s has no <AffectedProduct>; it could never apply to a host", orUnnamed(p.SQNumber))
	}
	return p
}

// cves reads a Patch's CVEID: CVE identifiers separated by white space,
// commas or semicolons, upper-cased.
func (l *loader) cves(e *element) []string {
	s, _ := attr(e, "CVEID")
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' || r == ';' || r == '\t' || r == '\n' || r == '\r' }) {
		f = strings.ToUpper(f)
		if !isCVE(f) {
			l.errorAt(e.at, "<Patch>: CVEID %s is not a CVE identifier (CVE-YYYY-NNNN)", quote(f))
			continue
		}
		out = append(out, f)
	}
	return out
}

func (l *loader) supersededBy(e *element, bulletinIndex, patchIndex int) (Supersedence, bool) {
	l.checkAttrs(e, "BulletinID", "SQNumber")
	l.leaf(e)
	id, ok := l.required(e, "BulletinID")
	if !ok {
		return Supersedence{}, false
	}
	sq, _ := attr(e, "SQNumber")
	s := Supersedence{BulletinID: id, SQNumber: sq}
	l.supers = append(l.supers, superRef{at: e.at, bulletin: bulletinIndex, patch: patchIndex, target: s})
	return s, true
}

func (l *loader) affected(e *element) AffectedProduct {
	l.checkAttrs(e, "ProductID", "FixedInSP")
	a := AffectedProduct{ProductID: l.requiredRef(e, refProduct)}
	if s, ok := attr(e, "FixedInSP"); ok {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > maxLevel {
			l.errorAt(e.at, "<AffectedProduct>: FixedInSP=%s is not a service pack level (0 = no service pack includes the fix)", quote(s))
		} else {
			a.FixedInSP = n
		}
	}
	l.children(e, func(c *element) bool {
		if c.name.Local != "AffectedServicePack" {
			return false
		}
		l.checkAttrs(c, "ServicePackID")
		l.leaf(c)
		if id := l.requiredRef(c, refServicePack); id != 0 {
			a.ServicePackIDs = append(a.ServicePackIDs, id)
		}
		return true
	})
	return a
}

func (l *loader) fileCheck(e *element) (FileCheck, bool) {
	l.checkAttrs(e, "Path", "Version", "SHA256", "Language", "Cumulative", "IfExists")
	l.leaf(e)
	fc := FileCheck{Line: int(e.at.line)}
	ok := true
	if s, present := l.required(e, "Path"); !present {
		ok = false
	} else if path, err := normPath(s); err != nil {
		l.errorAt(e.at, "<FileCheck>: Path %s: %v", quote(s), err)
		ok = false
	} else {
		fc.Path = path
	}
	if s, present := l.required(e, "Version"); !present {
		ok = false
	} else if v, err := version.Parse(s); err != nil {
		l.errorAt(e.at, "<FileCheck>: bad Version: %v", err)
		ok = false
	} else {
		fc.Version = v
	}
	if s, _ := attr(e, "SHA256"); s != "" {
		if !isSHA256(s) {
			l.errorAt(e.at, "<FileCheck>: SHA256 %s is not 64 hexadecimal digits", quote(s))
			ok = false
		}
		fc.SHA256 = strings.ToLower(s)
	}
	if s, _ := attr(e, "Language"); s != "" {
		if n, err := strconv.Atoi(s); err != nil || n < 1 || n > 0xFFFF {
			l.errorAt(e.at, "<FileCheck>: Language %s is not a decimal Windows LCID (e.g. 1033 for en-US)", quote(s))
			ok = false
		}
		fc.Language = s
	}
	l.cumulative(e, &fc)
	l.ifExists(e, &fc)
	return fc, ok
}
