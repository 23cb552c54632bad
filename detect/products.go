package detect

// Product detection: a product is present when every detection rule holds.
// Registry rules are evaluated after batch (a); the file rules of products
// that still look present are asked in batch (b) and evaluated after it.

// presence is what detection concluded about one product on this host.
type presence uint8

const (
	productPresent presence = iota
	productAbsent
	productUnknown
)

type productState struct {
	presence presence
	why      string // productUnknown: which fact could not be read
}

// add folds one detection rule's outcome into the product's state: every
// rule must hold, one failing rule makes it absent whatever else could not
// be read, and an unreadable rule otherwise leaves it unknown.
func (ps *productState) add(res CheckResult, why string) {
	switch {
	case res == CheckPass || ps.presence == productAbsent:
	case res == CheckUnreadable:
		if ps.presence == productPresent {
			ps.presence, ps.why = productUnknown, why
		}
	default:
		ps.presence, ps.why = productAbsent, ""
	}
}

// detectRegistry evaluates the registry rules of every product and queues
// the file facts of products that still look present.
func (s *scanner) detectRegistry() {
	s.products = make([]productState, len(s.e.products))
	for i := range s.e.products {
		p := &s.e.products[i]
		ps := &s.products[i]
		for j := range p.regRules {
			res, _, why := s.evalReg(&p.regRules[j], false)
			ps.add(res, why)
		}
		if ps.presence == productAbsent {
			continue
		}
		for j := range p.fileRules {
			t := p.fileRules[j].templateID
			if !s.wantTemplate(t, s.templateChecksum(t)) {
				ps.add(CheckUnreadable, s.resolve(t).err)
			}
		}
	}
}

// detectFiles evaluates the file rules queued by detectRegistry.
func (s *scanner) detectFiles() {
	for i := range s.e.products {
		p := &s.e.products[i]
		ps := &s.products[i]
		if ps.presence == productAbsent {
			continue
		}
		for j := range p.fileRules {
			rule := &p.fileRules[j]
			r := s.resolve(rule.templateID)
			if r.err != "" {
				continue // already folded in detectRegistry
			}
			res, _, why := s.evalFileRule(rule, r)
			ps.add(res, why)
		}
	}
}

// presentProducts lists the products detected on the host, in catalog order.
func (s *scanner) presentProducts() []ProductRef {
	var out []ProductRef
	for i := range s.e.products {
		if s.products[i].presence == productPresent {
			out = append(out, s.e.products[i].ref)
		}
	}
	return out
}
