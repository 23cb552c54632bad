package configcheck

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/patchscan/patchscan/baseline"
	"github.com/patchscan/patchscan/facts"
	"github.com/patchscan/patchscan/internal/textsafe"
)

// maxItems bounds the items a measure lists in reasons and details: a host
// with ten thousand shares still gets a report of a sensible size (the
// count stays exact).
const maxItems = 50

// measure computes a measure source from its fact.
func (hs *hostState) measure(src *baseline.Source) *value {
	if src.Measure == baseline.MeasureServicesSetToRun {
		return hs.services(src)
	}
	a := &hs.answers[hs.e.srcIdx[src]]
	if a.Err != nil {
		return errValue(a.Err, "the "+src.Measure.Fact().String())
	}
	switch src.Measure {
	case baseline.MeasureGuestEnabled:
		return guestEnabled(a.Users)
	case baseline.MeasureAdministrators:
		return count("members of BUILTIN\\Administrators", administrators(a.Members))
	case baseline.MeasurePasswordNeverExpires:
		return count("enabled local accounts whose password never expires", neverExpires(a.Users))
	case baseline.MeasureShares:
		return count("shares besides the administrative ones", listShares(a.Shares, shareAny))
	case baseline.MeasureSharesOpen:
		return count("shares everyone may reach", listShares(a.Shares, shareOpen))
	case baseline.MeasureSharesOpenWrite:
		return count("shares everyone may change", listShares(a.Shares, shareOpenWrite))
	case baseline.MeasureAudit:
		return audit(a.Audit, src.Category)
	case baseline.MeasureVolumesWithoutACLs:
		return count("fixed volumes without permissions", volumesWithoutACLs(a.Volumes))
	}
	return &value{state: stateUnreadable, why: fmt.Sprintf("unknown measure %q", src.Measure)}
}

// count is a measure that counts items.
func count(what string, items []string) *value {
	n := len(items)
	if len(items) > maxItems {
		items = append(items[:maxItems:maxItems], fmt.Sprintf("and %d more", n-maxItems))
	}
	if items == nil {
		items = []string{}
	}
	return &value{state: stateFound, reg: facts.DWORD(uint32(n)), text: strconv.Itoa(n), source: what, items: items}
}

func shownText(s string) string { return textsafe.Line(s, maxShown) }

func guestEnabled(users []facts.Account) *value {
	for _, u := range users {
		if u.RID != facts.RIDGuest {
			continue
		}
		n, item := 1, "enabled"
		if u.Flags.Has(facts.AccountDisabled) {
			n, item = 0, "disabled"
		}
		return &value{state: stateFound, reg: facts.DWORD(uint32(n)), text: strconv.Itoa(n),
			source: "the Guest account (RID 501)", items: []string{shownText(u.Name) + " (RID 501): " + item}}
	}
	return &value{state: stateAbsent, text: "absent", source: "no account with RID 501"}
}

func administrators(members []facts.Principal) []string {
	var items []string
	for _, m := range members {
		s := shownText(m.Display())
		if m.Name != "" && m.SID != "" {
			s += " (" + shownText(m.SID) + ")"
		}
		items = append(items, s)
	}
	return items
}

func neverExpires(users []facts.Account) []string {
	var items []string
	for _, u := range users {
		if u.Flags.Has(facts.AccountDisabled) || !u.Flags.Has(facts.AccountPasswordNeverExpires) {
			continue
		}
		items = append(items, shownText(u.Name))
	}
	return items
}

// audit is what a category audits. Auditing off, or a category the policy
// lacks, audits nothing.
func audit(p facts.AuditPolicy, category string) *value {
	set, ok := p.Setting(category)
	word, src := "none", "the audit policy's "+category+" category"
	switch {
	case !p.Enabled:
		src = "the audit policy (auditing is off)"
	case !ok:
		src = "the audit policy (no " + category + " category)"
	case set.Success && set.Failure:
		word = "success-failure"
	case set.Success:
		word = "success"
	case set.Failure:
		word = "failure"
	}
	return &value{state: stateFound, reg: facts.SZ(word), text: word, source: src}
}

func volumesWithoutACLs(vols []facts.Volume) []string {
	var items []string
	for _, v := range vols {
		if !v.KeepsPermissions() {
			fs := v.FileSystem
			if fs == "" {
				fs = "unknown file system"
			}
			items = append(items, shownText(v.Root)+" ("+shownText(fs)+")")
		}
	}
	return items
}

// services counts the named services that are set to run. A service the
// host does not have is not counted; one that could not be read makes the
// measure unreadable.
func (hs *hostState) services(src *baseline.Source) *value {
	var items []string
	for _, name := range src.Services {
		a := &hs.answers[hs.e.svcIdx[strings.ToLower(name)]]
		if a.Err != nil {
			return errValue(a.Err, "the service "+name)
		}
		if !a.Found || !a.Service.SetToRun() {
			continue
		}
		items = append(items, describeService(name, a.Service))
	}
	return count("services set to run", items)
}

func describeService(name string, s facts.Service) string {
	d := shownText(name)
	if s.DisplayName != "" && !strings.EqualFold(s.DisplayName, name) {
		d += " (" + shownText(s.DisplayName) + ")"
	}
	parts := []string{}
	if s.Start != facts.StartUnknown {
		parts = append(parts, s.Start.String())
	}
	if s.State != "" {
		parts = append(parts, string(s.State))
	}
	if len(parts) > 0 {
		d += ": " + strings.Join(parts, ", ")
	}
	return d
}

// Broad principals: a share open to one of them is open to (nearly)
// anyone who reaches the host.
var broadSIDs = []string{
	"S-1-1-0",      // Everyone
	"S-1-5-7",      // ANONYMOUS LOGON
	"S-1-5-11",     // Authenticated Users
	"S-1-5-2",      // NETWORK
	"S-1-5-32-545", // BUILTIN\Users
	"S-1-5-32-546", // BUILTIN\Guests
}

func broad(sid string) bool {
	if slices.Contains(broadSIDs, sid) {
		return true
	}
	// Domain Users (513) and Domain Guests (514) of any domain.
	return strings.HasPrefix(sid, "S-1-5-21-") && (strings.HasSuffix(sid, "-513") || strings.HasSuffix(sid, "-514"))
}

// shareFilter says whether a share counts, and how to describe it.
type shareFilter func(s facts.Share) (bool, string)

// listShares describes the shares other than the administrative ones
// that the filter selects.
func listShares(shares []facts.Share, f shareFilter) []string {
	var items []string
	for _, s := range shares {
		if s.Special || s.Type == facts.ShareIPC {
			continue
		}
		if ok, desc := f(s); ok {
			items = append(items, desc)
		}
	}
	return items
}

func shareAny(s facts.Share) (bool, string) {
	d := shownText(s.Name)
	if s.Path != "" {
		d += " (" + shownText(s.Path) + ")"
	}
	if !s.ACLKnown {
		return true, d + ": who may reach it is not known"
	}
	var who []string
	for _, a := range s.Access {
		w := principalName(a) + " " + a.Rights
		if !a.Allowed {
			w += " denied"
		}
		who = append(who, shownText(w))
	}
	if len(who) == 0 {
		return true, d + ": nobody (empty access list)"
	}
	return true, d + ": " + strings.Join(who, ", ")
}

func shareOpen(s facts.Share) (bool, string) { return openTo(s, false) }

func shareOpenWrite(s facts.Share) (bool, string) { return openTo(s, true) }

// openTo lists the broad principals the share's ACL allows (to write, when
// write). A principal denied the same rights is not counted.
func openTo(s facts.Share, write bool) (bool, string) {
	if !s.ACLKnown {
		return false, ""
	}
	var who []string
	for _, a := range s.Access {
		if !a.Allowed || !broad(a.SID) || (write && !writeRights(a.Rights)) || deniedAll(s.Access, a.SID) {
			continue
		}
		who = append(who, shownText(principalName(a)+" "+a.Rights))
	}
	if len(who) == 0 {
		return false, ""
	}
	return true, shownText(s.Name) + ": " + strings.Join(who, ", ")
}

// deniedAll: the ACL denies the SID full rights (a deny entry wins).
func deniedAll(aces []facts.ShareAccess, sid string) bool {
	for _, a := range aces {
		if !a.Allowed && a.SID == sid && a.Rights == "full" {
			return true
		}
	}
	return false
}

// writeRights says whether share rights let files be changed: full,
// change, or a mask with a write, append, delete, WRITE_DAC, WRITE_OWNER
// or generic write/all bit.
func writeRights(r string) bool {
	switch r {
	case "full", "change":
		return true
	case "read":
		return false
	}
	m, err := strconv.ParseUint(strings.TrimPrefix(strings.ToLower(r), "0x"), 16, 32)
	return err == nil && m&0x500D0006 != 0
}

var wellKnownNames = map[string]string{
	"S-1-1-0": "Everyone", "S-1-5-7": "ANONYMOUS LOGON", "S-1-5-11": "Authenticated Users",
	"S-1-5-2": "NETWORK", "S-1-5-32-545": `BUILTIN\Users`, "S-1-5-32-546": `BUILTIN\Guests`,
	"S-1-5-32-544": `BUILTIN\Administrators`,
}

func principalName(a facts.ShareAccess) string {
	if a.Name != "" {
		return a.Name
	}
	if n, ok := wellKnownNames[a.SID]; ok {
		return n
	}
	return a.SID
}
