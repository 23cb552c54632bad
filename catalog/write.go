package catalog

import (
	"bufio"
	"io"
	"strings"
)

// Write writes c as a native catalog document (docs/catalog-format.md): UTF-8,
// indented by two spaces, elements and attributes in the documented order,
// optional attributes only when set. The output depends on c alone, so
// writing the same catalog twice gives the same bytes.
//
// Write is the model's serializer, not a validator: Load checks what it
// reads, and a catalog Load returned comes back equal (Load(Write(c)) is c,
// but for Source, Line fields and Warnings). Every string is escaped; tabs,
// line breaks, DEL, C1 controls and the characters that reorder text (bidi
// controls) are written as character references, so they survive and can
// be seen. A string holding what XML 1.0 cannot carry at all (other C0
// controls, U+FFFE, U+FFFF, invalid UTF-8) makes Write fail, naming where
// it is; w may then have received the start of the document, so write to a
// temporary file and rename it.
func Write(w io.Writer, c *Catalog) error {
	cw := &catalogWriter{w: bufio.NewWriterSize(w, 64<<10)}
	cw.catalog(c)
	if cw.err != nil {
		return cw.err
	}
	return cw.w.Flush()
}

func (cw *catalogWriter) catalog(c *Catalog) {
	cw.raw(`<?xml version="1.0" encoding="utf-8"?>` + "\n")
	root := attrs(optional("DataVersion", c.DataVersion), optional("LastDataUpdate", c.LastDataUpdate))
	if c.FormatVersion != 0 {
		root = append(root, attribute{"FormatVersion", itoa(c.FormatVersion)})
	}
	cw.element(0, "BulletinDatastore", root, func() {
		cw.list(1, "ProductFamilies", len(c.ProductFamilies), func(i int) {
			f := c.ProductFamilies[i]
			cw.empty(2, "ProductFamily", []attribute{{"ProductFamilyID", itoa(f.ID)}, {"Name", f.Name}})
		})
		cw.list(1, "ServicePacks", len(c.ServicePacks), func(i int) {
			sp := c.ServicePacks[i]
			cw.empty(2, "ServicePack", attrs([]attribute{{"ServicePackID", itoa(sp.ID)}, {"Name", sp.Name}, {"Level", itoa(sp.Level)}},
				optional("ReleaseDate", sp.ReleaseDate)))
		})
		cw.list(1, "MSSeverities", len(c.Severities), func(i int) {
			s := c.Severities[i]
			cw.empty(2, "MSSeverity", []attribute{{"MSSeverityID", itoa(s.ID)}, {"Name", s.Name}})
		})
		cw.list(1, "Products", len(c.Products), func(i int) { cw.product(&c.Products[i]) })
		cw.list(1, "Vulnerabilities", len(c.Vulnerabilities), func(i int) { cw.vulnerability(&c.Vulnerabilities[i]) })
		cw.list(1, "Bulletins", len(c.Bulletins), func(i int) { cw.bulletin(&c.Bulletins[i]) })
	})
}

func (cw *catalogWriter) product(p *Product) {
	as := attrs([]attribute{{"ProductID", itoa(p.ID)}, {"Name", p.Name}},
		optionalID("ProductFamilyID", p.FamilyID), optionalID("CurrentServicePackID", p.CurrentServicePackID))
	cw.in("product "+itoa(p.ID), func() {
		cw.element(2, "Product", as, func() {
			cw.list(3, "Detection", len(p.Detection), func(i int) { cw.rule(4, p.Detection[i], false) })
		})
	})
}

// optionalID is an ID attribute written only when set (0 = none).
func optionalID(name string, id int) []attribute {
	if id == 0 {
		return nil
	}
	return one(name, itoa(id))
}

// rule writes a detection rule (RegValue, RegKey, File) or, for a patch, a
// RegCheck. Comparands are written only for comparing operators, unless a
// rule that takes none has one (the loader then says so).
func (cw *catalogWriter) rule(depth int, r Rule, regCheck bool) {
	comparand := r.Op != OpExists && r.Op != OpAbsent || r.Value != ""
	var name string
	var as []attribute
	switch r.Kind {
	case RuleRegValue:
		name = "RegValue"
		as = []attribute{{"Key", r.Key}, {"Name", r.Name}, {"Op", string(r.Op)}}
		if comparand {
			as = append(as, attribute{"Value", r.Value})
		}
	case RuleRegKey:
		name = "RegKey"
		as = []attribute{{"Key", r.Key}, {"Op", string(r.Op)}}
	case RuleFile:
		name = "File"
		as = []attribute{{"Path", r.Path}, {"Op", string(r.Op)}}
		if comparand {
			as = append(as, attribute{"Version", r.Value})
		}
	default:
		cw.fail("a rule of unknown kind %d", r.Kind)
		return
	}
	if regCheck {
		if r.Kind == RuleFile {
			cw.fail("a RegCheck tests the registry; %s is a file rule (use a FileCheck)", r.Path)
			return
		}
		name = "RegCheck"
	}
	cw.empty(depth, name, as)
}

func (cw *catalogWriter) vulnerability(v *Vulnerability) {
	cw.empty(2, "Vulnerability", attrs(one("CVE", v.CVE), optional("Title", v.Title), optionalID("MSSeverityID", v.SeverityID),
		boolAttr("Exploited", v.Exploited), optional("Published", v.Published)))
}

func (cw *catalogWriter) bulletin(b *Bulletin) {
	as := attrs([]attribute{{"BulletinID", b.ID}, {"Title", b.Title}, {"DatePosted", b.DatePosted}},
		boolAttr("Baseline", b.Baseline), optional("Summary", b.Summary))
	cw.in("bulletin "+b.ID, func() {
		cw.element(2, "Bulletin", as, func() {
			cw.list(3, "QNumbers", len(b.QNumbers), func(i int) { cw.empty(4, "QNumber", one("QNumber", b.QNumbers[i])) })
			cw.list(3, "References", len(b.References), func(i int) { cw.empty(4, "Reference", one("URL", b.References[i])) })
			cw.list(3, "Patches", len(b.Patches), func(i int) { cw.patch(&b.Patches[i]) })
		})
	})
}

func (cw *catalogWriter) patch(p *Patch) {
	var fixedBuild string
	if p.FixedBuild.Len() > 0 {
		fixedBuild = p.FixedBuild.String()
	}
	as := attrs(optional("PatchName", p.Name), one("SQNumber", p.SQNumber), one("MSSeverityID", itoa(p.SeverityID)),
		optional("CVEID", strings.Join(p.CVEs, " ")), boolAttr("NoReboot", p.NoReboot),
		optional("FixedBuild", fixedBuild), optional("Alternatives", strings.Join(p.Alternatives, " ")),
		optional("ReleaseDate", p.ReleaseDate), optional("SubType", p.SubType), optional("Note", p.Note))
	cw.in("patch "+p.SQNumber, func() {
		cw.element(4, "Patch", as, func() {
			for _, a := range p.Affected {
				cw.affected(a)
			}
			cw.list(5, "RegChecks", len(p.RegChecks), func(i int) { cw.rule(6, p.RegChecks[i], true) })
			cw.list(5, "FileChecks", len(p.FileChecks), func(i int) { cw.fileCheck(&p.FileChecks[i]) })
			for _, s := range p.SupersededBy {
				cw.empty(5, "SupersededBy", attrs(one("BulletinID", s.BulletinID), optional("SQNumber", s.SQNumber)))
			}
		})
	})
}

func (cw *catalogWriter) affected(a AffectedProduct) {
	as := attrs(one("ProductID", itoa(a.ProductID)), optionalID("FixedInSP", a.FixedInSP))
	if len(a.ServicePackIDs) == 0 {
		cw.empty(5, "AffectedProduct", as)
		return
	}
	cw.element(5, "AffectedProduct", as, func() {
		for _, id := range a.ServicePackIDs {
			cw.empty(6, "AffectedServicePack", one("ServicePackID", itoa(id)))
		}
	})
}

func (cw *catalogWriter) fileCheck(f *FileCheck) {
	cw.empty(6, "FileCheck", attrs([]attribute{{"Path", f.Path}, {"Version", f.Version.String()}},
		optional("SHA256", f.SHA256), optional("Language", f.Language), boolAttr("Cumulative", f.Cumulative),
		boolAttr("IfExists", f.IfExists)))
}
