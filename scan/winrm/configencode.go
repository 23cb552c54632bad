package winrm

import (
	"errors"
	"fmt"
	"strings"

	"github.com/patchscan/patchscan/facts"
)

// EncodeConfigOutput prints answers as the configuration collector does,
// for the test server (winrmtest): what the script would print on a host
// with these facts. An audit category becomes one subcategory line (the
// category's first subcategory); an unavailable fact becomes "na".
func EncodeConfigOutput(reqs []facts.Request, answers []facts.Answer) []byte {
	return encodeFramed("PSCAN-CFGOUT", reqs, answers, encodeConfigAnswer)
}

func encodeConfigAnswer(r facts.Request, a facts.Answer) string {
	switch {
	case errors.Is(a.Err, facts.ErrUnavailable):
		return "na " + tok(a.Err.Error())
	case errors.Is(a.Err, facts.ErrAccessDenied):
		return "denied " + tok(a.Err.Error())
	case a.Err != nil:
		return "err " + tok(a.Err.Error())
	case !a.Found && r.Kind == facts.FactService:
		return "nf"
	}
	var lines []string
	switch r.Kind {
	case facts.FactUsers:
		for _, u := range a.Users {
			lines = append(lines, fmt.Sprintf("u %d %s %s %s %d", u.RID, tok(u.SID), tok(u.Name), tok(u.FullName), uint32(u.Flags)))
		}
	case facts.FactAdministrators:
		for _, m := range a.Members {
			lines = append(lines, fmt.Sprintf("m %s %s %s %s", tok(m.SID), tok(m.Domain), tok(m.Name), tok(m.Kind)))
		}
	case facts.FactShares:
		lines = encodeShares(a.Shares)
	case facts.FactAuditPolicy:
		lines = encodeAudit(a.Audit)
	case facts.FactVolumes:
		for _, v := range a.Volumes {
			lines = append(lines, fmt.Sprintf("v %s %s -", tok(v.Root), tok(v.FileSystem)))
		}
	case facts.FactService:
		lines = []string{fmt.Sprintf("svc %s %s %s %s", tok(a.Service.Name), tok(a.Service.DisplayName), tok(startMode(a.Service.Start)), tok(stateWord(a.Service.State)))}
	}
	return "ok " + tok(strings.Join(lines, "\n"))
}

// shareMasks are the access masks the share rights words stand for.
var shareMasks = map[string]uint32{"full": 0x001f01ff, "change": 0x001301bf, "read": 0x001200a9}

func encodeShares(shares []facts.Share) []string {
	var lines []string
	for _, s := range shares {
		t := s.Type.STYPE(s.Special)
		acl := 0
		if s.ACLKnown {
			acl = 1
		}
		lines = append(lines, fmt.Sprintf("s %s %d %s %s %d", tok(s.Name), t, tok(s.Path), tok(s.Remark), acl))
		for _, e := range s.Access {
			allowed := 0
			if e.Allowed {
				allowed = 1
			}
			lines = append(lines, fmt.Sprintf("e %s %d %d %s", tok(e.SID), allowed, shareMasks[e.Rights], tok(`\`+e.Name)))
		}
	}
	return lines
}

// firstSubcategory is each category's first subcategory (auditGUIDs).
var firstSubcategory = []string{"10", "15", "1D", "28", "2B", "2F", "35", "3B", "3F"}

func encodeAudit(p facts.AuditPolicy) []string {
	mode := "0"
	if p.Enabled {
		mode = "1"
	}
	lines := []string{"p " + mode}
	for _, c := range p.Categories {
		for i, name := range facts.AuditCategories {
			if name != c.Category {
				continue
			}
			v := 0
			if c.Success {
				v |= 1
			}
			if c.Failure {
				v |= 2
			}
			lines = append(lines, fmt.Sprintf("a %s %d", tok(auditGUID(firstSubcategory[i])), v))
		}
	}
	return lines
}

func startMode(t facts.StartType) string {
	for w, st := range startModes {
		if st == t {
			return strings.ToUpper(w[:1]) + w[1:]
		}
	}
	return ""
}

func stateWord(s facts.ServiceState) string {
	switch s {
	case facts.ServicePending:
		return "Start Pending"
	case "":
		return ""
	}
	return strings.ToUpper(string(s[:1])) + string(s[1:])
}
