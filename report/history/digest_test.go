package history

import (
	"testing"
	"time"
)

// TestSetDigestStable pins setDigest: sets are found again by digest, so a
// digest that changed between versions would store every set a second
// time. The expected values were computed by the first released code.
func TestSetDigestStable(t *testing.T) {
	full := HostRecord{Status: HostScanned,
		Results: []ResultRecord{
			{Kind: "patch", Bulletin: "MS17-010", KB: "KB4012212", Product: "Windows 7", Status: "missing", Due: day("2017-04-14")},
			{Kind: "patch", Bulletin: "2026-Feb", KB: "KB5075942", Product: "Windows Server 2019", Status: "superseded", SupersededBy: "KB5077000"},
			{Kind: "service-pack", Bulletin: "SP1", KB: "KB976932", Status: "installed"},
		},
		Checks: []CheckRecord{{ID: "admin-count", Status: "fail", Severity: "Important", Reason: "3 members"}, {ID: "guest", Status: "pass"}},
		CVEs:   []CVERecord{{CVE: "CVE-2017-0144", Severity: "Critical", Exploited: true, FixedBy: []string{"KB4012212", "KB4012215"}}},
	}
	full.normalize(time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC))
	for _, tt := range []struct {
		name string
		h    HostRecord
		want string
	}{
		{"empty", HostRecord{}, "e3b0c44298fc1c149afbf4c8996fb924"},
		{"results, checks and CVEs", full, "b730b7d7416f64aeac2e21028c57db75"},
	} {
		if got := setDigest(tt.h.Results, tt.h.Checks, tt.h.CVEs); got != tt.want {
			t.Errorf("%s: digest %s, want %s", tt.name, got, tt.want)
		}
	}
}
