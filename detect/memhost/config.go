package memhost

import (
	"fmt"
	"slices"
	"strings"

	"github.com/patchscan/patchscan/facts"
)

// configFacts are the facts of the configuration checks beyond the
// registry. A kind never set answers an error, so a test that forgets one
// sees "error" results rather than a host that looks clean.
type configFacts struct {
	users    *[]facts.Account
	members  *[]facts.Principal
	shares   *[]facts.Share
	audit    *facts.AuditPolicy
	volumes  *[]facts.Volume
	services map[string]facts.Service // lower-case name; set once SetService is called
}

// setList stores a copy of list in *kind (a kind of configFacts), under
// h's lock: the caller's slice stays the caller's.
func setList[T any](h *Host, kind **[]T, list []T) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c := slices.Clone(list)
	*kind = &c
}

// SetUsers sets the local accounts (FactUsers).
func (h *Host) SetUsers(users ...facts.Account) { setList(h, &h.config.users, users) }

// SetAdministrators sets the members of BUILTIN\Administrators.
func (h *Host) SetAdministrators(members ...facts.Principal) {
	setList(h, &h.config.members, members)
}

// SetShares sets the shares (FactShares).
func (h *Host) SetShares(shares ...facts.Share) { setList(h, &h.config.shares, shares) }

// SetAuditPolicy sets the audit policy (FactAuditPolicy).
func (h *Host) SetAuditPolicy(p facts.AuditPolicy) {
	h.mu.Lock()
	defer h.mu.Unlock()
	p.Categories = slices.Clone(p.Categories)
	h.config.audit = &p
}

// SetVolumes sets the fixed volumes (FactVolumes).
func (h *Host) SetVolumes(vols ...facts.Volume) { setList(h, &h.config.volumes, vols) }

// SetService adds a service (FactService); once any is set, services not
// set are answered as absent.
func (h *Host) SetService(s facts.Service) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.config.services == nil {
		h.config.services = map[string]facts.Service{}
	}
	h.config.services[strings.ToLower(s.Name)] = s
}

// configAnswer answers a configuration fact (h.mu held).
func (h *Host) configAnswer(r facts.Request) facts.Answer {
	c := &h.config
	missing := facts.Answer{Err: fmt.Errorf("memhost: no %s set", r.Kind)}
	switch r.Kind {
	case facts.FactUsers:
		if c.users != nil {
			return facts.Answer{Found: true, Users: slices.Clone(*c.users)}
		}
	case facts.FactAdministrators:
		if c.members != nil {
			return facts.Answer{Found: true, Members: slices.Clone(*c.members)}
		}
	case facts.FactShares:
		if c.shares != nil {
			return facts.Answer{Found: true, Shares: slices.Clone(*c.shares)}
		}
	case facts.FactAuditPolicy:
		if c.audit != nil {
			a := *c.audit
			a.Categories = slices.Clone(a.Categories)
			return facts.Answer{Found: true, Audit: a}
		}
	case facts.FactVolumes:
		if c.volumes != nil {
			return facts.Answer{Found: true, Volumes: slices.Clone(*c.volumes)}
		}
	case facts.FactService:
		if c.services != nil {
			s, ok := c.services[strings.ToLower(r.Name)]
			return facts.Answer{Found: ok, Service: s}
		}
	default:
		return facts.Answer{Err: fmt.Errorf("memhost: unknown fact kind %d", r.Kind)}
	}
	return missing
}
