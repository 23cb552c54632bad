package mssecure

import (
	"strings"

	"github.com/patchscan/patchscan/catalog"
)

// Supersedence: mssecure.xml keeps it on the replacing side. A Patch's
// SBID names a SupercededBy row, which lists the bulletins and patches (by
// PatchName) that replace it. Natively a patch names its replacements by
// BulletinID and SQNumber, so each PatchName is looked up in its bulletin.
// A replacing bulletin outside the file keeps the KB number the PatchName
// holds (the loader warns that it is not in the catalog); a PatchName the
// bulletin does not have names the whole bulletin. A chain that comes back
// to a patch would make a missing patch compliant: the link closing it is
// left out with a warning.

// snode is a package of a bulletin: the native patches with one SQNumber.
type snode struct {
	bulletin int
	sq       string
}

// sedge is a supersedence between two packages of the catalog, with the
// native patches that carry it.
type sedge struct {
	from, to int
	target   catalog.Supersedence
	carriers [][2]int // bulletin, patch
	at       Pos
	removed  bool
}

func (c *converter) supersedence() {
	nodes := map[snode]int{}
	sqs := make([][]string, len(c.out.Bulletins)) // distinct SQNumbers per bulletin
	for bi, b := range c.out.Bulletins {
		for _, p := range b.Patches {
			k := snode{bi, strings.ToUpper(p.SQNumber)}
			if _, ok := nodes[k]; !ok {
				nodes[k] = len(nodes)
				sqs[bi] = append(sqs[bi], p.SQNumber)
			}
		}
	}
	var edges []*sedge
	edgeAt := map[[2]int]*sedge{}
	for bi, b := range c.out.Bulletins {
		for pi, p := range b.Patches {
			src := c.origins[bi][pi].src
			from := nodes[snode{bi, strings.ToUpper(p.SQNumber)}]
			for _, t := range c.targets(b.ID, src, sqs) {
				ti, in := c.bulletinAt[strings.ToUpper(t.BulletinID)]
				if !in {
					c.out.Bulletins[bi].Patches[pi].SupersededBy = appendSuper(c.out.Bulletins[bi].Patches[pi].SupersededBy, t)
					continue
				}
				to := nodes[snode{ti, strings.ToUpper(t.SQNumber)}]
				if to == from {
					c.warn("self super", src.Pos, "patch %s of %s is said to be superseded by itself; that is left out", p.SQNumber, b.ID)
					continue
				}
				e := edgeAt[[2]int{from, to}]
				if e == nil {
					e = &sedge{from: from, to: to, target: t, at: src.Pos}
					edgeAt[[2]int{from, to}] = e
					edges = append(edges, e)
				}
				e.carriers = append(e.carriers, [2]int{bi, pi})
			}
		}
	}
	c.breakCycles(len(nodes), edges)
	for _, e := range edges {
		if e.removed {
			continue
		}
		for _, bp := range e.carriers {
			p := &c.out.Bulletins[bp[0]].Patches[bp[1]]
			p.SupersededBy = appendSuper(p.SupersededBy, e.target)
		}
	}
}

func appendSuper(list []catalog.Supersedence, s catalog.Supersedence) []catalog.Supersedence {
	for _, x := range list {
		if strings.EqualFold(x.BulletinID, s.BulletinID) && strings.EqualFold(x.SQNumber, s.SQNumber) {
			return list
		}
	}
	return append(list, s)
}

// targets are the patches that replace p, from its SBID's row.
func (c *converter) targets(own string, p *Patch, sqs [][]string) []catalog.Supersedence {
	if p.SBID == NoID || p.SBID == 0 {
		return nil
	}
	sb := c.sbs[p.SBID]
	if sb == nil {
		c.warn("stray sbid", p.Pos, "SBID %d is not a SupercededBy of the file; the patch is judged without supersedence", p.SBID)
		return nil
	}
	var out []catalog.Supersedence
	for _, sbb := range sb.Bulletins {
		tid := bulletinID(sbb.BulletinID)
		if tid == "" {
			continue
		}
		ti, in := c.bulletinAt[strings.ToUpper(tid)]
		if !in {
			out = append(out, c.outsideTargets(tid, sbb.Patches)...)
			continue
		}
		tid = c.out.Bulletins[ti].ID
		names := sbb.Patches
		if len(names) == 0 {
			names = []string{""}
		}
		for _, name := range names {
			found := c.byName[nameKey{strings.ToUpper(tid), strings.ToUpper(name)}]
			var kept []string
			for _, sq := range found {
				if containsFold(sqs[ti], sq) {
					kept = append(kept, sq)
				}
			}
			if len(kept) == 0 {
				if name != "" {
					c.warn("super name", sbb.Pos, "SupercededBy %d names patch %s of %s, which that bulletin does not have; any of its patches counts", sb.ID, quote(name), tid)
				}
				kept = sqs[ti]
			}
			for _, sq := range kept {
				out = append(out, catalog.Supersedence{BulletinID: tid, SQNumber: sq})
			}
		}
	}
	return out
}

// outsideTargets names the patches of a bulletin the file does not hold,
// by the KB numbers their names carry.
func (c *converter) outsideTargets(tid string, names []string) []catalog.Supersedence {
	var out []catalog.Supersedence
	for _, name := range names {
		if m := qNumber.FindStringSubmatch(name); m != nil {
			out = append(out, catalog.Supersedence{BulletinID: tid, SQNumber: strings.ToUpper(m[1]) + m[2]})
		}
	}
	if len(out) == 0 {
		out = append(out, catalog.Supersedence{BulletinID: tid})
	}
	return out
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// breakCycles removes the back edges of a depth-first search, which
// leaves no cycle; iterative, so that hostile chains cannot exhaust the
// stack.
func (c *converter) breakCycles(n int, edges []*sedge) {
	out := make([][]*sedge, n)
	for _, e := range edges {
		out[e.from] = append(out[e.from], e)
	}
	const (
		unvisited = iota
		onStack
		done
	)
	state := make([]uint8, n)
	type frame struct{ n, next int }
	var stack []frame
	for start := 0; start < n; start++ {
		if state[start] != unvisited {
			continue
		}
		stack = append(stack[:0], frame{n: start})
		state[start] = onStack
		for len(stack) > 0 {
			top := &stack[len(stack)-1]
			if top.next == len(out[top.n]) {
				state[top.n] = done
				stack = stack[:len(stack)-1]
				continue
			}
			e := out[top.n][top.next]
			top.next++
			switch state[e.to] {
			case unvisited:
				state[e.to] = onStack
				stack = append(stack, frame{n: e.to})
			case onStack:
				e.removed = true
				c.warn("super cycle", e.at, "supersedence by %s %s would close a cycle (a patch superseded by itself through others); that link is left out", e.target.BulletinID, e.target.SQNumber)
			}
		}
	}
}
