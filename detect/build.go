package detect

import (
	"strconv"
	"strings"

	"github.com/patchscan/patchscan/catalog"
	"github.com/patchscan/patchscan/facts"
)

// builder holds the indexes only New needs. Each step of New is one method,
// in the order New calls them: later steps use the indexes earlier ones
// filled.
type builder struct {
	e          *Engine
	regID      map[string]int32 // normalized registry fact -> fact id
	templateID map[string]int32 // lower-case path -> template id
	inPhaseA   map[int32]bool

	servicePacks map[int]spInfo     // ServicePackID -> level and name
	productIndex map[int]int32      // ProductID -> index in e.products
	byKB         map[string][]int32 // normalized KB -> patch indexes
	byBulletin   map[string][]int32 // upper-case bulletin ID -> patch indexes
}

type spInfo struct {
	Level       int
	Name        string
	ReleaseDate string
}

func newBuilder(e *Engine) *builder {
	return &builder{
		e: e, regID: map[string]int32{}, templateID: map[string]int32{}, inPhaseA: map[int32]bool{},
		byKB: map[string][]int32{}, byBulletin: map[string][]int32{},
	}
}

// addIdentityFacts makes the identity values fact ids 0..numIdentity-1,
// all asked in phase (a).
func (b *builder) addIdentityFacts() {
	for _, f := range identityFacts {
		b.addPhaseA(b.reg(facts.FactRegValue, f.key, f.name))
	}
}

// addProducts prepares every product's detection rules. Registry rules are
// asked in phase (a); file rules wait for the path variables.
func (b *builder) addProducts() {
	cat := b.e.cat
	b.servicePacks = make(map[int]spInfo, len(cat.ServicePacks))
	for _, sp := range cat.ServicePacks {
		b.servicePacks[sp.ID] = spInfo{Level: sp.Level, Name: sp.Name, ReleaseDate: sp.ReleaseDate}
	}
	b.productIndex = make(map[int]int32, len(cat.Products))
	for i := range cat.Products {
		p := &cat.Products[i]
		pp := preparedProduct{ref: ProductRef{ID: p.ID, Name: p.Name}}
		if sp, ok := b.servicePacks[p.CurrentServicePackID]; ok && p.CurrentServicePackID != 0 {
			pp.currentSP, pp.currentSPName, pp.hasCurrentSP = sp.Level, sp.Name, true
			pp.currentSPReleased = sp.ReleaseDate
		}
		for j := range p.Detection {
			rule := b.rule(&p.Detection[j])
			if p.Detection[j].Kind == catalog.RuleFile {
				pp.fileRules = append(pp.fileRules, rule)
			} else {
				b.addPhaseA(rule.factID)
				pp.regRules = append(pp.regRules, rule)
			}
		}
		b.productIndex[p.ID] = int32(i)
		b.e.products = append(b.e.products, pp)
	}
}

// addPatches prepares every patch of every bulletin, in catalog order,
// decides which are reported, and indexes them by KB and bulletin for
// supersedence.
func (b *builder) addPatches() {
	e, opts := b.e, b.e.opts
	severities := map[int]string{1: "Critical", 2: "Important", 3: "Moderate", 4: "Low"}
	for _, s := range e.cat.Severities {
		severities[s.ID] = s.Name
	}
	e.sevNames = severities
	suppress := normSet(opts.Suppress)
	var approved map[string]bool
	if opts.Approved != nil {
		approved = normSet(opts.Approved)
	}
	for bi := range e.cat.Bulletins {
		bl := &e.cat.Bulletins[bi]
		bid := strings.ToUpper(strings.TrimSpace(bl.ID))
		for pi := range bl.Patches {
			p := &bl.Patches[pi]
			kb := normKB(p.SQNumber)
			pp := b.patch(bl, p)
			pp.severity = severities[p.SeverityID]
			pp.reported = (!opts.Baseline || bl.Baseline) &&
				!suppress[bid] && !(kb != "" && suppress[kb]) &&
				(approved == nil || (kb != "" && approved[kb]))
			idx := b.appendPatch(pp)
			if kb != "" {
				b.byKB[kb] = append(b.byKB[kb], idx)
			}
			b.byBulletin[bid] = append(b.byBulletin[bid], idx)
		}
	}
}

// patch prepares one patch's affected products and checks.
func (b *builder) patch(bl *catalog.Bulletin, p *catalog.Patch) preparedPatch {
	pp := preparedPatch{bulletin: bl, patch: p, label: strings.TrimSpace(bl.ID + " " + p.SQNumber)}
	for _, a := range p.Affected {
		if ap, ok := b.affected(a); ok {
			pp.affected = append(pp.affected, ap)
		}
	}
	for j := range p.RegChecks {
		pp.regChecks = append(pp.regChecks, b.rule(&p.RegChecks[j]))
	}
	for j := range p.FileChecks {
		pp.fileChecks = append(pp.fileChecks, b.fileCheck(&p.FileChecks[j]))
	}
	prepareFixedBuild(&pp, p)
	pp.note = strings.TrimSpace(p.Note)
	return pp
}

// affected resolves an AffectedProduct's IDs into a product index and
// service pack levels. An unknown product is left out (the loader rejects
// these; a hand-built catalog just never matches).
func (b *builder) affected(a catalog.AffectedProduct) (affectedProduct, bool) {
	pi, ok := b.productIndex[a.ProductID]
	if !ok {
		return affectedProduct{}, false
	}
	ap := affectedProduct{product: pi, fixedInSP: a.FixedInSP}
	if len(a.ServicePackIDs) > 0 {
		ap.spLevels = make([]int, 0, len(a.ServicePackIDs))
		for _, id := range a.ServicePackIDs {
			if sp, ok := b.servicePacks[id]; ok {
				ap.spLevels = append(ap.spLevels, sp.Level)
			} else {
				ap.spLevels = append(ap.spLevels, -1) // unknown SP: matches no host
			}
		}
	}
	return ap, true
}

func (b *builder) fileCheck(fc *catalog.FileCheck) preparedFileCheck {
	pf := preparedFileCheck{
		check: fc, wantVersion: fc.Version.String(), templateID: b.template(fc.Path),
		sha256: strings.ToLower(strings.TrimSpace(fc.SHA256)),
	}
	if l := strings.TrimSpace(fc.Language); l != "" {
		n, err := strconv.ParseUint(l, 10, 32)
		if err != nil || n == 0 {
			pf.languageInvalid = true
		}
		pf.language = uint32(n)
	}
	return pf
}

// appendPatch stores a prepared patch and registers its checksummed files
// with their templates (product detection asks for a hash up front exactly
// when a patch check will verify it).
func (b *builder) appendPatch(pp preparedPatch) int32 {
	e := b.e
	idx := int32(len(e.patches))
	e.patches = append(e.patches, pp)
	for j := range e.patches[idx].fileChecks {
		if fc := &e.patches[idx].fileChecks[j]; fc.sha256 != "" {
			e.templates[fc.templateID].shaChecks = append(e.templates[fc.templateID].shaChecks, fc)
		}
	}
	return idx
}

// linkSupersedence resolves SupersededBy references into edges. An unknown
// target is simply no edge: supersedence can only ever turn "missing" into
// "superseded" on evidence of an installed patch the catalog can check.
func (b *builder) linkSupersedence() {
	e := b.e
	for i := range e.patches {
		pp := &e.patches[i]
		for _, s := range pp.patch.SupersededBy {
			kb := normKB(s.SQNumber)
			bid := strings.ToUpper(strings.TrimSpace(s.BulletinID))
			var candidates []int32
			if kb != "" {
				candidates = b.byKB[kb]
			} else if bid != "" {
				candidates = b.byBulletin[bid]
			}
			for _, c := range candidates {
				if c == int32(i) {
					continue
				}
				if bid != "" && !strings.EqualFold(strings.TrimSpace(e.patches[c].bulletin.ID), bid) {
					continue
				}
				pp.supersededBy = appendUnique(pp.supersededBy, c)
			}
		}
	}
}

// selectEvaluated picks the patches evaluated on each host: the reported
// ones plus every patch that transitively supersedes one of them or stands
// in for one as an alternative (so a baseline or approved-only scan still
// sees that a later, unreported update, or a hotpatch, is installed).
// Visited marks make cycles harmless.
func (b *builder) selectEvaluated() {
	e := b.e
	need := make([]bool, len(e.patches))
	var stack []int32
	for i := range e.patches {
		if e.patches[i].reported {
			need[i] = true
			stack = append(stack, int32(i))
		}
	}
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, list := range [2][]int32{e.patches[i].supersededBy, e.patches[i].alternatives} {
			for _, s := range list {
				if !need[s] {
					need[s] = true
					stack = append(stack, s)
				}
			}
		}
	}
	e.evalPos = make([]int32, len(e.patches))
	for i, n := range need {
		e.evalPos[i] = -1
		if n {
			e.evalPos[i] = int32(len(e.eval))
			e.eval = append(e.eval, int32(i))
		}
	}
}

func appendUnique(s []int32, x int32) []int32 {
	for _, y := range s {
		if y == x {
			return s
		}
	}
	return append(s, x)
}

// normKB normalizes a KB number: upper case, "4012212" → "KB4012212".
func normKB(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	if s == "" {
		return ""
	}
	if s[0] >= '0' && s[0] <= '9' {
		return "KB" + s
	}
	return s
}

func normSet(list []string) map[string]bool {
	m := make(map[string]bool, len(list))
	for _, s := range list {
		if k := normKB(s); k != "" {
			m[k] = true
		}
	}
	return m
}
