package baseline

import "github.com/patchscan/patchscan/facts"

// Measure is what a setting reads from the facts beyond the registry (the
// local accounts, Administrators, shares, audit policy, volumes and
// services): a number or a word, and the items it counts, which reasons
// list ({setting.list}). The vocabulary is fixed; configcheck computes
// each measure from its facts.
type Measure string

const (
	// MeasureGuestEnabled is 1 when the built-in Guest account (RID 501)
	// is enabled, 0 when it is disabled; absent when the host has none.
	MeasureGuestEnabled Measure = "guest-enabled"
	// MeasureAdministrators is the number of members of
	// BUILTIN\Administrators (S-1-5-32-544); items: the members.
	MeasureAdministrators Measure = "administrators"
	// MeasurePasswordNeverExpires is the number of enabled local accounts
	// whose password never expires; items: the accounts.
	MeasurePasswordNeverExpires Measure = "password-never-expires"
	// MeasureShares is the number of shares other than the administrative
	// ones (C$, ADMIN$, IPC$, print$ ...); items: each share, its path and
	// who may reach it.
	MeasureShares Measure = "shares"
	// MeasureSharesOpen is the number of those shares that Everyone,
	// anonymous users, Guests, Users, Authenticated Users or Domain Users
	// may reach; items: each share and what they may do.
	MeasureSharesOpen Measure = "shares-open"
	// MeasureSharesOpenWrite counts the shares of MeasureSharesOpen where
	// those principals may also change or delete files.
	MeasureSharesOpenWrite Measure = "shares-open-write"
	// MeasureAudit is what the audit policy audits in Category: "none",
	// "success", "failure" or "success-failure".
	MeasureAudit Measure = "audit"
	// MeasureVolumesWithoutACLs is the number of fixed volumes whose file
	// system keeps no permissions (FAT, FAT32, exFAT); items: the volumes.
	MeasureVolumesWithoutACLs Measure = "volumes-without-acls"
	// MeasureServicesSetToRun is the number of the Services the host has
	// that are set to run: running now, or starting at boot or
	// automatically; items: each with its start type and state.
	MeasureServicesSetToRun Measure = "services-set-to-run"
)

// measureFacts says which fact kind each measure reads.
var measureFacts = map[Measure]facts.FactKind{
	MeasureGuestEnabled:         facts.FactUsers,
	MeasureAdministrators:       facts.FactAdministrators,
	MeasurePasswordNeverExpires: facts.FactUsers,
	MeasureShares:               facts.FactShares,
	MeasureSharesOpen:           facts.FactShares,
	MeasureSharesOpenWrite:      facts.FactShares,
	MeasureAudit:                facts.FactAuditPolicy,
	MeasureVolumesWithoutACLs:   facts.FactVolumes,
	MeasureServicesSetToRun:     facts.FactService,
}

// Fact is the fact kind a measure reads (0 for an unknown measure).
func (m Measure) Fact() facts.FactKind { return measureFacts[m] }

// Measures lists the measures in the order the documentation gives them.
var Measures = []Measure{
	MeasureGuestEnabled, MeasureAdministrators, MeasurePasswordNeverExpires, MeasureShares,
	MeasureSharesOpen, MeasureSharesOpenWrite, MeasureAudit, MeasureVolumesWithoutACLs, MeasureServicesSetToRun,
}
