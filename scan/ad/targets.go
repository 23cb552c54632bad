package ad

import (
	"context"

	"github.com/patchscan/patchscan/scan/targets"
)

// Skipped is a computer whose name no target can use (a dNSHostName that
// is not a host name), with the reason.
type Skipped struct {
	DN  string
	Err error
}

// AddTargets enumerates cfg.Domain and adds its enabled computers to list:
// each is a target named by its host name (Computer.Host), with its DN as
// the entry as written and the domain it came from. The search stops with
// ErrTooMany as soon as the list would hold more than maxHosts targets
// (cfg.Limit is set from it), without reading the rest of a huge
// directory. It returns how many computers the domain listed and those
// it could not add.
func AddTargets(ctx context.Context, cfg Config, list *targets.List, maxHosts int) (found int, skipped []Skipped, err error) {
	// One more than the room left, so "too many" is found early.
	room := maxHosts - int(min(list.Count(), uint64(maxHosts)))
	cfg.Limit = max(room, 1) // 0 would mean "no limit"
	comps, err := Enumerate(ctx, cfg)
	if err != nil {
		return 0, nil, err
	}
	source := "domain " + cfg.Domain
	for _, c := range comps {
		e, err := targets.Parse(c.Host(cfg.Domain), source)
		if err != nil {
			skipped = append(skipped, Skipped{DN: c.DN, Err: err})
			continue
		}
		e.Raw, e.Domain = c.DN, cfg.Domain
		if err := list.AddEntry(e); err != nil {
			return len(comps), skipped, err
		}
	}
	return len(comps), skipped, nil
}
