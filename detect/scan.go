package detect

import (
	"context"
	"fmt"
	"strings"

	"github.com/patchscan/patchscan/facts"
	"github.com/patchscan/patchscan/internal/version"
)

// scanner is the state of one Scan: the facts asked so far and their
// answers. requests[i] was answered by answers[i]; requests past
// len(answers) are the batch being built.
type scanner struct {
	e        *Engine
	host     facts.Host
	requests []facts.Request
	answers  []facts.Answer
	regSlot  []int32                // registry fact id -> 1+index in requests; 0 = not asked
	fileSlot map[string]int32       // lower-case resolved path -> 1+index in requests
	paths    map[int32]resolvedPath // template id -> the path it resolved to on this host
	fileVers map[int32]fileVersion  // by slot
	decoded  map[int32][]string     // decoded registry values, by slot
	batches  int

	vars     hostVars
	lang     uint32 // host install language LCID; 0 = unknown
	hostSP   int    // host service pack level
	spKnown  bool
	spErr    string
	osBuild  osBuild
	products []productState
}

// resolvedPath is a template rendered on this host, or why it can't be.
type resolvedPath struct {
	path string
	err  string
	slot int32 // 1+index in requests of the file fact last asked for it
}

// fileVersion is a file answer's version, parsed once per scan however
// many checks look at the file.
type fileVersion struct {
	v   version.Version
	err error
}

// Scan evaluates the catalog on one host. Facts the host can't read become
// error verdicts; only a host-level failure (the Host's own error, a broken
// answer count, a cancelled context) fails the scan.
func (e *Engine) Scan(ctx context.Context, h facts.Host) (*Report, error) {
	s := &scanner{
		e:        e,
		host:     h,
		requests: make([]facts.Request, 0, len(e.phaseA)+16),
		regSlot:  make([]int32, len(e.regFacts)),
		paths:    make(map[int32]resolvedPath),
		fileSlot: make(map[string]int32),
	}
	rep := &Report{}

	// (a) identity and registry-only product detection.
	for _, id := range e.phaseA {
		s.wantReg(id)
	}
	if err := s.run(ctx); err != nil {
		return nil, err
	}
	s.identity(&rep.OS)

	// (b) file-based product detection.
	s.detectRegistry()
	if err := s.run(ctx); err != nil {
		return nil, err
	}
	s.detectFiles()
	rep.Products = s.presentProducts()

	// (c) the checks of every applicable patch.
	states := make([]patchState, len(e.eval))
	for k, pi := range e.eval {
		s.applicable(&e.patches[pi], &states[k])
	}
	if err := s.run(ctx); err != nil {
		return nil, err
	}
	s.verdicts(states)

	rep.Results = s.results(states)
	rep.Vulnerabilities = s.openVulnerabilities(states)
	rep.Facts = len(s.requests)
	rep.Batches = s.batches
	return rep, nil
}

// run sends the pending batch, if any, in one Host.Facts call.
func (s *scanner) run(ctx context.Context) error {
	batch := s.requests[len(s.answers):]
	if len(batch) == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	ans, err := s.host.Facts(ctx, batch)
	s.batches++
	if err != nil {
		return err
	}
	if len(ans) != len(batch) {
		return fmt.Errorf("the host answered %d of %d fact requests: the transport returned a broken reply", len(ans), len(batch))
	}
	s.answers = append(s.answers, ans...)
	return nil
}

func (s *scanner) wantReg(id int32) {
	if s.regSlot[id] == 0 {
		s.requests = append(s.requests, s.e.regFacts[id])
		s.regSlot[id] = int32(len(s.requests))
	}
}

func (s *scanner) regAnswer(id int32) *facts.Answer { return &s.answers[s.regSlot[id]-1] }

// wantFile asks for a file once per scan. A file first asked without its
// checksum and then needed with it is asked again only if the first request
// has already been sent (New asks for checksums early wherever a template
// has one, so this is rare).
func (s *scanner) wantFile(path string, sha bool) int32 {
	key := strings.ToLower(path)
	if slot, ok := s.fileSlot[key]; ok {
		r := &s.requests[slot-1]
		if !sha || r.SHA256 {
			return slot
		}
		if int(slot-1) >= len(s.answers) {
			r.SHA256 = true // still pending: upgrade in place
			return slot
		}
	}
	s.requests = append(s.requests, facts.Request{Kind: facts.FactFile, Path: path, SHA256: sha})
	slot := int32(len(s.requests))
	s.fileSlot[key] = slot
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
	s.paths[t] = r
	return true
}

// parsedVersion parses a file answer's version once per scan.
func (s *scanner) parsedVersion(slot int32, raw string) (version.Version, error) {
	if fv, ok := s.fileVers[slot]; ok {
		return fv.v, fv.err
	}
	if s.fileVers == nil {
		s.fileVers = make(map[int32]fileVersion)
	}
	v, err := version.Parse(raw)
	s.fileVers[slot] = fileVersion{v: v, err: err}
	return v, err
}

func (s *scanner) resolve(t int32) resolvedPath {
	if r, ok := s.paths[t]; ok {
		return r
	}
	p, err := s.e.templates[t].resolve(&s.vars)
	r := resolvedPath{path: p, err: err}
	s.paths[t] = r
	return r
}

// fileAnswer is the answer for the file a template resolved to (after
// wantTemplate and the batch that carried it).
func (s *scanner) fileAnswer(t int32) (*facts.Answer, *facts.Request, int32) {
	slot := s.paths[t].slot
	return &s.answers[slot-1], &s.requests[slot-1], slot
}
