package catalog

import "strconv"

// The catalog's definitions: product families, service packs, severities
// and products with their detection rules.

// define records the first definition of an ID, or reports a duplicate.
func (l *loader) define(seen map[int]int32, e *element, key string, id int) {
	if line, dup := seen[id]; dup {
		l.errorAt(e.at, "duplicate %s %d (first defined at line %d)", key, id, line)
		return
	}
	seen[id] = e.at.line
}

// idName reads the elements that are just an ID and a Name (ProductFamily,
// MSSeverity), recording the ID in seen.
func (l *loader) idName(e *element, idAttr string, seen map[int]int32) (int, string) {
	l.checkAttrs(e, idAttr, "Name")
	l.leaf(e)
	id, ok := l.requiredID(e, idAttr)
	name, _ := l.required(e, "Name")
	if ok {
		l.define(seen, e, idAttr, id)
	}
	return id, name
}

func (l *loader) family(e *element) {
	id, name := l.idName(e, "ProductFamilyID", l.families)
	l.c.ProductFamilies = append(l.c.ProductFamilies, ProductFamily{ID: id, Name: name})
}

func (l *loader) severity(e *element) {
	id, name := l.idName(e, "MSSeverityID", l.severities)
	l.c.Severities = append(l.c.Severities, Severity{ID: id, Name: name})
}

func (l *loader) servicePack(e *element) {
	l.checkAttrs(e, "ServicePackID", "Name", "Level", "ReleaseDate")
	l.leaf(e)
	id, ok := l.requiredID(e, "ServicePackID")
	name, _ := l.required(e, "Name")
	level := 0
	if s, ok := l.required(e, "Level"); ok {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > maxLevel {
			l.errorAt(e.at, "<ServicePack>: Level=%s is not a service pack level (0 for none/Gold, 1 for Service Pack 1, ...)", quote(s))
		}
		level = n
	}
	releaseDate, _ := attr(e, "ReleaseDate")
	l.date(e, "ReleaseDate", releaseDate)
	if ok {
		l.define(l.servicePacks, e, "ServicePackID", id)
	}
	l.c.ServicePacks = append(l.c.ServicePacks, ServicePack{ID: id, Name: name, Level: level, ReleaseDate: releaseDate})
}

func (l *loader) product(e *element) {
	l.checkAttrs(e, "ProductID", "Name", "ProductFamilyID", "CurrentServicePackID")
	p := Product{}
	id, ok := l.requiredID(e, "ProductID")
	p.ID = id
	p.Name, _ = l.required(e, "Name")
	p.FamilyID = l.optionalRef(e, refFamily)
	p.CurrentServicePackID = l.optionalRef(e, refCurrentServicePack)
	if ok {
		l.define(l.products, e, "ProductID", id)
	}
	detections, rules := 0, 0
	l.children(e, func(d *element) bool {
		if d.name.Local != "Detection" {
			return false
		}
		detections++
		l.checkAttrs(d)
		l.children(d, func(r *element) bool {
			kind, ok := detectionRuleKinds[r.name.Local]
			if !ok {
				return false
			}
			rules++
			if rule, ok := l.rule(r, kind); ok {
				p.Detection = append(p.Detection, rule)
			}
			return true
		})
		return true
	})
	if rules == 0 {
		// Every rule of an empty set holds: the product would be "present"
		// on every host and its patches reported everywhere.
		l.errorAt(e.at, "<Product> %d (%s) has no detection rules; without them it would match every host. Add a <Detection> with RegValue, RegKey or File rules", id, p.Name)
	}
	if detections > 1 {
		l.errorAt(e.at, "<Product> %d has %d <Detection> elements; put all its rules in one", id, detections)
	}
	l.c.Products = append(l.c.Products, p)
}

// detectionRuleKinds are the elements of a <Detection>.
var detectionRuleKinds = map[string]RuleKind{
	"RegValue": RuleRegValue,
	"RegKey":   RuleRegKey,
	"File":     RuleFile,
}
