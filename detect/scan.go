package detect

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/patchscan/patchscan/catalog"
	"github.com/patchscan/patchscan/facts"
	"github.com/patchscan/patchscan/internal/version"
)

// scanner is the state of one Scan: the facts asked so far and their
// answers. reqs[i] was answered by ans[i]; requests past len(ans) are the
// batch being built.
type scanner struct {
	e       *Engine
	h       facts.Host
	reqs    []facts.Request
	ans     []facts.Answer
	regSlot []int32          // registry fact id -> 1+index in reqs; 0 = not asked
	fileIdx map[string]int32 // lower-case resolved path -> 1+index in reqs
	tmpl    map[int32]resolved
	fvers   map[int32]fileVersion // by slot
	texts   map[int32][]string    // decoded registry values, by slot
	batches int

	vars     hostVars
	lang     uint32 // host install language LCID; 0 = unknown
	sp       int    // host service pack level
	spKnown  bool
	spErr    string
	products []prodState
}

type resolved struct {
	path string
	err  string
	slot int32 // 1+index in reqs of the file fact last asked for it
}

// fileVersion is a file answer's version, parsed once per scan however
// many checks look at the file.
type fileVersion struct {
	v   version.Version
	err error
}

type prodStatus uint8

const (
	prodPresent prodStatus = iota
	prodAbsent
	prodUnknown
)

type prodState struct {
	st  prodStatus
	why string // prodUnknown: which fact could not be read
}

// patchState is the verdict being built for one evaluated patch.
type patchState struct {
	status  Status
	prod    int32 // the applicable product, -1 when none
	reasons []string
	checks  []Check
	superBy string
	checked bool // applicable with checks: evaluated after batch (c)
}

// Scan evaluates the catalog on one host. Facts the host can't read become
// error verdicts; only a host-level failure (the Host's own error, a broken
// answer count, a cancelled context) fails the scan.
func (e *Engine) Scan(ctx context.Context, h facts.Host) (*Report, error) {
	s := &scanner{
		e:       e,
		h:       h,
		reqs:    make([]facts.Request, 0, len(e.phaseA)+16),
		regSlot: make([]int32, len(e.regFacts)),
		tmpl:    make(map[int32]resolved),
		fileIdx: make(map[string]int32),
	}

	// (a) identity and registry-only product detection.
	for _, id := range e.phaseA {
		s.wantReg(id)
	}
	if err := s.run(ctx); err != nil {
		return nil, err
	}
	rep := &Report{}
	s.identity(&rep.OS)

	// (b) file-based product detection.
	s.detectRegistry()
	if err := s.run(ctx); err != nil {
		return nil, err
	}
	s.detectFiles()
	for i := range e.products {
		if s.products[i].st == prodPresent {
			rep.Products = append(rep.Products, e.products[i].ref)
		}
	}

	// (c) the checks of every applicable patch.
	ps := make([]patchState, len(e.eval))
	for k, pi := range e.eval {
		s.applicable(&e.patches[pi], &ps[k])
	}
	if err := s.run(ctx); err != nil {
		return nil, err
	}
	for k, pi := range e.eval {
		if ps[k].checked {
			s.evaluate(&e.patches[pi], &ps[k])
		}
	}
	s.supersede(ps)
	s.disagree(ps)

	rep.Results = s.results(ps)
	rep.Facts = len(s.reqs)
	rep.Batches = s.batches
	return rep, nil
}

// run sends the pending batch, if any, in one Host.Facts call.
func (s *scanner) run(ctx context.Context) error {
	batch := s.reqs[len(s.ans):]
	if len(batch) == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	ans, err := s.h.Facts(ctx, batch)
	s.batches++
	if err != nil {
		return err
	}
	if len(ans) != len(batch) {
		return fmt.Errorf("the host answered %d of %d fact requests: the transport returned a broken reply", len(ans), len(batch))
	}
	s.ans = append(s.ans, ans...)
	return nil
}

func (s *scanner) wantReg(id int32) {
	if s.regSlot[id] == 0 {
		s.reqs = append(s.reqs, s.e.regFacts[id])
		s.regSlot[id] = int32(len(s.reqs))
	}
}

func (s *scanner) regAnswer(id int32) *facts.Answer { return &s.ans[s.regSlot[id]-1] }

// wantFile asks for a file once per scan. A file first asked without its
// checksum and then needed with it is asked again only if the first request
// has already been sent (New asks for checksums early wherever a template
// has one, so this is rare).
func (s *scanner) wantFile(path string, sha bool) int32 {
	key := strings.ToLower(path)
	if slot, ok := s.fileIdx[key]; ok {
		r := &s.reqs[slot-1]
		if !sha || r.SHA256 {
			return slot
		}
		if int(slot-1) >= len(s.ans) {
			r.SHA256 = true // still pending: upgrade in place
			return slot
		}
	}
	s.reqs = append(s.reqs, facts.Request{Kind: facts.FactFile, Path: path, SHA256: sha})
	slot := int32(len(s.reqs))
	s.fileIdx[key] = slot
	return slot
}

// wantTemplate asks for the file a template resolves to; false when it
// can't be resolved on this host.
func (s *scanner) wantTemplate(t int32, sha bool) bool {
	r := s.resolve(t)
	if r.err != "" {
		return false
	}
	r.slot = s.wantFile(r.path, sha)
	s.tmpl[t] = r
	return true
}

// parsedVersion parses a file answer's version once per scan.
func (s *scanner) parsedVersion(slot int32, raw string) (version.Version, error) {
	if fv, ok := s.fvers[slot]; ok {
		return fv.v, fv.err
	}
	if s.fvers == nil {
		s.fvers = make(map[int32]fileVersion)
	}
	v, err := version.Parse(raw)
	s.fvers[slot] = fileVersion{v: v, err: err}
	return v, err
}

func (s *scanner) resolve(t int32) resolved {
	if r, ok := s.tmpl[t]; ok {
		return r
	}
	p, err := s.e.templates[t].resolve(&s.vars)
	r := resolved{path: p, err: err}
	s.tmpl[t] = r
	return r
}

// fileAnswer is the answer for the file a template resolved to (after
// wantTemplate and the batch that carried it).
func (s *scanner) fileAnswer(t int32) (*facts.Answer, *facts.Request, int32) {
	slot := s.tmpl[t].slot
	return &s.ans[slot-1], &s.reqs[slot-1], slot
}

// identityString returns an identity value as text: found only when the
// value exists and holds a string or number.
func (s *scanner) identityString(id int) (string, bool, error) {
	a := s.regAnswer(int32(id))
	if a.Err != nil {
		return "", false, a.Err
	}
	if !a.Found {
		return "", false, nil
	}
	return a.Value.Text(), true, nil
}

// identity fills the OS description and the host's path variables. Any
// value may be missing (Samba serves little more than CurrentVersion and
// SystemRoot): that only leaves fields empty.
func (s *scanner) identity(os *OS) {
	str := func(id int) string {
		v, _, _ := s.identityString(id)
		return clean(strings.TrimSpace(v))
	}
	os.Version = str(idCurrentVersion)
	os.Build = str(idCurrentBuildNumber)
	if os.Build == "" {
		os.Build = str(idCurrentBuild)
	}
	os.Product = str(idProductName)
	os.EditionID = str(idEditionID)
	os.ProductType = str(idProductType)
	if a := s.regAnswer(idUBR); a.Err == nil && a.Found {
		if n, ok := a.Value.Uint(); ok {
			os.UBR = strconv.FormatUint(n, 10)
		}
	}

	csd, _, err := s.identityString(idCSDVersion)
	s.spKnown = err == nil
	if err != nil {
		s.spErr = fmt.Sprintf("cannot tell the service pack level: CSDVersion (%s) could not be read: %s", keyNTCurrentVersion, clean(err.Error()))
	}
	os.CSDVersion = clean(strings.TrimSpace(csd))
	s.sp = spLevel(csd)
	os.ServicePack = s.sp

	if v, ok, _ := s.identityString(idInstallLanguage); ok {
		if n, err := strconv.ParseUint(strings.TrimSpace(v), 16, 32); err == nil && n != 0 {
			s.lang = uint32(n)
			os.Language = strconv.FormatUint(n, 10)
		}
	}

	root, found, err := s.identityString(idSystemRoot)
	s.vars.setDir(varSystemRoot, root, found, err)
	if s.vars.err[varSystemRoot] == "" {
		s.vars.val[varSystemDrive] = s.vars.val[varSystemRoot][:2]
	} else {
		s.vars.setDir(varSystemDrive, root, found, err)
	}
	for _, d := range [...]struct {
		id int
		v  pathVar
	}{
		{idProgramFilesDir, varProgramFiles},
		{idProgramFilesDirX86, varProgramFilesX86},
		{idCommonFilesDir, varCommonFiles},
		{idCommonFilesDirX86, varCommonFilesX86},
	} {
		val, found, err := s.identityString(d.id)
		s.vars.setDir(d.v, expandInValue(val, &s.vars), found, err)
	}
	os.SystemRoot = s.vars.val[varSystemRoot]
	os.ProgramFiles = s.vars.val[varProgramFiles]
}

// spLevel parses CSDVersion: "Service Pack 3" (also "Service Pack 1, v.7601")
// gives 3; absent or anything else gives 0.
func spLevel(csd string) int {
	const p = "service pack"
	low := strings.ToLower(strings.TrimSpace(csd))
	i := strings.Index(low, p)
	if i < 0 {
		return 0
	}
	rest := strings.TrimSpace(low[i+len(p):])
	n := 0
	for j := 0; j < len(rest) && j < 3 && rest[j] >= '0' && rest[j] <= '9'; j++ {
		n = n*10 + int(rest[j]-'0')
	}
	return n
}

// detectRegistry evaluates the registry rules of every product and queues
// the file facts of products that still look present.
func (s *scanner) detectRegistry() {
	s.products = make([]prodState, len(s.e.products))
	for i := range s.e.products {
		p := &s.e.products[i]
		st := &s.products[i]
		for j := range p.rules {
			cr := &p.rules[j]
			if cr.r.Kind == catalog.RuleFile {
				continue
			}
			res, _, why := s.evalReg(cr, false)
			s.fold(st, res, why)
		}
		if st.st == prodAbsent || !p.hasFile {
			continue
		}
		for j := range p.rules {
			cr := &p.rules[j]
			if cr.r.Kind != catalog.RuleFile {
				continue
			}
			if !s.wantTemplate(cr.tmpl, s.templateChecksum(cr.tmpl)) {
				s.fold(st, CheckUnreadable, s.resolve(cr.tmpl).err)
			}
		}
	}
}

func (s *scanner) detectFiles() {
	for i := range s.e.products {
		p := &s.e.products[i]
		st := &s.products[i]
		if st.st == prodAbsent || !p.hasFile {
			continue
		}
		for j := range p.rules {
			cr := &p.rules[j]
			if cr.r.Kind != catalog.RuleFile {
				continue
			}
			r := s.resolve(cr.tmpl)
			if r.err != "" {
				continue // already folded in detectRegistry
			}
			res, _, why := s.evalFileRule(cr, r)
			s.fold(st, res, why)
		}
	}
}

// fold combines a detection rule's outcome into the product's state: every
// rule must hold, one failing rule makes it absent whatever else could not
// be read, and an unreadable rule otherwise leaves it unknown.
func (s *scanner) fold(st *prodState, res CheckResult, why string) {
	switch {
	case res == CheckPass || st.st == prodAbsent:
	case res == CheckUnreadable:
		if st.st == prodPresent {
			st.st, st.why = prodUnknown, why
		}
	default:
		st.st, st.why = prodAbsent, ""
	}
}

var (
	reasonNoProduct  = []string{"No product affected by this patch was detected on this host."}
	reasonNoCriteria = "The patch cannot be confirmed: the catalog gives no registry or file checks for it."
)

// applicable decides whether a patch applies to the host and, if so, queues
// the facts its checks need.
func (s *scanner) applicable(cp *cpatch, st *patchState) {
	st.prod = -1
	var naWhy, errWhy string
	for _, a := range cp.affected {
		ps := &s.products[a.prod]
		name := s.e.products[a.prod].ref.Name
		switch ps.st {
		case prodAbsent:
			continue
		case prodUnknown:
			if errWhy == "" {
				errWhy = fmt.Sprintf("Cannot tell whether %s is installed: %s", name, ps.why)
			}
			continue
		}
		if (a.fixedIn > 0 || a.spLevels != nil) && !s.spKnown {
			if errWhy == "" {
				errWhy = "Cannot tell whether the patch applies to " + name + ": " + s.spErr
			}
			continue
		}
		if a.fixedIn > 0 && s.sp >= a.fixedIn {
			if naWhy == "" {
				naWhy = fmt.Sprintf("%s is at service pack level %d, which includes this fix (fixed in service pack level %d).", name, s.sp, a.fixedIn)
			}
			continue
		}
		if a.spLevels != nil && !containsInt(a.spLevels, s.sp) {
			if naWhy == "" {
				naWhy = fmt.Sprintf("The patch applies to %s only at service pack level(s) %s; this host is at level %d.", name, levels(a.spLevels), s.sp)
			}
			continue
		}
		st.prod = a.prod
		break
	}
	switch {
	case st.prod >= 0:
	case errWhy != "":
		st.status, st.reasons = StatusError, []string{errWhy}
		return
	case naWhy != "":
		st.status, st.reasons = StatusNotApplicable, []string{naWhy}
		return
	default:
		st.status, st.reasons = StatusNotApplicable, reasonNoProduct
		return
	}
	if len(cp.regChecks) == 0 && len(cp.files) == 0 {
		st.status, st.reasons = StatusNote, []string{reasonNoCriteria}
		return
	}
	st.checked = true
	for j := range cp.regChecks {
		s.wantReg(cp.regChecks[j].fact)
	}
	for j := range cp.files {
		cf := &cp.files[j]
		s.wantTemplate(cf.tmpl, s.checksum(cf))
	}
}

func containsInt(s []int, x int) bool {
	for _, y := range s {
		if y == x {
			return true
		}
	}
	return false
}

func levels(s []int) string {
	parts := make([]string, 0, len(s))
	for _, l := range s {
		if l >= 0 {
			parts = append(parts, strconv.Itoa(l))
		}
	}
	if len(parts) == 0 {
		return "(none known to the catalog)"
	}
	return strings.Join(parts, ", ")
}

// templateChecksum says whether any checksum on this path will be
// verified on this host.
func (s *scanner) templateChecksum(t int32) bool {
	for _, cf := range s.e.templates[t].shaChecks {
		if s.checksum(cf) {
			return true
		}
	}
	return false
}

// checksum says whether a FileCheck's checksum is verified on this host
// (see ChecksumMode).
func (s *scanner) checksum(cf *cfile) bool {
	if cf.sha == "" {
		return false
	}
	switch s.e.opts.Checksums {
	case ChecksumOn:
		return true
	case ChecksumOff:
		return false
	}
	if cf.langBad {
		return false
	}
	return cf.lang == 0 || (s.lang != 0 && cf.lang == s.lang)
}

// evaluate runs an applicable patch's checks: any failing check makes it
// missing; otherwise an unreadable one makes it an error (never missing);
// otherwise a newer file makes it a warning; otherwise it is installed.
func (s *scanner) evaluate(cp *cpatch, st *patchState) {
	st.checks = make([]Check, 0, len(cp.regChecks)+len(cp.files))
	var fail, unreadable, newer bool
	note := func(res CheckResult, why string) {
		switch res {
		case CheckFail:
			fail = true
		case CheckUnreadable:
			unreadable = true
		case CheckNewer:
			newer = true
		}
		if why != "" {
			st.reasons = append(st.reasons, why)
		}
	}
	for j := range cp.regChecks {
		cr := &cp.regChecks[j]
		res, found, why := s.evalReg(cr, true)
		st.checks = append(st.checks, Check{Kind: CheckRegistry, Path: cr.disp, Expected: cr.expect, Found: found, Result: res})
		note(res, why)
	}
	for j := range cp.files {
		c, why := s.evalFileCheck(&cp.files[j])
		st.checks = append(st.checks, c)
		note(c.Result, why)
	}
	switch {
	case fail:
		st.status = StatusMissing
	case unreadable:
		st.status = StatusError
	case newer:
		st.status = StatusWarning
	default:
		st.status = StatusInstalled
	}
}

// supersede turns a missing patch into superseded when a patch that
// supersedes it, directly or through a chain, is installed. A warning (a
// file newer than the patch expects) is resolved the same way: the
// installed superseding patch explains the newer file, and reporting it as
// "cannot be confirmed" is exactly the noise MBSA users complained about.
// Marks make cycles in a (hand-built) catalog harmless.
func (s *scanner) supersede(ps []patchState) {
	var mark []int32 // mark[pos] == k+1: visited while resolving ps[k]
	var queue []int32
	for k, pi := range s.e.eval {
		if (ps[k].status != StatusMissing && ps[k].status != StatusWarning) || len(s.e.patches[pi].superBy) == 0 {
			continue
		}
		if mark == nil {
			mark = make([]int32, len(ps))
		}
		stamp := int32(k + 1)
		mark[k] = stamp
		queue = append(queue[:0], s.e.patches[pi].superBy...)
		for len(queue) > 0 {
			q := queue[0]
			queue = queue[1:]
			pos := s.e.evalPos[q]
			if pos < 0 || mark[pos] == stamp {
				continue
			}
			mark[pos] = stamp
			if ps[pos].status == StatusInstalled {
				ps[k].status = StatusSuperseded
				ps[k].superBy = s.e.patches[q].label
				ps[k].reasons = append(ps[k].reasons, "Superseded by "+s.e.patches[q].label+", which is installed.")
				break
			}
			queue = append(queue, s.e.patches[q].superBy...)
		}
	}
}

// disagree implements MBSA's second kind of note: when several patches of
// one bulletin apply to the same product and one is installed (or
// superseded) while another is missing, the missing ones can't be
// confirmed either way.
func (s *scanner) disagree(ps []patchState) {
	ev := s.e.eval
	for i := 0; i < len(ev); {
		j := i + 1
		for j < len(ev) && s.e.patches[ev[j]].b == s.e.patches[ev[i]].b {
			j++
		}
		if j-i > 1 {
			for k := i; k < j; k++ {
				if ps[k].status != StatusMissing {
					continue
				}
				for m := i; m < j; m++ {
					if m == k || ps[m].prod != ps[k].prod || ps[m].prod < 0 {
						continue
					}
					if st := ps[m].status; st == StatusInstalled || st == StatusSuperseded {
						other := s.e.patches[ev[m]].p.SQNumber
						ps[k].status = StatusNote
						ps[k].reasons = append(ps[k].reasons, fmt.Sprintf(
							"The patch cannot be confirmed: several patches of %s apply to %s and disagree (%s is %s).",
							s.e.patches[ev[k]].b.ID, s.e.products[ps[k].prod].ref.Name, other, st))
						break
					}
				}
			}
		}
		i = j
	}
}

// results renders the reported verdicts: missing service packs first (in
// catalog product order), then patches in catalog order.
func (s *scanner) results(ps []patchState) []Result {
	e := s.e
	n := 0
	for k, pi := range e.eval {
		if e.patches[pi].report && !(e.opts.SkipNotApplicable && ps[k].status == StatusNotApplicable) {
			n++
		}
	}
	out := make([]Result, 0, n+1)
	if s.spKnown {
		for i := range e.products {
			p := &e.products[i]
			if s.products[i].st != prodPresent || !p.hasSPLevel || s.sp >= p.spLevel {
				continue
			}
			out = append(out, Result{
				Kind:      KindServicePack,
				KB:        p.spName,
				Title:     p.ref.Name + " " + p.spName,
				ProductID: p.ref.ID,
				Status:    StatusMissing,
				Reasons: []string{fmt.Sprintf("%s is at service pack level %d; %s (level %d) is the current service pack.",
					p.ref.Name, s.sp, p.spName, p.spLevel)},
			})
		}
	}
	for k, pi := range e.eval {
		cp := &e.patches[pi]
		st := &ps[k]
		if !cp.report || (e.opts.SkipNotApplicable && st.status == StatusNotApplicable) {
			continue
		}
		r := Result{
			Kind:         KindPatch,
			BulletinID:   cp.b.ID,
			KB:           cp.p.SQNumber,
			PatchName:    cp.p.Name,
			Title:        cp.b.Title,
			Severity:     cp.severity,
			Status:       st.status,
			Reasons:      st.reasons,
			Checks:       st.checks,
			SupersededBy: st.superBy,
		}
		if st.prod >= 0 {
			r.ProductID = e.products[st.prod].ref.ID
		}
		out = append(out, r)
	}
	return out
}

// evalReg evaluates a registry rule against its (already read) fact. It
// returns the check result and, with detail, what was found (for the Check)
// and unless the rule holds the reason in MBSA's wording. Without detail
// (product detection, thousands of times per host) it formats nothing but
// the reason a fact was unreadable.
func (s *scanner) evalReg(cr *crule, detail bool) (CheckResult, string, string) {
	a := s.regAnswer(cr.fact)
	r := cr.r
	what := "value"
	if r.Kind == catalog.RuleRegKey {
		what = "key"
	}
	if a.Err != nil {
		return CheckUnreadable, "(unreadable)", fmt.Sprintf("The registry %s %s could not be read: %s.", what, cr.disp, clean(a.Err.Error()))
	}
	if !a.Found {
		if r.Op == catalog.OpAbsent {
			return CheckPass, "(not found)", ""
		}
		if !detail {
			return CheckFail, "", ""
		}
		return CheckFail, "(not found)", fmt.Sprintf("The registry %s %s does not exist. It is required for this patch to be considered installed.", what, cr.disp)
	}
	found := "(exists)"
	if r.Kind == catalog.RuleRegValue && detail {
		found = s.display(cr.fact, a)
	}
	res := CheckPass
	switch {
	case r.Op == catalog.OpExists:
	case r.Op == catalog.OpAbsent:
		res = CheckFail
	case r.Kind == catalog.RuleRegKey:
		// Keys have no value to compare; the loader only allows
		// exists/absent on them, so anything else is treated as exists.
	case cr.catalogError() != "":
		return CheckUnreadable, found, fmt.Sprintf("The registry value %s cannot be checked: %s.", cr.disp, cr.catalogError())
	case !s.holdsValue(cr, a):
		res = CheckFail
	}
	if res == CheckPass || !detail {
		return res, found, ""
	}
	if r.Op == catalog.OpAbsent {
		return res, found, fmt.Sprintf("The registry %s %s exists. It must be absent for this patch to be considered installed.", what, cr.disp)
	}
	return res, found, fmt.Sprintf("The registry value %s has value [%s]; %s is required for this patch to be considered installed.", cr.disp, found, requirement(cr))
}

// valueTexts decodes a registry answer once per scan (many products test
// the same CurrentVersion).
func (s *scanner) valueTexts(fact int32, a *facts.Answer) []string {
	slot := s.regSlot[fact]
	if t, ok := s.texts[slot]; ok {
		return t
	}
	if s.texts == nil {
		s.texts = make(map[int32][]string)
	}
	t := a.Value.Texts()
	s.texts[slot] = t
	return t
}

// display is RegValue.Display from the decoded cache.
func (s *scanner) display(fact int32, a *facts.Answer) string {
	t := s.valueTexts(fact, a)
	if len(t) == 1 {
		return clean(t[0])
	}
	return clean(strings.Join(t, "\n"))
}

func (cr *crule) catalogError() string {
	switch cr.r.Op {
	case catalog.OpVersionGE, catalog.OpVersionLT:
		return cr.verErr
	case catalog.OpNumberGE, catalog.OpNumberLE:
		return cr.numErr
	case catalog.OpMatches:
		return cr.reErr
	}
	return ""
}

func requirement(cr *crule) string {
	v := clean(cr.r.Value)
	switch cr.r.Op {
	case catalog.OpEquals:
		return "[" + v + "]"
	case catalog.OpNotEquals:
		return "a value other than [" + v + "]"
	case catalog.OpVersionGE:
		return "version " + v + " or later"
	case catalog.OpVersionLT:
		return "a version earlier than " + v
	case catalog.OpNumberGE:
		return v + " or greater"
	case catalog.OpNumberLE:
		return v + " or less"
	case catalog.OpMatches:
		return "a value matching [" + v + "]"
	}
	return string(cr.r.Op) + " " + v
}

// holdsValue applies a comparison operator to a value that exists. String
// operators hold when any element of a REG_MULTI_SZ satisfies them
// (not-equals: when none equals).
func (s *scanner) holdsValue(cr *crule, a *facts.Answer) bool {
	switch cr.r.Op {
	case catalog.OpNumberGE, catalog.OpNumberLE:
		n, ok := a.Value.Uint()
		if !ok {
			return false
		}
		if cr.r.Op == catalog.OpNumberGE {
			return n >= cr.num
		}
		return n <= cr.num
	case catalog.OpNotEquals:
		for _, t := range s.valueTexts(cr.fact, a) {
			if strings.EqualFold(strings.TrimSpace(t), cr.val) {
				return false
			}
		}
		return true
	}
	for _, t := range s.valueTexts(cr.fact, a) {
		if holdsText(cr, t) {
			return true
		}
	}
	return false
}

// holdsText applies equals, version-* and matches to one string.
func holdsText(cr *crule, t string) bool {
	switch cr.r.Op {
	case catalog.OpEquals:
		return strings.EqualFold(strings.TrimSpace(t), cr.val)
	case catalog.OpNotEquals:
		return !strings.EqualFold(strings.TrimSpace(t), cr.val)
	case catalog.OpVersionGE, catalog.OpVersionLT:
		v, err := version.Parse(t)
		if err != nil {
			return false
		}
		if cr.r.Op == catalog.OpVersionGE {
			return v.Compare(cr.ver) >= 0
		}
		return v.Compare(cr.ver) < 0
	case catalog.OpMatches:
		return cr.re != nil && cr.re.MatchString(t)
	}
	return false
}

// evalFileRule evaluates a product detection rule on a file: exists,
// absent, version-ge/lt on its FILEVERSION, equals/not-equals/matches on
// the version string, number-ge/le on its size in bytes.
func (s *scanner) evalFileRule(cr *crule, r resolved) (CheckResult, string, string) {
	path := r.path
	a, _, _ := s.fileAnswer(cr.tmpl)
	if a.Err != nil {
		return CheckUnreadable, "(unreadable)", fmt.Sprintf("File %s could not be read: %s.", path, clean(a.Err.Error()))
	}
	switch {
	case cr.r.Op == catalog.OpExists:
		return passIf(a.Found), "", ""
	case cr.r.Op == catalog.OpAbsent:
		return passIf(!a.Found), "", ""
	case !a.Found:
		return CheckFail, "(not found)", ""
	case cr.catalogError() != "":
		return CheckUnreadable, "", fmt.Sprintf("File rule on %s cannot be checked: %s.", path, cr.catalogError())
	case cr.r.Op == catalog.OpNumberGE:
		return passIf(a.File.Size >= 0 && uint64(a.File.Size) >= cr.num), "", ""
	case cr.r.Op == catalog.OpNumberLE:
		return passIf(a.File.Size >= 0 && uint64(a.File.Size) <= cr.num), "", ""
	}
	return passIf(a.File.Version != "" && holdsText(cr, a.File.Version)), clean(a.File.Version), ""
}

func passIf(b bool) CheckResult {
	if b {
		return CheckPass
	}
	return CheckFail
}

// evalFileCheck compares a patch's file with the expected version and,
// where checksums apply, digest.
func (s *scanner) evalFileCheck(cf *cfile) (Check, string) {
	want := cf.want
	c := Check{Kind: CheckFile, Path: cf.fc.Path, Expected: want}
	r := s.resolve(cf.tmpl)
	if r.err != "" {
		c.Result, c.Found = CheckUnreadable, "(unresolved path)"
		return c, r.err + "."
	}
	c.Path = r.path
	a, req, slot := s.fileAnswer(cf.tmpl)
	verify := s.checksum(cf)
	if verify {
		c.Expected = want + " SHA-256 " + cf.sha
	}
	if a.Err != nil {
		c.Result, c.Found = CheckUnreadable, "(unreadable)"
		return c, fmt.Sprintf("File %s could not be read: %s.", r.path, clean(a.Err.Error()))
	}
	if !a.Found {
		c.Result, c.Found = CheckFail, "(not found)"
		return c, fmt.Sprintf("File %s does not exist; version %s or later is required.", r.path, want)
	}
	got := clean(strings.TrimSpace(a.File.Version))
	c.Found = got
	if got == "" {
		c.Result, c.Found = CheckUnreadable, "(no version)"
		return c, fmt.Sprintf("File %s has no version information; version %s is expected.", r.path, want)
	}
	v, err := s.parsedVersion(slot, a.File.Version)
	if err != nil {
		c.Result = CheckUnreadable
		return c, fmt.Sprintf("File %s reports an unusable file version [%s].", r.path, got)
	}
	switch v.Compare(cf.fc.Version) {
	case -1:
		c.Result = CheckFail
		return c, fmt.Sprintf("File %s has version %s; %s or later is required.", r.path, got, want)
	case 1:
		c.Result = CheckNewer
		return c, fmt.Sprintf("File %s has a file version [%s] greater than what is expected [%s].", r.path, got, want)
	}
	if !verify {
		c.Result = CheckPass
		return c, ""
	}
	sum := strings.ToLower(strings.TrimSpace(a.File.SHA256))
	if sum == "" || !req.SHA256 {
		c.Result = CheckUnreadable
		return c, fmt.Sprintf("File %s: the host did not return its checksum, so the patch cannot be verified.", r.path)
	}
	c.Found = got + " SHA-256 " + clean(sum)
	if sum != cf.sha {
		c.Result = CheckFail
		return c, fmt.Sprintf("File %s has an invalid checksum and its file version [%s] is equal to what is expected [%s].", r.path, got, want)
	}
	c.Result = CheckPass
	return c, ""
}
