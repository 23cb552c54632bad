package catalog

import (
	"sort"
	"strings"
)

// Checks across elements, made once the whole document is read: IDs
// referred to are defined, and supersedence names real patches without
// cycles.

// refKind is what an ID attribute refers to, and where it is written.
type refKind uint8

const (
	refFamily             refKind = iota // Product ProductFamilyID
	refCurrentServicePack                // Product CurrentServicePackID
	refSeverity                          // Patch MSSeverityID
	refProduct                           // AffectedProduct ProductID
	refServicePack                       // AffectedServicePack ServicePackID
	refVulnSeverity                      // Vulnerability MSSeverityID
)

var refKinds = [...]struct{ tag, attr string }{
	refFamily:             {"Product", "ProductFamilyID"},
	refCurrentServicePack: {"Product", "CurrentServicePackID"},
	refSeverity:           {"Patch", "MSSeverityID"},
	refProduct:            {"AffectedProduct", "ProductID"},
	refServicePack:        {"AffectedServicePack", "ServicePackID"},
	refVulnSeverity:       {"Vulnerability", "MSSeverityID"},
}

func (k refKind) attr() string { return refKinds[k].attr }

// reference is an ID used somewhere that must be defined somewhere else.
// It is small: a catalog can hold a million of them.
type reference struct {
	at   pos
	id   int32
	kind refKind
}

// superRef is a SupersededBy element, checked once all bulletins are known.
type superRef struct {
	at       pos
	bulletin int // index of the superseded patch's bulletin
	patch    int // and of the patch in it
	target   Supersedence
}

func (l *loader) checkRefs() {
	for _, r := range l.refs {
		var defs map[int]int32
		switch r.kind {
		case refFamily:
			defs = l.families
		case refCurrentServicePack, refServicePack:
			defs = l.servicePacks
		case refSeverity, refVulnSeverity:
			defs = l.severities
		case refProduct:
			defs = l.products
		}
		if _, ok := defs[int(r.id)]; !ok {
			k := refKinds[r.kind]
			l.errorAt(r.at, "<%s>: %s %d is not defined in this catalog", k.tag, k.attr, r.id)
		}
	}
}

// patchGraph numbers every patch of the catalog as a node (bulletin by
// bulletin), followed by one node per distinct supersedence target.
type patchGraph struct {
	bulletins []Bulletin
	base      []int   // node of each bulletin's first patch; base[len] = patch count
	edges     [][]int // node -> nodes it is superseded by
}

func newPatchGraph(bs []Bulletin) *patchGraph {
	g := &patchGraph{bulletins: bs, base: make([]int, len(bs)+1)}
	for i, b := range bs {
		g.base[i+1] = g.base[i] + len(b.Patches)
	}
	g.edges = make([][]int, g.patches())
	return g
}

func (g *patchGraph) patches() int { return g.base[len(g.bulletins)] }

// patchOf returns the bulletin and patch of node n; ok is false for a
// target node.
func (g *patchGraph) patchOf(n int) (bulletin, patch int, ok bool) {
	if n >= g.patches() {
		return 0, 0, false
	}
	bi := sort.Search(len(g.bulletins), func(i int) bool { return g.base[i+1] > n })
	return bi, n - g.base[bi], true
}

// name is how a cycle message shows patch node n.
func (g *patchGraph) name(n int) string {
	bi, pi, _ := g.patchOf(n)
	b := g.bulletins[bi]
	return b.ID + " " + b.Patches[pi].SQNumber
}

// checkSupersedence resolves SupersededBy targets and rejects cycles (a patch
// that supersedes itself, directly or not, would make the engine call a
// missing patch compliant).
//
// A target bulletin that is not in the catalog is a warning: partial
// catalogs legitimately name later bulletins they do not carry, and such a
// supersedence can never be satisfied, so the patch is judged on its own. A
// target bulletin that is present but has no patch with the named SQNumber
// is an error: that is a typo.
func (l *loader) checkSupersedence() {
	bs := l.c.Bulletins
	g := newPatchGraph(bs)
	byID := make(map[string]int, len(bs))
	for i, b := range bs {
		if _, dup := byID[strings.ToUpper(b.ID)]; !dup {
			byID[strings.ToUpper(b.ID)] = i
		}
	}
	// Each distinct target (a bulletin, or a KB in it) becomes one extra
	// node with edges to the patches it names, built once: many patches
	// superseded by one big bulletin then cost one edge each, not one per
	// patch of that bulletin.
	type target struct {
		bulletin int
		sq       string
	}
	targets := map[target]int{}
	for _, s := range l.supers {
		ti, ok := byID[strings.ToUpper(s.target.BulletinID)]
		if !ok {
			l.warnAt(warningKey{"super", strings.ToUpper(s.target.BulletinID), ""}, s.at,
				"SupersededBy names bulletin %s, which is not in this catalog; that supersedence is ignored", s.target.BulletinID)
			continue
		}
		key := target{ti, strings.ToUpper(s.target.SQNumber)}
		n, seen := targets[key]
		if !seen {
			n = g.addTarget(ti, key.sq)
			targets[key] = n
		}
		if n < 0 {
			l.errorAt(s.at, "SupersededBy: bulletin %s has no patch %s", s.target.BulletinID, s.target.SQNumber)
			continue
		}
		from := g.base[s.bulletin] + s.patch
		g.edges[from] = append(g.edges[from], n)
	}
	l.findCycles(g)
}

// addTarget adds a node for the patches of bulletin bi with SQNumber sq
// (every patch when sq is empty) and returns it, or -1 when there are none.
func (g *patchGraph) addTarget(bi int, sq string) int {
	var to []int
	for pi, p := range g.bulletins[bi].Patches {
		if sq == "" || strings.EqualFold(p.SQNumber, sq) {
			to = append(to, g.base[bi]+pi)
		}
	}
	if len(to) == 0 {
		return -1
	}
	g.edges = append(g.edges, to)
	return len(g.edges) - 1
}

// findCycles runs an iterative depth-first search (catalogs may chain
// thousands of patches; recursion depth must not depend on input) and
// reports each cycle once.
func (l *loader) findCycles(g *patchGraph) {
	const (
		unvisited = iota
		onStack
		done
	)
	state := make([]uint8, len(g.edges))
	type frame struct{ n, next int }
	var stack []frame
	for start := range g.edges {
		if state[start] != unvisited || len(g.edges[start]) == 0 {
			continue
		}
		stack = append(stack[:0], frame{n: start})
		state[start] = onStack
		for len(stack) > 0 {
			top := &stack[len(stack)-1]
			if top.next == len(g.edges[top.n]) {
				state[top.n] = done
				stack = stack[:len(stack)-1]
				continue
			}
			m := g.edges[top.n][top.next]
			top.next++
			switch state[m] {
			case unvisited:
				state[m] = onStack
				stack = append(stack, frame{n: m})
			case onStack: // a back edge: the cycle is the stack from m up
				i := len(stack) - 1
				for stack[i].n != m {
					i--
				}
				var cycle []int
				for _, f := range stack[i:] {
					cycle = append(cycle, f.n)
				}
				l.reportCycle(g, cycle)
			}
		}
	}
}

// reportCycle reports a cycle of nodes at its first patch.
func (l *loader) reportCycle(g *patchGraph, cycle []int) {
	var names []string
	first := -1
	for _, n := range cycle {
		if _, _, ok := g.patchOf(n); ok {
			if first < 0 {
				first = n
			}
			names = append(names, g.name(n))
		}
	}
	if first < 0 {
		return
	}
	names = append(names, g.name(first))
	bi, pi, _ := g.patchOf(first)
	l.errorAt(l.patchAt[bi][pi], "supersedence cycle: %s; a patch cannot be superseded by itself", strings.Join(names, " -> "))
}
