package catalog

import (
	"strings"

	"github.com/patchscan/patchscan/internal/version"
)

// Format 2 (docs/catalog-format.md, "Format 2"): cumulative OS builds,
// cumulative file checks, hotpatch alternatives, release dates, update
// kinds, notes, and a table of CVEs. Every item is optional, and a catalog
// of format 1 loads as it always did.

// maxFormatVersion is the newest FormatVersion this loader reads.
const maxFormatVersion = 2

// firstModernBuild is Windows 10 1507's build: FixedBuild checks
// CurrentBuildNumber and UBR, which only cumulative-update Windows has.
const firstModernBuild = 10240

// formatVersion reads BulletinDatastore's FormatVersion: absent is format 1
// (0 in the model, as older catalogs have it).
func (l *loader) formatVersion(e *element) {
	s, ok := attr(e, "FormatVersion")
	if !ok {
		return
	}
	switch s {
	case "1", "2":
		l.c.FormatVersion = int(s[0] - '0')
	default:
		l.formatBad = true
		l.errorAt(e.at, "<BulletinDatastore>: FormatVersion=%s: this patchscan reads catalog formats 1 and 2; a newer format needs a newer patchscan", quote(s))
	}
}

// usesV2 remembers the first format-2 item, for the warning given when the
// catalog does not declare FormatVersion="2".
func (l *loader) usesV2(at pos, what string) {
	if l.v2What == "" {
		l.v2At, l.v2What = at, what
	}
}

// checkFormatVersion warns about format-2 items in a catalog that does not
// say it is format 2: this patchscan reads them, but an older one would
// ignore them (with a warning of its own) and judge patches without them.
func (l *loader) checkFormatVersion() {
	if l.v2What != "" && l.c.FormatVersion < maxFormatVersion && !l.formatBad {
		l.warnAt(warningKey{"format", "", ""}, l.v2At,
			`%s is a format 2 item, but <BulletinDatastore> does not say FormatVersion="2": add it, so that older versions of patchscan refuse the catalog rather than judge without it`, l.v2What)
	}
}

// vulnerability reads one row of the Vulnerabilities table.
func (l *loader) vulnerability(e *element) {
	l.checkAttrs(e, "CVE", "Title", "MSSeverityID", "Exploited", "Published")
	l.leaf(e)
	l.usesV2(e.at, "<Vulnerabilities>")
	v := Vulnerability{}
	cve, ok := l.required(e, "CVE")
	if ok {
		v.CVE = strings.ToUpper(cve)
		if !isCVE(v.CVE) {
			l.errorAt(e.at, "<Vulnerability>: CVE %s is not a CVE identifier (CVE-YYYY-NNNN)", quote(cve))
		} else if line, dup := l.cveAt[v.CVE]; dup {
			l.errorAt(e.at, "duplicate Vulnerability %s (first defined at line %d)", v.CVE, line)
		} else {
			l.cveAt[v.CVE] = e.at.line
		}
	}
	v.Title, _ = attr(e, "Title")
	v.SeverityID = l.optionalRef(e, refVulnSeverity)
	v.Exploited = l.optionalBool(e, "Exploited")
	v.Published, _ = attr(e, "Published")
	l.day(e, "Published", v.Published)
	l.c.Vulnerabilities = append(l.c.Vulnerabilities, v)
}

// patchV2 reads a Patch's format-2 attributes.
func (l *loader) patchV2(e *element, p *Patch) {
	if s, ok := attr(e, "FixedBuild"); ok {
		l.usesV2(e.at, "<Patch> FixedBuild")
		p.FixedBuild = l.fixedBuild(e, s)
	}
	if s, ok := attr(e, "Alternatives"); ok {
		l.usesV2(e.at, "<Patch> Alternatives")
		p.Alternatives = l.kbList(e, "Alternatives", s)
	}
	if s, ok := attr(e, "ReleaseDate"); ok {
		l.usesV2(e.at, "<Patch> ReleaseDate")
		p.ReleaseDate = s
		l.day(e, "ReleaseDate", s)
	}
	for _, a := range [...]struct {
		name string
		to   *string
	}{{"SubType", &p.SubType}, {"Note", &p.Note}} {
		if s, ok := attr(e, a.name); ok {
			l.usesV2(e.at, "<Patch> "+a.name)
			*a.to = s
		}
	}
}

// fixedBuild parses a FixedBuild: four parts, the third a Windows 10 or
// later build (the check reads CurrentBuildNumber and UBR, which earlier
// Windows does not keep as cumulative builds).
func (l *loader) fixedBuild(e *element, s string) version.Version {
	v, err := version.Parse(s)
	switch {
	case err != nil:
		l.errorAt(e.at, "<Patch>: bad FixedBuild: %v", err)
	case v.Len() != 4:
		l.errorAt(e.at, "<Patch>: FixedBuild %s is not an OS build of four parts (major.minor.build.UBR, e.g. 10.0.17763.8389)", quote(s))
	case v.Part(2) < firstModernBuild || v.Part(2) > 1<<31-1 || v.Part(3) > 1<<32-1:
		l.errorAt(e.at, "<Patch>: FixedBuild %s: build %d is not a Windows 10 / Server 2016 or later build (10240 and up); check earlier Windows with a FileCheck", quote(s), v.Part(2))
	default:
		return v
	}
	return version.Version{}
}

// kbList reads a list of KB numbers (KB5075942 or 5075942) separated by
// white space, commas or semicolons, upper-cased.
func (l *loader) kbList(e *element, key, s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' || r == ';' || r == '\t' || r == '\n' || r == '\r' }) {
		kb := strings.ToUpper(f)
		if !allDigits(strings.TrimPrefix(kb, "KB")) {
			l.errorAt(e.at, "<%s>: %s %s is not a KB number (KB5075942)", e.name.Local, key, quote(f))
			continue
		}
		out = append(out, kb)
	}
	return out
}

// checkAlternatives: a patch's Alternatives name other KBs of its own
// bulletin (a hotpatch and the update it stands in for are published
// together); anything else is a typo or a misunderstanding, and would make
// the engine call a patch installed on another update's evidence.
func (l *loader) checkAlternatives(b *Bulletin, patchAt []pos) {
	var kbs map[string]bool
	for i := range b.Patches {
		p := &b.Patches[i]
		if len(p.Alternatives) == 0 {
			continue
		}
		if kbs == nil {
			kbs = make(map[string]bool, len(b.Patches))
			for j := range b.Patches {
				kbs[normKB(b.Patches[j].SQNumber)] = true
			}
		}
		own := normKB(p.SQNumber)
		for _, a := range p.Alternatives {
			switch k := normKB(a); {
			case k == own:
				l.errorAt(patchAt[i], "<Patch> %s: Alternatives names the patch's own KB %s; alternatives are other KBs of the bulletin", p.SQNumber, a)
			case !kbs[k]:
				l.errorAt(patchAt[i], "<Patch> %s: Alternatives names %s, which no patch of bulletin %s has; alternatives are KBs of the same bulletin that fix the same CVEs", p.SQNumber, a, orUnnamed(b.ID))
			}
		}
	}
}

// normKB is a KB number as compared: upper case, with its KB prefix.
func normKB(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	if s != "" && s[0] >= '0' && s[0] <= '9' {
		return "KB" + s
	}
	return s
}

// ifExists reads a FileCheck's IfExists: the check applies only to a file
// that is present (mssecure.xml's command "e").
func (l *loader) ifExists(e *element, fc *FileCheck) {
	if _, ok := attr(e, "IfExists"); !ok {
		return
	}
	l.usesV2(e.at, "<FileCheck> IfExists")
	fc.IfExists = l.optionalBool(e, "IfExists")
}

// cumulative reads a FileCheck's Cumulative: the check then holds for any
// later version of the same servicing branch, named by the first three
// parts of a four-part Version.
func (l *loader) cumulative(e *element, fc *FileCheck) {
	if _, ok := attr(e, "Cumulative"); !ok {
		return
	}
	l.usesV2(e.at, "<FileCheck> Cumulative")
	fc.Cumulative = l.optionalBool(e, "Cumulative")
	if fc.Cumulative && fc.Version.Len() != 0 && fc.Version.Len() != 4 {
		l.errorAt(e.at, `<FileCheck>: Cumulative="true" needs a Version of four parts (the first three name the servicing branch, e.g. 10.0.17763.1397); %s has %d`, fc.Version, fc.Version.Len())
	}
}
