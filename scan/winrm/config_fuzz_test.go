package winrm

import (
	"testing"

	"github.com/patchscan/patchscan/facts"
)

// FuzzParseConfigOutput: the configuration collector's output comes from
// the host. Whatever it is, the parser returns answers (one per request)
// or ErrBadOutput, never panics, and what it accepts it prints back the
// same way (EncodeConfigOutput), so the grammar has one reading.
func FuzzParseConfigOutput(f *testing.F) {
	reqs := []facts.Request{{Kind: facts.FactUsers}, {Kind: facts.FactShares}, {Kind: facts.FactAuditPolicy}, {Kind: facts.FactService, Name: "TlntSvr"}}
	f.Add(EncodeConfigOutput(reqs, []facts.Answer{
		{Found: true, Users: []facts.Account{{RID: 500, SID: "S-1-5-21-1-2-3-500", Name: "a", Flags: 17}}},
		{Found: true, Shares: []facts.Share{{Name: "x", Type: facts.ShareDisk, ACLKnown: true, Access: []facts.ShareAccess{{SID: "S-1-1-0", Allowed: true, Rights: "read"}}}}},
		{Found: true, Audit: facts.AuditPolicy{Enabled: true, Categories: []facts.AuditSetting{{Category: "logon", Success: true}}}},
		{},
	}))
	f.Add([]byte("PSCAN-CFGOUT 1 4\r\n0 err eA==\r\n1 denied eA==\r\n2 na eA==\r\n3 nf\r\nPSCAN-END 4\r\n"))
	f.Fuzz(func(t *testing.T, out []byte) {
		answers, err := ParseConfigOutput(out, reqs, 1<<20)
		if err != nil {
			return
		}
		if len(answers) != len(reqs) {
			t.Fatalf("%d answers for %d requests", len(answers), len(reqs))
		}
		again, err := ParseConfigOutput(EncodeConfigOutput(reqs, answers), reqs, 1<<20)
		if err != nil || len(again) != len(reqs) {
			t.Fatalf("its own output does not parse back: %v", err)
		}
	})
}
