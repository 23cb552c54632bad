package winrm

import (
	"errors"
	"fmt"
	"strings"

	"github.com/patchscan/patchscan/facts"
	"github.com/patchscan/patchscan/internal/srvs"
)

func parseShares(p string) ([]facts.Share, error) {
	recs, err := records(p, map[string]int{"s": 6, "e": 5})
	if err != nil {
		return nil, err
	}
	var out []facts.Share
	for _, r := range recs {
		if r[0] == "e" {
			if len(out) == 0 || !out[len(out)-1].ACLKnown {
				return nil, errors.New("an ACE outside a share with an ACL")
			}
			e, err := parseACE(r)
			if err != nil {
				return nil, err
			}
			out[len(out)-1].Access = append(out[len(out)-1].Access, e)
			continue
		}
		s, err := parseShare(r)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

func parseShare(r []string) (facts.Share, error) {
	t, err1 := uintTok(r[2], 32)
	s, err2 := strs(r[1], r[3], r[4])
	if err := errors.Join(err1, err2); err != nil {
		return facts.Share{}, err
	}
	if r[5] != "0" && r[5] != "1" {
		return facts.Share{}, fmt.Errorf("share ACL flag %q", r[5])
	}
	sh := facts.Share{Name: s[0], Path: s[1], Remark: s[2], ACLKnown: r[5] == "1"}
	sh.Type, sh.Special = facts.ShareTypeOf(uint32(t))
	return sh, nil
}

func parseACE(r []string) (facts.ShareAccess, error) {
	mask, err1 := uintTok(r[3], 32)
	s, err2 := strs(r[1], r[4])
	if err := errors.Join(err1, err2); err != nil {
		return facts.ShareAccess{}, err
	}
	if r[2] != "0" && r[2] != "1" {
		return facts.ShareAccess{}, fmt.Errorf("ACE allowed flag %q", r[2])
	}
	name := s[1]
	if name == `\` || strings.HasPrefix(name, `\`) {
		name = strings.TrimPrefix(name, `\`) // a well-known SID has no domain
	}
	return facts.ShareAccess{SID: s[0], Name: name, Allowed: r[2] == "1", Rights: srvs.Rights(uint32(mask))}, nil
}

// auditGUIDs maps the subcategories of the advanced audit policy (their
// GUIDs are {0CCE92xx-69AE-11D9-BED3-505054503030}, xx below) to their
// category, index into facts.AuditCategories.
var auditGUIDs = map[string]int{}

func init() {
	for cat, xx := range [][]string{
		{"10", "11", "12", "13", "14"},                                                       // system
		{"15", "16", "17", "18", "19", "1A", "1B", "1C", "43", "47", "49"},                   // logon
		{"1D", "1E", "1F", "20", "21", "22", "23", "24", "25", "26", "27", "44", "45", "46"}, // object access
		{"28", "29", "2A"},                   // privilege use
		{"2B", "2C", "2D", "2E", "48", "4A"}, // detailed tracking
		{"2F", "30", "31", "32", "33", "34"}, // policy change
		{"35", "36", "37", "38", "39", "3A"}, // account management
		{"3B", "3C", "3D", "3E"},             // DS access
		{"3F", "40", "41", "42"},             // account logon
	} {
		for _, x := range xx {
			auditGUIDs[auditGUID(x)] = cat
		}
	}
}

func auditGUID(xx string) string { return "{0CCE92" + xx + "-69AE-11D9-BED3-505054503030}" }

// parseAudit makes the category-level policy from the subcategories: a
// category audits successes (failures) when any subcategory does, as
// MS-LSAD's category view reports it. Subcategories of unknown GUIDs
// (newer Windows) are ignored.
func parseAudit(p string) (facts.AuditPolicy, error) {
	recs, err := records(p, map[string]int{"p": 2, "a": 3})
	if err != nil {
		return facts.AuditPolicy{}, err
	}
	if len(recs) == 0 || recs[0][0] != "p" || (recs[0][1] != "0" && recs[0][1] != "1") {
		return facts.AuditPolicy{}, errors.New("the audit policy does not start with its mode")
	}
	pol := facts.AuditPolicy{Enabled: recs[0][1] == "1"}
	sets := make([]facts.AuditSetting, len(facts.AuditCategories))
	seen := make([]bool, len(sets))
	for _, r := range recs[1:] {
		g, err1 := decodeStr(r[1], maxFieldStr)
		v, err2 := uintTok(r[2], 8)
		if err := errors.Join(err1, err2); err != nil || v > 3 {
			return facts.AuditPolicy{}, fmt.Errorf("subcategory record %q", strings.Join(r, " "))
		}
		cat, ok := auditGUIDs[strings.ToUpper(g)]
		if !ok {
			continue
		}
		seen[cat] = true
		sets[cat].Success = sets[cat].Success || v&1 != 0
		sets[cat].Failure = sets[cat].Failure || v&2 != 0
	}
	for i, name := range facts.AuditCategories {
		if seen[i] {
			sets[i].Category = name
			pol.Categories = append(pol.Categories, sets[i])
		}
	}
	return pol, nil
}

func parseVolumes(p string) ([]facts.Volume, error) {
	recs, err := records(p, map[string]int{"v": 4})
	var out []facts.Volume
	for _, r := range recs {
		s, err := strs(r[1], r[2])
		if err != nil || r[3] != "-" {
			return nil, errors.Join(err, fmt.Errorf("volume record %q", strings.Join(r, " ")))
		}
		out = append(out, facts.Volume{Root: s[0], FileSystem: s[1]})
	}
	return out, err
}

// startModes are Win32_Service's StartMode words.
var startModes = map[string]facts.StartType{
	"boot": facts.StartBoot, "system": facts.StartSystem, "auto": facts.StartAuto,
	"manual": facts.StartDemand, "disabled": facts.StartDisabled,
}

func parseService(p string) (facts.Service, error) {
	recs, err := records(p, map[string]int{"svc": 5})
	if err != nil {
		return facts.Service{}, err
	}
	if len(recs) != 1 {
		return facts.Service{}, fmt.Errorf("%d service records, want 1", len(recs))
	}
	s, err := strs(recs[0][1:]...)
	if err != nil {
		return facts.Service{}, err
	}
	svc := facts.Service{Name: s[0], DisplayName: s[1], Start: facts.StartUnknown}
	if st, ok := startModes[strings.ToLower(s[2])]; ok {
		svc.Start = st
	}
	switch strings.ToLower(s[3]) {
	case "running":
		svc.State = facts.ServiceRunning
	case "stopped":
		svc.State = facts.ServiceStopped
	case "paused":
		svc.State = facts.ServicePaused
	case "":
	default:
		svc.State = facts.ServicePending // "Start Pending", "Stop Pending"...
	}
	return svc, nil
}
