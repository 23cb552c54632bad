// Package detect is the detection engine: it turns facts read from one host
// (registry values, key existence, file versions and checksums) into
// MBSA-style verdicts for every patch of a catalog.
//
// The engine is pure logic over the Host interface. New does all the work
// that depends only on the catalog (deduplicating facts, parsing paths,
// resolving supersedence, applying Baseline/Suppress/Approved), so Scan is
// cheap per host. A scan asks the host in at most three batches:
//
//	(a) identity values (OS version, build and UBR, edition, installation
//	    type, architecture, service pack, language, directories) and every
//	    registry-only product detection rule;
//	(b) file-based product detection rules (their paths need the directories
//	    learned in (a)); skipped when no present-looking product has one;
//	(c) the registry and file checks of every applicable patch.
//
// Each distinct fact is asked once per host (registry keys and paths compare
// case-insensitively). An Engine is safe for concurrent Scans.
//
// Verdicts follow MBSA (docs/mbsa-semantics.md says what patchscan keeps of
// it and why); the choices MBSA left open are made here:
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
//   - Format v2 (docs/catalog-format.md): a FixedBuild is one more check,
//     on the identity values CurrentBuildNumber and UBR (no fact of its
//     own): installed at that build with a UBR at least the FixedBuild's,
//     missing below it, error when either value is unreadable, and a note
//     ("cannot be confirmed") on a host of another build. A Cumulative file
//     check holds for any later version of the same servicing branch (the
//     same first three parts); a later version of another branch stays
//     MBSA's warning. An IfExists file check (mssecure.xml's command e)
//     passes when the file is absent and judges a present one as usual.
//     A patch with a catalog Note is a note with that text,
//     its checks not asked. Precedence: missing, error, note (other
//     build), warning, installed.
//   - Alternatives: an applicable patch that is not installed counts as
//     installed when an alternative of its bulletin (a hotpatch) is
//     installed by its own checks; Result.Via names it.
//   - "superseded": a missing or warning patch with an installed patch
//     among its transitive SupersededBy targets (matched by KB, else by
//     bulletin). Superseding patches are evaluated even when Baseline,
//     Suppress or Approved leave them out of the report.
//   - "note": no RegChecks and no FileChecks; or, among patches of one
//     bulletin applying to the same product, a missing one next to one that
//     is installed or superseded, unless the missing one has a FixedBuild
//     (a build below it lacks the fix: that verdict is exact).
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
//
// Where things are: engine.go (Options, Engine, New), build.go (the steps of
// New), prepared.go (the catalog as the engine holds it), factindex.go (fact
// deduplication), rules.go (rule preparation), checksums.go (when a checksum
// applies), scan.go (one host's scan and its batches), identity.go (OS and
// path variables), products.go (product detection), applicability.go,
// registry.go, files.go and fixedbuild.go (evaluating checks), verdicts.go
// (a patch's verdict, supersedence, disagreeing patches), alternatives.go,
// cves.go (the CVEs open on a host), render.go (Results).
package detect

import (
	"github.com/patchscan/patchscan/catalog"
	"github.com/patchscan/patchscan/facts"
)

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

	products []preparedProduct
	patches  []preparedPatch // every catalog patch, in catalog order
	cves     []cveInfo       // every CVE the patches list, by CVE id
	sevNames map[int]string  // MSSeverityID -> name
	eval     []int32         // patches evaluated on each host, in catalog order
	evalPos  []int32         // patch index -> position in eval, -1 if not evaluated
}

// New prepares a catalog for scanning. It never fails: catalog problems the
// loader would have rejected (a bad version, regexp or number in a rule
// built by hand) make that rule evaluate to false, with the reason in the
// check, rather than stopping a scan of 10,000 hosts.
func New(cat *catalog.Catalog, opts Options) *Engine {
	if cat == nil {
		cat = &catalog.Catalog{}
	}
	b := newBuilder(&Engine{cat: cat, opts: opts})
	b.addIdentityFacts()
	b.addProducts()
	b.addPatches()
	b.linkSupersedence()
	b.linkAlternatives()
	b.indexCVEs()
	b.selectEvaluated()
	return b.e
}
