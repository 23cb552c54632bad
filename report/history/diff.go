package history

import (
	"context"
	"sort"
	"time"
)

// Change kinds, as `patchscan diff` writes them.
const (
	ChangeMissing     = "missing"          // a result became missing
	ChangeFixed       = "fixed"            // a missing result became installed, superseded or not applicable
	ChangeResult      = "changed"          // another change of a result's status
	ChangeAppeared    = "host-appeared"    // a host the earlier run did not have
	ChangeDisappeared = "host-disappeared" // a host the newer run does not have
	ChangeHostStatus  = "host-status"      // scanned <-> not scanned (results not compared)
	ChangeCheck       = "check"            // a configuration check's status changed
)

// Absent is the before or after of a result or check a run does not hold
// (not applicable, or not in that run's catalog or selection).
const Absent = "absent"

// kindOrder orders changes of one host.
var kindOrder = map[string]int{
	ChangeAppeared: 0, ChangeDisappeared: 1, ChangeHostStatus: 2, ChangeMissing: 3, ChangeFixed: 4, ChangeResult: 5, ChangeCheck: 6,
}

// Change is one difference between two runs.
type Change struct {
	Kind          string
	Host, Address string
	Bulletin, KB  string
	Product       string
	Severity      string
	Check         string // config check id, for ChangeCheck
	Before, After string
	Due           time.Time // of a newly missing result
	Overdue       bool
	hostKey       string
}

// Diff compares the newer run to the earlier one. It reads every host of
// both, and compares in the store the sets of the hosts whose sets
// changed: only the results and checks that differ come back.
func (s *Store) Diff(ctx context.Context, earlier, newer Run) ([]Change, error) {
	a, err := s.Snapshot(ctx, earlier, false)
	if err != nil {
		return nil, err
	}
	b, err := s.Snapshot(ctx, newer, false)
	if err != nil {
		return nil, err
	}
	d, err := s.setDeltas(ctx, a, b)
	if err != nil {
		return nil, s.wrap("comparing runs "+earlier.Ref+" and "+newer.Ref, err)
	}
	return diffHosts(a, b, d.changes), nil
}

// DiffSnapshots lists the changes from a to b, ordered by host, kind,
// bulletin and KB. Results are compared for hosts scanned in both runs
// whose result sets differ (their details must be loaded); a host scanned in
// one run only gives one host-status change.
func DiffSnapshots(a, b *Snapshot) []Change {
	return diffHosts(a, b, func(ha, hb *HostState) []Change {
		return append(resultChanges(ha, hb), checkChanges(ha, hb)...)
	})
}

// diffHosts lists the changes from a to b; details gives those of a host
// scanned in both runs whose sets differ.
func diffHosts(a, b *Snapshot, details func(ha, hb *HostState) []Change) []Change {
	var out []Change
	for i := range a.Hosts {
		ha := &a.Hosts[i]
		if b.Host(ha.Key) == nil {
			out = append(out, hostChange(ChangeDisappeared, ha, ha.Status, Absent))
		}
	}
	for i := range b.Hosts {
		hb := &b.Hosts[i]
		ha := a.Host(hb.Key)
		switch {
		case ha == nil:
			out = append(out, hostChange(ChangeAppeared, hb, Absent, hb.Status))
		case ha.Status != hb.Status && (ha.Status != HostScanned || hb.Status != HostScanned):
			c := hostChange(ChangeHostStatus, hb, ha.Status, hb.Status)
			if hb.ComputerName == "" && ha.ComputerName != "" {
				c.Host = ha.ComputerName // the name it gave when it answered
			}
			out = append(out, c)
		case ha.Status == HostScanned && ha.changed(hb):
			out = append(out, details(ha, hb)...)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		x, y := &out[i], &out[j]
		if x.hostKey != y.hostKey {
			return x.hostKey < y.hostKey
		}
		if kindOrder[x.Kind] != kindOrder[y.Kind] {
			return kindOrder[x.Kind] < kindOrder[y.Kind]
		}
		if x.Bulletin != y.Bulletin {
			return x.Bulletin < y.Bulletin
		}
		if x.KB != y.KB {
			return x.KB < y.KB
		}
		if x.Product != y.Product {
			return x.Product < y.Product
		}
		return x.Check < y.Check
	})
	return out
}

// changed reports whether two scans of a host found different things.
func (h *HostState) changed(o *HostState) bool {
	return h.SetID != o.SetID || h.CheckSetID != o.CheckSetID
}

func hostChange(kind string, h *HostState, before, after string) Change {
	return Change{Kind: kind, Host: h.Display(), Address: h.Address, Before: before, After: after, hostKey: h.Key}
}

func resultChanges(ha, hb *HostState) []Change {
	before := make(map[updateKey]*ResultRecord, len(ha.Results))
	for i := range ha.Results {
		before[ha.Results[i].ukey()] = &ha.Results[i]
	}
	var out []Change
	seen := make(map[updateKey]bool, len(hb.Results))
	for i := range hb.Results {
		rb := &hb.Results[i]
		k := rb.ukey()
		seen[k] = true
		st := Absent
		if ra := before[k]; ra != nil {
			st = ra.Status
		}
		if st != rb.Status {
			out = append(out, resultChange(hb, rb, st, rb.Status))
		}
	}
	for k, ra := range before {
		if !seen[k] {
			out = append(out, resultChange(hb, ra, ra.Status, Absent))
		}
	}
	return out
}

func resultChange(h *HostState, r *ResultRecord, before, after string) Change {
	kind := ChangeResult
	switch {
	case after == "missing":
		kind = ChangeMissing
	case before == "missing" && (after == "installed" || after == "superseded" || after == Absent):
		kind = ChangeFixed
	}
	c := Change{Kind: kind, Host: h.Display(), Address: h.Address, Bulletin: r.Bulletin, KB: r.KB,
		Product: r.Product, Severity: r.Severity, Before: before, After: after, hostKey: h.Key}
	if after == "missing" {
		c.Due, c.Overdue = r.Due, r.Overdue
	}
	return c
}

func checkChanges(ha, hb *HostState) []Change {
	before := map[string]string{}
	for _, c := range ha.Checks {
		before[c.ID] = c.Status
	}
	after := map[string]string{}
	for _, c := range hb.Checks {
		after[c.ID] = c.Status
	}
	var out []Change
	for id, sb := range after {
		sa, ok := before[id]
		if !ok {
			sa = Absent
		}
		if sa != sb {
			out = append(out, Change{Kind: ChangeCheck, Host: hb.Display(), Address: hb.Address, Check: id, Before: sa, After: sb, hostKey: hb.Key})
		}
	}
	for id, sa := range before {
		if _, ok := after[id]; !ok {
			out = append(out, Change{Kind: ChangeCheck, Host: hb.Display(), Address: hb.Address, Check: id, Before: sa, After: Absent, hostKey: hb.Key})
		}
	}
	return out
}
