// Package detect is the detection engine: it turns facts read from one host
// (registry values, key existence, file versions and checksums) into
// MBSA-style verdicts for every patch of a catalog.
//
// The engine is pure logic over the Host interface. New does all the work
// that depends only on the catalog (deduplicating facts, parsing paths,
// resolving supersedence, applying Baseline/Suppress/Approved), so Scan is
// cheap per host. A scan asks the host in at most three batches:
//
//	(a) identity values (OS version, service pack, language, directories) and
//	    every registry-only product detection rule;
//	(b) file-based product detection rules (their paths need the directories
//	    learned in (a)); skipped when no present-looking product has one;
//	(c) the registry and file checks of every applicable patch.
//
// Each distinct fact is asked once per host (registry keys and paths compare
// case-insensitively). An Engine is safe for concurrent Scans.
//
// Verdicts follow MBSA (see ../shared/MBSA-NOTES.md); the choices the notes
// leave open are made here:
//
//   - A product is present when every detection rule holds. A rule on a
//     value that doesn't exist fails, whatever the operator (not-equals
//     too), so a host missing identity values simply matches fewer
//     products. One failing rule makes the product absent even when
//     another rule could not be read; otherwise an unreadable rule makes
//     the product unknown, and its patches "error".
//   - A patch applies through the first present product whose service pack
//     fits: not at or past FixedInSP (when > 0) and among the
//     AffectedServicePack levels (when given). The host's level comes from
//     CSDVersion; if CSDVersion can't be read, patches that depend on the
//     level are "error".
//   - Checks: any failing check makes the patch "missing" (even if another
//     was unreadable); otherwise an unreadable one makes it "error";
//     otherwise a newer file makes it "warning"; otherwise "installed". A
//     file that doesn't exist fails. A file without a version resource, or
//     with an unparseable one, is unreadable (never missing).
//   - "superseded": a missing or warning patch with an installed patch
//     among its transitive SupersededBy targets (matched by KB, else by
//     bulletin). Superseding patches are evaluated even when Baseline,
//     Suppress or Approved leave them out of the report.
//   - "note": no RegChecks and no FileChecks; or, among patches of one
//     bulletin applying to the same product, a missing one next to one that
//     is installed or superseded.
//   - A present product whose service pack level is below its
//     CurrentServicePackID's gives a separate "missing" service-pack result.
//   - Path variables come from the host's registry (SystemRoot,
//     ProgramFilesDir, ...; %SystemDrive% is SystemRoot's drive). A value
//     that is absent, unreadable or not an absolute drive path leaves the
//     variable unresolved, and checks under it are "error", never a guess.
//
// Results are ordered: missing service packs (catalog product order), then
// patches in catalog order. Reasons slices may be shared between results of
// different hosts: treat a Report as read-only.
package detect

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/patchscan/patchscan/catalog"
	"github.com/patchscan/patchscan/facts"
	"github.com/patchscan/patchscan/internal/version"
)

// ChecksumMode says when FileCheck checksums are verified (--checksums).
type ChecksumMode uint8

const (
	// ChecksumAuto verifies a FileCheck's SHA256 only where the checksum
	// applies to the host: when the FileCheck's Language is empty (the
	// catalog says the file is language-neutral, e.g. a driver) or equals
	// the host's install language (decimal LCID). A host whose install
	// language can't be read only gets language-neutral checksums
	// verified. This is MBSA's behaviour and avoids its complaint of false
	// "invalid checksum" results on non-English hosts.
	ChecksumAuto ChecksumMode = iota
	// ChecksumOn verifies every FileCheck that has a SHA256 (MBSA's /sum).
	ChecksumOn
	// ChecksumOff never verifies checksums (MBSA's /nosum); files are judged
	// by version alone.
	ChecksumOff
)

// ParseChecksumMode parses a --checksums flag value: auto, on or off.
func ParseChecksumMode(s string) (ChecksumMode, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "auto", "":
		return ChecksumAuto, nil
	case "on":
		return ChecksumOn, nil
	case "off":
		return ChecksumOff, nil
	}
	return ChecksumAuto, fmt.Errorf("invalid checksum mode %q: use auto, on or off", clean(s))
}

func (m ChecksumMode) String() string {
	switch m {
	case ChecksumOn:
		return "on"
	case ChecksumOff:
		return "off"
	}
	return "auto"
}

// Set implements pflag.Value, so the mode can be a flag directly.
func (m *ChecksumMode) Set(s string) error {
	v, err := ParseChecksumMode(s)
	if err != nil {
		return err
	}
	*m = v
	return nil
}

// Type implements pflag.Value.
func (m *ChecksumMode) Type() string { return "auto|on|off" }

// Options select what a scan evaluates.
type Options struct {
	Checksums ChecksumMode
	// Baseline keeps only bulletins marked Baseline (MBSA's -b).
	Baseline bool
	// Suppress lists bulletin IDs ("MS17-010") and KB numbers ("KB4012212"
	// or "4012212") whose patches are not reported. Case-insensitive.
	Suppress []string
	// Approved, when not nil, limits the scan to patches whose KB is in the
	// list (MBSA's approved-updates mode); an empty non-nil list approves
	// nothing. nil evaluates every patch.
	Approved []string
	// SkipNotApplicable leaves not-applicable results out of reports (they
	// are the bulk of a large catalog's results on any one host).
	SkipNotApplicable bool
}

// Engine evaluates one catalog on many hosts. Build it with New.
type Engine struct {
	cat  *catalog.Catalog
	opts Options

	regFacts  []facts.Request // every distinct registry fact, by fact id
	templates []pathTemplate
	phaseA    []int32 // registry facts asked in phase (a)

	products []cproduct
	patches  []cpatch // every catalog patch, in catalog order
	eval     []int32  // patches evaluated on each host, in catalog order
	evalPos  []int32  // patch index -> position in eval, -1 if not evaluated
}

type cproduct struct {
	ref        ProductRef
	rules      []crule
	hasFile    bool
	spLevel    int // level of CurrentServicePackID
	spName     string
	hasSPLevel bool
}

// crule is a catalog rule prepared for evaluation.
type crule struct {
	r      *catalog.Rule
	fact   int32 // registry fact id (registry rules)
	tmpl   int32 // path template id (file rules)
	ver    version.Version
	verErr string
	num    uint64
	numErr string
	re     *regexp.Regexp
	reErr  string
	val    string // Value, trimmed, for equals/not-equals
	disp   string // registry path as shown in checks: Key\Name, or the file path template
	expect string // Check.Expected: "equals 1", "exists", ...
}

type cpatch struct {
	b         *catalog.Bulletin
	p         *catalog.Patch
	affected  []caffected
	regChecks []crule
	files     []cfile
	superBy   []int32 // patches that directly supersede this one
	report    bool
	severity  string
	label     string // "MS17-010 KB4012212", for supersedence messages
}

type caffected struct {
	prod     int32
	fixedIn  int   // FixedInSP level (0 = none)
	spLevels []int // AffectedServicePack levels; nil = any
}

type cfile struct {
	fc   *catalog.FileCheck
	want string // fc.Version rendered once
	tmpl int32
	sha  string // lower-case expected digest, "" = none
	lang uint32 // LCID the checksum belongs to; 0 = any language
	// langBad: Language is set but is not a decimal LCID; such a checksum
	// never applies in auto mode.
	langBad bool
}

// Identity facts: always asked in phase (a), in this order, so their fact
// ids are their indexes here.
const (
	keyNTCurrentVersion = `HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion`
	keyWinCurrentVer    = `HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion`
	keyProductOptions   = `HKLM\SYSTEM\CurrentControlSet\Control\ProductOptions`
	keyNlsLanguage      = `HKLM\SYSTEM\CurrentControlSet\Control\Nls\Language`
)

const (
	idCurrentVersion = iota
	idCurrentBuildNumber
	idCurrentBuild
	idProductName
	idCSDVersion
	idEditionID
	idUBR
	idSystemRoot
	idProgramFilesDir
	idProgramFilesDirX86
	idCommonFilesDir
	idCommonFilesDirX86
	idProductType
	idInstallLanguage
	numIdentity
)

var identityFacts = [numIdentity]struct{ key, name string }{
	idCurrentVersion:     {keyNTCurrentVersion, "CurrentVersion"},
	idCurrentBuildNumber: {keyNTCurrentVersion, "CurrentBuildNumber"},
	idCurrentBuild:       {keyNTCurrentVersion, "CurrentBuild"},
	idProductName:        {keyNTCurrentVersion, "ProductName"},
	idCSDVersion:         {keyNTCurrentVersion, "CSDVersion"},
	idEditionID:          {keyNTCurrentVersion, "EditionID"},
	idUBR:                {keyNTCurrentVersion, "UBR"},
	idSystemRoot:         {keyNTCurrentVersion, "SystemRoot"},
	idProgramFilesDir:    {keyWinCurrentVer, "ProgramFilesDir"},
	idProgramFilesDirX86: {keyWinCurrentVer, "ProgramFilesDir (x86)"},
	idCommonFilesDir:     {keyWinCurrentVer, "CommonFilesDir"},
	idCommonFilesDirX86:  {keyWinCurrentVer, "CommonFilesDir (x86)"},
	idProductType:        {keyProductOptions, "ProductType"},
	idInstallLanguage:    {keyNlsLanguage, "InstallLanguage"},
}

// builder holds the indexes only New needs.
type builder struct {
	e       *Engine
	regID   map[string]int32
	tmplID  map[string]int32
	inPhase map[int32]bool
}

// New prepares a catalog for scanning. It never fails: catalog problems the
// loader would have rejected (a bad version, regexp or number in a rule
// built by hand) make that rule evaluate to false, with the reason in the
// check, rather than stopping a scan of 10,000 hosts.
func New(cat *catalog.Catalog, opts Options) *Engine {
	if cat == nil {
		cat = &catalog.Catalog{}
	}
	e := &Engine{cat: cat, opts: opts}
	b := &builder{e: e, regID: map[string]int32{}, tmplID: map[string]int32{}, inPhase: map[int32]bool{}}

	for _, f := range identityFacts {
		id := b.reg(facts.FactRegValue, f.key, f.name)
		b.addPhaseA(id)
	}

	spLevel := make(map[int]spInfo, len(cat.ServicePacks))
	for _, sp := range cat.ServicePacks {
		spLevel[sp.ID] = spInfo{Level: sp.Level, Name: sp.Name}
	}
	prodIdx := make(map[int]int32, len(cat.Products))
	for i := range cat.Products {
		p := &cat.Products[i]
		cp := cproduct{ref: ProductRef{ID: p.ID, Name: p.Name}}
		if sp, ok := spLevel[p.CurrentServicePackID]; ok && p.CurrentServicePackID != 0 {
			cp.spLevel, cp.spName, cp.hasSPLevel = sp.Level, sp.Name, true
		}
		for j := range p.Detection {
			cr := b.rule(&p.Detection[j])
			if p.Detection[j].Kind == catalog.RuleFile {
				cp.hasFile = true
			} else {
				b.addPhaseA(cr.fact)
			}
			cp.rules = append(cp.rules, cr)
		}
		prodIdx[p.ID] = int32(i)
		e.products = append(e.products, cp)
	}

	sevName := map[int]string{1: "Critical", 2: "Important", 3: "Moderate", 4: "Low"}
	for _, s := range cat.Severities {
		sevName[s.ID] = s.Name
	}

	suppress := normSet(opts.Suppress)
	var approved map[string]bool
	if opts.Approved != nil {
		approved = normSet(opts.Approved)
	}
	byKB := map[string][]int32{}
	byBulletin := map[string][]int32{}
	for bi := range cat.Bulletins {
		bl := &cat.Bulletins[bi]
		bid := strings.ToUpper(strings.TrimSpace(bl.ID))
		for pi := range bl.Patches {
			p := &bl.Patches[pi]
			kb := normKB(p.SQNumber)
			cp := cpatch{b: bl, p: p, severity: sevName[p.SeverityID], label: strings.TrimSpace(bl.ID + " " + p.SQNumber)}
			cp.report = (!opts.Baseline || bl.Baseline) &&
				!suppress[bid] && !(kb != "" && suppress[kb]) &&
				(approved == nil || (kb != "" && approved[kb]))
			for _, a := range p.Affected {
				pi, ok := prodIdx[a.ProductID]
				if !ok {
					continue // the loader rejects these; a hand-built catalog just never matches
				}
				ca := caffected{prod: pi, fixedIn: a.FixedInSP}
				if len(a.ServicePackIDs) > 0 {
					ca.spLevels = make([]int, 0, len(a.ServicePackIDs))
					for _, id := range a.ServicePackIDs {
						if sp, ok := spLevel[id]; ok {
							ca.spLevels = append(ca.spLevels, sp.Level)
						} else {
							ca.spLevels = append(ca.spLevels, -1) // unknown SP: matches no host
						}
					}
				}
				cp.affected = append(cp.affected, ca)
			}
			for j := range p.RegChecks {
				cp.regChecks = append(cp.regChecks, b.rule(&p.RegChecks[j]))
			}
			for j := range p.FileChecks {
				fc := &p.FileChecks[j]
				cf := cfile{fc: fc, want: fc.Version.String(), tmpl: b.template(fc.Path), sha: strings.ToLower(strings.TrimSpace(fc.SHA256))}
				if l := strings.TrimSpace(fc.Language); l != "" {
					n, err := strconv.ParseUint(l, 10, 32)
					if err != nil || n == 0 {
						cf.langBad = true
					}
					cf.lang = uint32(n)
				}
				cp.files = append(cp.files, cf)
			}
			idx := int32(len(e.patches))
			e.patches = append(e.patches, cp)
			for j := range e.patches[idx].files {
				if cf := &e.patches[idx].files[j]; cf.sha != "" {
					e.templates[cf.tmpl].shaChecks = append(e.templates[cf.tmpl].shaChecks, cf)
				}
			}
			if kb != "" {
				byKB[kb] = append(byKB[kb], idx)
			}
			byBulletin[bid] = append(byBulletin[bid], idx)
		}
	}

	// Supersedence edges. An unknown target is simply no edge: supersedence
	// can only ever turn "missing" into "superseded" on evidence of an
	// installed patch the catalog can check.
	for i := range e.patches {
		cp := &e.patches[i]
		for _, s := range cp.p.SupersededBy {
			kb := normKB(s.SQNumber)
			bid := strings.ToUpper(strings.TrimSpace(s.BulletinID))
			var cands []int32
			if kb != "" {
				cands = byKB[kb]
			} else if bid != "" {
				cands = byBulletin[bid]
			}
			for _, c := range cands {
				if c == int32(i) {
					continue
				}
				if bid != "" && !strings.EqualFold(strings.TrimSpace(e.patches[c].b.ID), bid) {
					continue
				}
				cp.superBy = appendUnique(cp.superBy, c)
			}
		}
	}

	// Evaluate the reported patches plus every patch that transitively
	// supersedes one of them (so a baseline or approved-only scan still
	// sees that a later, unreported update is installed). Visited marks
	// make cycles harmless.
	need := make([]bool, len(e.patches))
	var stack []int32
	for i := range e.patches {
		if e.patches[i].report {
			need[i] = true
			stack = append(stack, int32(i))
		}
	}
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, s := range e.patches[i].superBy {
			if !need[s] {
				need[s] = true
				stack = append(stack, s)
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
	return e
}

type spInfo struct {
	Level int
	Name  string
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

// regKey normalizes a registry key for deduplication: case-insensitive,
// HKEY_LOCAL_MACHINE = HKLM, no trailing backslash.
func regKey(k string) string {
	k = strings.TrimRight(strings.TrimSpace(k), `\`)
	low := strings.ToLower(k)
	if strings.HasPrefix(low, `hkey_local_machine\`) || low == "hkey_local_machine" {
		low = "hklm" + low[len("hkey_local_machine"):]
	}
	return low
}

// canonicalKey is the key as sent to hosts: "HKLM\..." (transports expect
// the short hive name; a hand-built catalog may spell it out), no trailing
// backslash, case kept.
func canonicalKey(k string) string {
	k = strings.TrimRight(strings.TrimSpace(k), `\`)
	const long = `HKEY_LOCAL_MACHINE`
	if len(k) >= len(long) && strings.EqualFold(k[:len(long)], long) && (len(k) == len(long) || k[len(long)] == '\\') {
		k = "HKLM" + k[len(long):]
	}
	return k
}

func (b *builder) reg(kind facts.FactKind, key, name string) int32 {
	k := regKey(key)
	if kind == facts.FactRegValue {
		k = "v" + k + "\x00" + strings.ToLower(name)
	} else {
		k = "k" + k
	}
	if id, ok := b.regID[k]; ok {
		return id
	}
	id := int32(len(b.e.regFacts))
	r := facts.Request{Kind: kind, Key: canonicalKey(key)}
	if kind == facts.FactRegValue {
		r.Name = name
	}
	b.e.regFacts = append(b.e.regFacts, r)
	b.regID[k] = id
	return id
}

func (b *builder) addPhaseA(id int32) {
	if !b.inPhase[id] {
		b.inPhase[id] = true
		b.e.phaseA = append(b.e.phaseA, id)
	}
}

func (b *builder) template(path string) int32 {
	k := strings.ToLower(strings.TrimSpace(path))
	if id, ok := b.tmplID[k]; ok {
		return id
	}
	id := int32(len(b.e.templates))
	b.e.templates = append(b.e.templates, parseTemplate(strings.TrimSpace(path)))
	b.tmplID[k] = id
	return id
}

func (b *builder) rule(r *catalog.Rule) crule {
	cr := crule{r: r, fact: -1, tmpl: -1, expect: string(r.Op), val: strings.TrimSpace(r.Value)}
	if r.Op != catalog.OpExists && r.Op != catalog.OpAbsent {
		cr.expect += " " + r.Value
	}
	switch r.Kind {
	case catalog.RuleRegValue:
		cr.fact = b.reg(facts.FactRegValue, r.Key, r.Name)
		name := r.Name
		if name == "" {
			name = "(Default)"
		}
		cr.disp = strings.TrimRight(r.Key, `\`) + `\` + name
	case catalog.RuleRegKey:
		cr.fact = b.reg(facts.FactRegKey, r.Key, "")
		cr.disp = r.Key
	case catalog.RuleFile:
		cr.tmpl = b.template(r.Path)
		cr.disp = r.Path
	}
	switch r.Op {
	case catalog.OpVersionGE, catalog.OpVersionLT:
		// The loader has parsed Value into Version; a hand-built rule may
		// only carry Value (or only Version).
		switch v, err := version.Parse(r.Value); {
		case err == nil:
			cr.ver = v
		case strings.TrimSpace(r.Value) == "" && r.Version != (version.Version{}):
			cr.ver = r.Version
		default:
			cr.verErr = fmt.Sprintf("the catalog's version %q is invalid: %v", clean(r.Value), err)
		}
	case catalog.OpNumberGE, catalog.OpNumberLE:
		s := strings.TrimSpace(r.Value)
		var n uint64
		var err error
		if len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X") {
			n, err = strconv.ParseUint(s[2:], 16, 64)
		} else {
			n, err = strconv.ParseUint(s, 10, 64)
		}
		if err != nil {
			cr.numErr = fmt.Sprintf("the catalog's number %q is invalid", clean(r.Value))
		}
		cr.num = n
	case catalog.OpMatches:
		if r.Regexp != nil {
			cr.re = r.Regexp
		} else if re, err := regexp.Compile(r.Value); err == nil {
			cr.re = re
		} else {
			cr.reErr = fmt.Sprintf("the catalog's regular expression %q is invalid", clean(r.Value))
		}
	}
	return cr
}
