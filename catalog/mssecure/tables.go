package mssecure

import (
	"github.com/patchscan/patchscan/catalog"
)

// The root and its tables. Sections may come in any order; unknown ones
// (a later schema's) are skipped with one warning each.

func (p *parser) root(e *catalog.StreamElement) {
	d := p.d
	p.attrs(e, "DataVersion", "LastDataUpdate", "SchemaVersion", "LastSchemaUpdate", "ToolVersion", "RevisionHistory")
	d.DataVersion, d.LastDataUpdate = str(e, "DataVersion"), str(e, "LastDataUpdate")
	d.SchemaVersion, d.LastSchemaUpdate = str(e, "SchemaVersion"), str(e, "LastSchemaUpdate")
	d.ToolVersion, d.RevisionHistory = str(e, "ToolVersion"), str(e, "RevisionHistory")
	if _, ok := e.Value("SchemaVersion"); !ok {
		if _, ok := e.Value("ToolVersion"); !ok {
			p.errorf(e, "neither SchemaVersion nor ToolVersion is given, as every mssecure.xml does; this is not Microsoft's mssecure.xml (a patchscan catalog needs no import: give it to scan --catalog or catalog validate as it is)")
		}
	}
	sections := map[string]func(*catalog.StreamElement){
		"Bulletins":       func(s *catalog.StreamElement) { p.rows(s, "Bulletin", p.bulletin) },
		"Products":        func(s *catalog.StreamElement) { p.rows(s, "Product", p.product) },
		"ProductFamilies": func(s *catalog.StreamElement) { p.rows(s, "ProductFamily", p.family) },
		"ServicePacks":    func(s *catalog.StreamElement) { p.rows(s, "ServicePack", p.servicePack) },
		"RegKeys":         func(s *catalog.StreamElement) { p.rows(s, "RegKey", p.regKey) },
		"Files":           func(s *catalog.StreamElement) { p.rows(s, "File", p.file) },
		"Commands":        func(s *catalog.StreamElement) { p.rows(s, "Command", p.command) },
		"Locations":       func(s *catalog.StreamElement) { p.rows(s, "Location", p.location) },
		"Comments":        func(s *catalog.StreamElement) { p.rows(s, "Comment", p.comment) },
		"Severities":      func(s *catalog.StreamElement) { p.rows(s, "Severity", p.severity) },
		"MSSeverities":    func(s *catalog.StreamElement) { p.rows(s, "MSSeverity", p.msSeverity) },
		"SupercededBys":   func(s *catalog.StreamElement) { p.rows(s, "SupercededBy", p.supercededBy) },
		"WellKnownURLs":   func(s *catalog.StreamElement) { p.rows(s, "WellKnownURL", p.wellKnownURL) },
	}
	p.children("BulletinDatastore", func(s *catalog.StreamElement) bool {
		read, ok := sections[s.Name.Local]
		if ok {
			read(s)
		}
		return ok
	})
}

// ids reads <List><Item Attr="id"/>...</List>, a list of references.
func (p *parser) ids(list *catalog.StreamElement, item, attr string) []Ref {
	var out []Ref
	p.rows(list, item, func(e *catalog.StreamElement) {
		p.attrs(e, attr)
		if id := p.id(e, attr); id != NoID {
			out = append(out, Ref{ID: id, Pos: pos(e)})
		}
		p.leaf(e)
	})
	return out
}

func refIDs(refs []Ref) []int {
	out := make([]int, len(refs))
	for i, r := range refs {
		out[i] = r.ID
	}
	return out
}

func (p *parser) bulletin(e *catalog.StreamElement) {
	p.attrs(e, "BulletinID", "BulletinLocationID", "FAQLocationID", "FAQPageName", "Title", "DatePosted", "DateRevised",
		"Supported", "Summary", "Issue", "ImpactSeverityID", "PreReqSeverityID", "MitigationSeverityID", "PopularitySeverityID")
	b := Bulletin{ID: str(e, "BulletinID"), Title: str(e, "Title"), Summary: str(e, "Summary"), Issue: str(e, "Issue"),
		DatePosted: str(e, "DatePosted"), DateRevised: str(e, "DateRevised"), Supported: str(e, "Supported"),
		LocationID: p.id(e, "BulletinLocationID"), FAQLocationID: p.id(e, "FAQLocationID"), FAQPageName: str(e, "FAQPageName"), Pos: pos(e)}
	if b.ID == "" {
		p.errorf(e, "BulletinID is missing or empty; every bulletin has one (MS01-005)")
	}
	p.children("Bulletin", func(c *catalog.StreamElement) bool {
		switch c.Name.Local {
		case "QNumbers":
			p.rows(c, "QNumber", func(q *catalog.StreamElement) {
				p.attrs(q, "QNumber")
				if s := str(q, "QNumber"); s != "" {
					b.QNumbers = append(b.QNumbers, s)
				}
				p.leaf(q)
			})
		case "BulletinComments":
			b.Comments = append(b.Comments, refIDs(p.ids(c, "BulletinComment", "CommentID"))...)
		case "Patches":
			p.rows(c, "Patch", func(pe *catalog.StreamElement) { b.Patches = append(b.Patches, p.patch(pe)) })
		default:
			return false
		}
		return true
	})
	p.d.Bulletins = append(p.d.Bulletins, b)
}

func (p *parser) patch(e *catalog.StreamElement) Patch {
	p.attrs(e, "PatchName", "PatchLocationID", "SBID", "SQNumber", "NoReboot", "MSSeverityID", "CVEID")
	pa := Patch{Name: str(e, "PatchName"), LocationID: p.id(e, "PatchLocationID"), SBID: p.id(e, "SBID"),
		SQNumber: str(e, "SQNumber"), NoReboot: str(e, "NoReboot"), MSSeverityID: p.id(e, "MSSeverityID"),
		CVEID: str(e, "CVEID"), Pos: pos(e)}
	p.children("Patch", func(c *catalog.StreamElement) bool {
		switch c.Name.Local {
		case "PatchComments":
			pa.Comments = append(pa.Comments, refIDs(p.ids(c, "PatchComment", "CommentID"))...)
		case "AffectedProduct":
			pa.Affected = append(pa.Affected, p.affected(c))
		case "RegChgs":
			pa.RegChgs = append(pa.RegChgs, p.ids(c, "RegChg", "RegChangeID")...)
		case "FileChgs":
			pa.FileChgs = append(pa.FileChgs, p.ids(c, "FileChg", "FileChangeID")...)
		default:
			return false
		}
		return true
	})
	return pa
}

func (p *parser) affected(e *catalog.StreamElement) Affected {
	p.attrs(e, "ProductID", "FixedInSP")
	a := Affected{ProductID: p.id(e, "ProductID"), FixedInSP: p.id(e, "FixedInSP"), Pos: pos(e)}
	p.children("AffectedProduct", func(c *catalog.StreamElement) bool {
		if c.Name.Local != "AffectedServicePack" {
			return false
		}
		p.attrs(c, "ServicePackID")
		if id := p.id(c, "ServicePackID"); id != NoID {
			a.ServicePacks = append(a.ServicePacks, id)
		}
		p.leaf(c)
		return true
	})
	return a
}

func (p *parser) product(e *catalog.StreamElement) {
	p.attrs(e, "ProductID", "Name", "MinimumSupportedServicePackID", "CurrentServicePackID", "CurrentVersion")
	pr := Product{ID: p.id(e, "ProductID"), Name: str(e, "Name"), MinimumSupportedSP: p.id(e, "MinimumSupportedServicePackID"),
		CurrentServicePackID: p.id(e, "CurrentServicePackID"), CurrentVersion: str(e, "CurrentVersion"), Pos: pos(e)}
	p.children("Product", func(c *catalog.StreamElement) bool {
		switch c.Name.Local {
		case "ProductFamilies":
			pr.Families = append(pr.Families, refIDs(p.ids(c, "ProductFamily", "ProductFamilyID"))...)
		case "AvailableSPs":
			pr.AvailableSPs = append(pr.AvailableSPs, refIDs(p.ids(c, "AvailableSP", "ServicePackID"))...)
		case "AvailableSP": // real files have one outside its list
			p.attrs(c, "ServicePackID")
			if id := p.id(c, "ServicePackID"); id != NoID {
				pr.AvailableSPs = append(pr.AvailableSPs, id)
			}
			p.leaf(c)
		default:
			return false
		}
		return true
	})
	p.d.Products = append(p.d.Products, pr)
}

func (p *parser) family(e *catalog.StreamElement) {
	p.attrs(e, "ProductFamilyID", "Name", "RecentProductVersionID")
	p.d.Families = append(p.d.Families, Family{ID: p.id(e, "ProductFamilyID"), Name: str(e, "Name"), Pos: pos(e)})
	p.leaf(e)
}

func (p *parser) servicePack(e *catalog.StreamElement) {
	p.attrs(e, "ServicePackID", "Name", "URL", "ReleaseDate")
	p.d.ServicePacks = append(p.d.ServicePacks, ServicePack{ID: p.id(e, "ServicePackID"), Name: str(e, "Name"), ReleaseDate: str(e, "ReleaseDate"), Pos: pos(e)})
	p.leaf(e)
}

// regKey reads a RegKey, the value name, and its RegChanges, the keys
// (Locations) and data it has in each patch.
func (p *parser) regKey(e *catalog.StreamElement) {
	p.attrs(e, "RegKeyID", "Name", "Type")
	p.id(e, "RegKeyID")
	name, _ := e.Value("Name") // value names are not trimmed: " x" is not "x"
	typ := str(e, "Type")
	p.children("RegKey", func(c *catalog.StreamElement) bool {
		if c.Name.Local != "RegChanges" {
			return false
		}
		p.rows(c, "RegChange", func(r *catalog.StreamElement) {
			// RegKeyID on a RegChange repeats, often wrongly, its parent's:
			// the parent is what counts.
			p.attrs(r, "RegChangeID", "RegChangeValue", "CommandID", "RegKeyID", "LocationID")
			p.id(r, "RegKeyID")
			value, _ := r.Value("RegChangeValue")
			p.d.RegChanges = append(p.d.RegChanges, RegChange{ID: p.id(r, "RegChangeID"), Name: name, Type: typ, Value: value,
				Command: str(r, "CommandID"), LocationID: p.id(r, "LocationID"), Pos: pos(r)})
			p.leaf(r)
		})
		return true
	})
}

func (p *parser) file(e *catalog.StreamElement) {
	p.attrs(e, "FileID", "Name", "LocationID")
	p.id(e, "FileID")
	name, location := str(e, "Name"), p.id(e, "LocationID")
	p.children("File", func(c *catalog.StreamElement) bool {
		if c.Name.Local != "FileChanges" {
			return false
		}
		p.rows(c, "FileChange", func(f *catalog.StreamElement) {
			p.attrs(f, "FileChangeID", "Date", "Version", "Size", "CommandID", "Checksum")
			p.d.FileChanges = append(p.d.FileChanges, FileChange{ID: p.id(f, "FileChangeID"), Name: name, LocationID: location,
				Date: str(f, "Date"), Version: str(f, "Version"), Size: str(f, "Size"), Command: str(f, "CommandID"),
				Checksum: str(f, "Checksum"), Pos: pos(f)})
			p.leaf(f)
		})
		return true
	})
}

func (p *parser) command(e *catalog.StreamElement) {
	p.attrs(e, "CommandID", "Name")
	p.d.Commands = append(p.d.Commands, Command{ID: str(e, "CommandID"), Name: str(e, "Name"), Pos: pos(e)})
	p.leaf(e)
}

func (p *parser) location(e *catalog.StreamElement) {
	p.attrs(e, "LocationID", "Path", "AbsolutePath")
	p.d.Locations = append(p.d.Locations, Location{ID: p.id(e, "LocationID"), Path: str(e, "Path"), Absolute: str(e, "AbsolutePath"), Pos: pos(e)})
	p.leaf(e)
}

func (p *parser) comment(e *catalog.StreamElement) {
	p.attrs(e, "CommentID", "Text")
	p.d.Comments = append(p.d.Comments, Comment{ID: p.id(e, "CommentID"), Text: str(e, "Text"), Pos: pos(e)})
	p.leaf(e)
}

func (p *parser) severity(e *catalog.StreamElement) {
	p.attrs(e, "SeverityID", "Description")
	p.d.Severities = append(p.d.Severities, Severity{ID: p.id(e, "SeverityID"), Name: str(e, "Description"), Pos: pos(e)})
	p.leaf(e)
}

// msSeverity reads MBSA 1.2's MSSeverity; its name is in Name (or, as in
// the older Severities table, Description).
func (p *parser) msSeverity(e *catalog.StreamElement) {
	p.attrs(e, "MSSeverityID", "Name", "Description")
	name := str(e, "Name")
	if name == "" {
		name = str(e, "Description")
	}
	p.d.MSSeverities = append(p.d.MSSeverities, Severity{ID: p.id(e, "MSSeverityID"), Name: name, Pos: pos(e)})
	p.leaf(e)
}

func (p *parser) supercededBy(e *catalog.StreamElement) {
	p.attrs(e, "SBID", "Description")
	sb := SupercededBy{ID: p.id(e, "SBID"), Description: str(e, "Description"), Pos: pos(e)}
	p.children("SupercededBy", func(c *catalog.StreamElement) bool {
		if c.Name.Local != "SupercededBulletins" {
			return false
		}
		p.rows(c, "SupercededBulletin", func(b *catalog.StreamElement) {
			p.attrs(b, "BulletinID")
			sbb := SupercededBulletin{BulletinID: str(b, "BulletinID"), Pos: pos(b)}
			p.children("SupercededBulletin", func(ps *catalog.StreamElement) bool {
				if ps.Name.Local != "SupercededPatches" {
					return false
				}
				p.rows(ps, "SupercededPatch", func(x *catalog.StreamElement) {
					p.attrs(x, "PatchName")
					if s := str(x, "PatchName"); s != "" {
						sbb.Patches = append(sbb.Patches, s)
					}
					p.leaf(x)
				})
				return true
			})
			sb.Bulletins = append(sb.Bulletins, sbb)
		})
		return true
	})
	p.d.SupercededBys = append(p.d.SupercededBys, sb)
}

// wellKnownURL keeps a row of MBSA 1.2's WellKnownURLs as written: the
// conversion does not need it, and its columns are not documented.
func (p *parser) wellKnownURL(e *catalog.StreamElement) {
	w := WellKnownURL{Attrs: map[string]string{}, Pos: pos(e)}
	for _, a := range e.Attr {
		if a.Name.Space == "" {
			w.Attrs[a.Name.Local] = a.Value
		}
	}
	p.d.WellKnownURLs = append(p.d.WellKnownURLs, w)
	p.leaf(e)
}
