package detect

import (
	"regexp"

	"github.com/patchscan/patchscan/catalog"
	"github.com/patchscan/patchscan/internal/version"
)

// The catalog as the engine holds it: New resolves every catalog ID into an
// index, every path into a template and every rule's operand into its
// parsed form once, so a host's scan only compares.

// preparedProduct is a catalog product with its detection rules.
type preparedProduct struct {
	ref ProductRef
	// The detection rules, registry and file ones apart (in catalog order
	// within each): registry rules are evaluated after batch (a), file
	// rules need batch (b).
	regRules      []preparedRule
	fileRules     []preparedRule
	currentSP     int    // level of CurrentServicePackID
	currentSPName string // its name, for the missing service-pack result
	hasCurrentSP  bool   // CurrentServicePackID names a known service pack
	// currentSPReleased is its ReleaseDate, for the result's due date.
	currentSPReleased string
}

// preparedRule is a catalog rule (a product detection rule or a patch's
// registry check) ready to be evaluated.
type preparedRule struct {
	rule       *catalog.Rule
	factID     int32 // registry fact id (registry rules), else -1
	templateID int32 // path template id (file rules), else -1
	version    version.Version
	versionErr string // the rule's version operand is unusable: why
	number     uint64
	numberErr  string
	regexp     *regexp.Regexp
	regexpErr  string
	value      string // Value, trimmed, for equals/not-equals
	display    string // registry path as shown in checks: Key\Name, or the file path template
	expected   string // Check.Expected: "equals 1", "exists", ...
}

// preparedPatch is one catalog patch with everything its verdict needs.
type preparedPatch struct {
	bulletin     *catalog.Bulletin
	patch        *catalog.Patch
	affected     []affectedProduct
	regChecks    []preparedRule
	fileChecks   []preparedFileCheck
	supersededBy []int32 // patches that directly supersede this one
	reported     bool    // Baseline, Suppress and Approved let it into reports
	severity     string
	label        string // "MS17-010 KB4012212", for supersedence messages

	// Format v2 (see fixedbuild.go, alternatives.go, cves.go).
	fixedBuild    version.Version // FixedBuild; Len() == 0: none
	fixedBuildErr string          // FixedBuild is set but unusable: why
	alternatives  []int32         // patches of the same bulletin that stand in for this one
	cves          []int32         // CVE ids (Engine.cves) this patch fixes
	note          string          // the catalog's Note: the source cannot decide this patch
}

// hasCriteria says whether the patch can be checked at all: MBSA's first
// kind of note is a patch with nothing to check.
func (pp *preparedPatch) hasCriteria() bool {
	return len(pp.regChecks) > 0 || len(pp.fileChecks) > 0 || pp.fixedBuild.Len() > 0 || pp.fixedBuildErr != ""
}

// affectedProduct is one AffectedProduct of a patch: the product (an index
// into Engine.products) and the service pack levels it applies at.
type affectedProduct struct {
	product   int32
	fixedInSP int   // FixedInSP level (0 = none)
	spLevels  []int // AffectedServicePack levels; nil = any
}

// preparedFileCheck is a patch's FileCheck with its path template and the
// checksum's language.
type preparedFileCheck struct {
	check       *catalog.FileCheck
	wantVersion string // check.Version rendered once
	templateID  int32
	sha256      string // lower-case expected digest, "" = none
	language    uint32 // LCID the checksum belongs to; 0 = any language
	// languageInvalid: Language is set but is not a decimal LCID; such a
	// checksum never applies in auto mode.
	languageInvalid bool
}
