// Package configcheck evaluates a configuration baseline (package baseline)
// on a host: pure logic from facts to one Result per check, like the patch
// engine (package detect), with no I/O of its own.
//
// A host is asked once, in one batch of Host.Facts: every registry value a
// setting may read (policy and local locations alike), and the facts the
// measures need (local users, Administrators, shares, audit policy,
// volumes, one request per service named). Nothing depends on an answer to
// decide what to ask, so one round of the transport's pipelining serves
// the whole baseline.
//
// Semantics (docs/baseline-format.md says the same for authors):
//   - A setting's value is its first source the host has; else the value
//     of its first default whose conditions hold; else it is absent. A
//     source that could not be read stops the search: a policy value that
//     cannot be read may override the local one, so the setting is
//     unreadable, never guessed from the next source.
//   - Outcomes are tried in order; the first whose conditions all hold
//     decides the check. A condition on an unreadable setting makes the
//     check "error" (never "fail") unless an earlier condition of the same
//     outcome already failed; a condition on a fact the source cannot know
//     at all (facts.ErrUnavailable: an image has no running services) makes
//     it "not-applicable" with that reason.
//   - Conditions use the catalog's operators with the patch engine's
//     semantics (detect.Comparison): comparisons on an absent value fail,
//     exists and absent test presence.
package configcheck

import (
	"context"
	"fmt"
	"strings"

	"github.com/patchscan/patchscan/baseline"
	"github.com/patchscan/patchscan/facts"
)

// Engine evaluates one baseline on many hosts. It is safe for concurrent
// use; build it with New.
type Engine struct {
	b    *baseline.Baseline
	reqs []facts.Request
	// Where each source's answer is, by index into reqs.
	regIdx  map[string]int           // lower-case key + "\x00" + lower-case name
	kindIdx map[facts.FactKind]int   // the list facts (users, shares...)
	svcIdx  map[string]int           // lower-case service name
	srcIdx  map[*baseline.Source]int // every source's request
}

// New prepares a baseline: the one batch of requests every host is asked.
func New(b *baseline.Baseline) *Engine {
	e := &Engine{b: b, regIdx: map[string]int{}, kindIdx: map[facts.FactKind]int{}, svcIdx: map[string]int{}, srcIdx: map[*baseline.Source]int{}}
	for _, s := range b.Settings {
		e.addSetting(s)
	}
	for _, c := range b.Checks {
		for _, s := range c.Settings {
			e.addSetting(s)
		}
	}
	return e
}

// Baseline is the baseline the engine evaluates.
func (e *Engine) Baseline() *baseline.Baseline { return e.b }

// Requests returns the batch a host is asked (a copy).
func (e *Engine) Requests() []facts.Request { return append([]facts.Request(nil), e.reqs...) }

func (e *Engine) addSetting(s *baseline.Setting) {
	for i := range s.Sources {
		src := &s.Sources[i]
		switch src.Kind {
		case baseline.SourceRegValue:
			k := strings.ToLower(src.Key) + "\x00" + strings.ToLower(src.Name)
			e.srcIdx[src] = e.want(e.regIdx, k, facts.Request{Kind: facts.FactRegValue, Key: src.Key, Name: src.Name})
		case baseline.SourceMeasure:
			if src.Measure == baseline.MeasureServicesSetToRun {
				for _, name := range src.Services {
					e.want(e.svcIdx, strings.ToLower(name), facts.Request{Kind: facts.FactService, Name: name})
				}
				continue
			}
			kind := src.Measure.Fact()
			if i, ok := e.kindIdx[kind]; ok {
				e.srcIdx[src] = i
				continue
			}
			e.kindIdx[kind] = len(e.reqs)
			e.srcIdx[src] = len(e.reqs)
			e.reqs = append(e.reqs, facts.Request{Kind: kind})
		}
	}
}

// want adds a request once per key and returns its index.
func (e *Engine) want(idx map[string]int, key string, r facts.Request) int {
	if i, ok := idx[key]; ok {
		return i
	}
	idx[key] = len(e.reqs)
	e.reqs = append(e.reqs, r)
	return len(e.reqs) - 1
}

// Evaluate runs every check of the baseline on h. Facts that can't be read
// become results of status error; only a host-level failure (the Host's
// own error, a broken answer count, a cancelled context) is an error here.
func (e *Engine) Evaluate(ctx context.Context, h facts.Host) (*Report, error) {
	rep := &Report{Baseline: strings.TrimSpace(e.b.Name + " " + e.b.Version), Facts: len(e.reqs)}
	var answers []facts.Answer
	if len(e.reqs) > 0 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var err error
		answers, err = h.Facts(ctx, e.Requests())
		rep.Batches = 1
		if err != nil {
			return nil, err
		}
		if len(answers) != len(e.reqs) {
			return nil, fmt.Errorf("the host answered %d of %d fact requests: the transport returned a broken reply", len(answers), len(e.reqs))
		}
	}
	hs := &hostState{e: e, answers: answers, values: map[*baseline.Setting]*value{}}
	for _, c := range e.b.Checks {
		rep.Results = append(rep.Results, hs.check(c))
	}
	return rep, nil
}
