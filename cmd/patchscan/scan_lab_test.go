package main

import (
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strings"
	"testing"
	"time"

	"github.com/patchscan/patchscan/internal/adlab"
	"github.com/patchscan/patchscan/internal/lab"
)

const labCatalog = "../../testdata/catalogs/lab.xml"

// ms17010 is the verdict of MS17-010 among a host's results, or the
// host's status when it was not scanned: the values lab.Expected lists.
func ms17010(status string, results []e2eResult) string {
	if status != "scanned" {
		return status
	}
	for _, r := range results {
		if r.Bulletin == "MS17-010" {
			return r.Status
		}
	}
	return "no MS17-010 result"
}

// TestScanLabExitCodes scans real Samba lab hosts through the CLI: the
// verdicts arrive and the exit code follows them.
func TestScanLabExitCodes(t *testing.T) {
	l := lab.Start(t, lab.StandardHostsNamed(lab.Patched, lab.OldFile, lab.WrongPassword)...)
	t.Setenv(envPassword, l.Password)
	user := l.Domain + `\` + l.User
	ip := func(n string) string { return l.Host(n).IP }
	dead := "127.0.0.1:" + itoa(closedPort(t))

	dir := t.TempDir()
	suppress := filepath.Join(dir, "suppress.txt")
	approved := filepath.Join(dir, "approved.txt")
	approvedKB := filepath.Join(dir, "approved-kb.txt")
	for name, content := range map[string]string{suppress: "# accepted risk\nMS17-010\n", approved: "KB0000001\n", approvedKB: "KB4012212 # SMBv1\n"} {
		if err := os.WriteFile(name, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	tests := []struct {
		name    string
		targets []string
		extra   []string
		code    int
	}{
		{"compliant", []string{ip(lab.Patched)}, nil, ExitCompliant},
		{"missing", []string{ip(lab.Patched), ip(lab.OldFile)}, nil, ExitMissing},
		{"not scanned", []string{ip(lab.Patched), dead}, nil, ExitNotScanned},
		{"both", []string{ip(lab.OldFile), ip(lab.WrongPassword)}, nil, ExitBoth},
		{"baseline keeps MS17-010", []string{ip(lab.OldFile)}, []string{"--baseline"}, ExitMissing},
		{"suppressed", []string{ip(lab.OldFile)}, []string{"--suppress", suppress}, ExitCompliant},
		{"not approved", []string{ip(lab.OldFile)}, []string{"--approved", approved}, ExitCompliant},
		{"approved", []string{ip(lab.OldFile)}, []string{"--approved", approvedKB}, ExitMissing},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"-u", user, "--catalog", labCatalog, "--checksums", "on", "--no-files", "--format", "json"}, tc.extra...)
			args = append(args, tc.targets...)
			code, stdout, stderr := runScanCLI(t, "", args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstderr: %s\nstdout: %s", code, tc.code, stderr, stdout)
			}
			hosts := parseJSONLines(t, stdout)
			if len(hosts) != len(tc.targets) {
				t.Fatalf("%d hosts reported, want %d", len(hosts), len(tc.targets))
			}
			for _, h := range l.Hosts {
				if r, ok := hosts[h.IP]; ok && tc.extra == nil {
					if got, want := ms17010(r.Status, r.Results), lab.Expected[h.Name]; got != want {
						t.Errorf("%s: %s, want %s (%s)", h.Name, got, want, r.Error)
					}
				}
			}
			if strings.Contains(stdout+stderr, l.Password) {
				t.Error("output shows the password")
			}
		})
	}
}

// TestScanDomain enumerates a real Samba AD DC and scans the lab hosts
// registered in it, resolving their names through the DC's DNS.
func TestScanDomain(t *testing.T) {
	password := "Lab-Scan-7f3c!9a" // AD's complexity rules apply
	l := lab.StartConfig(t, lab.Config{Password: password}, lab.StandardHostsNamed(lab.Patched, lab.OldFile)...)
	dc := adlab.Start(t)
	dc.AddUser(t, l.User, password)
	dc.AddComputer(t, adlab.Computer{Name: "PATCHED", Addr: l.Host(lab.Patched).IP})
	dc.AddComputer(t, adlab.Computer{Name: "OLD-FILE", Addr: l.Host(lab.OldFile).IP})
	dc.AddComputer(t, adlab.Computer{Name: "RETIRED", Addr: "127.0.0.1", Disabled: true})
	t.Setenv(envPassword, password)

	code, stdout, stderr := runScanCLI(t, "", "-u", adlab.NetBIOS+`\`+l.User,
		"--domain", adlab.Domain, "--dns-server", dc.Addr, "--ldap-ca", dc.CAFile,
		"--ldap-filter", "(!(cn=DC1))", // the DC itself runs no SMB here
		"--catalog", labCatalog, "--checksums", "on", "--no-files", "--format", "json", "-v")
	if code != ExitMissing {
		t.Fatalf("exit %d, want %d\nstderr: %s\nstdout: %s", code, ExitMissing, stderr, stdout)
	}
	hosts := parseJSONLines(t, stdout)
	want := map[string]string{"patched.lab.test": lab.Expected[lab.Patched], "old-file.lab.test": lab.Expected[lab.OldFile]}
	if len(hosts) != len(want) {
		t.Errorf("hosts %v, want %v", hosts, want)
	}
	for name, verdict := range want {
		h, ok := hosts[name]
		if !ok {
			t.Errorf("%s not scanned; got %v", name, hosts)
			continue
		}
		if got := ms17010(h.Status, h.Results); got != verdict || h.Domain != adlab.Domain {
			t.Errorf("%s: %s in domain %q, want %s in %s (%s)", name, got, h.Domain, verdict, adlab.Domain, h.Error)
		}
	}
	if !strings.Contains(stderr, "domain lab.test: 2 enabled computers") {
		t.Errorf("stderr lacks the enumeration count:\n%s", stderr)
	}
	if strings.Contains(stdout+stderr, password) {
		t.Error("output shows the password")
	}

	// A computer whose dNSHostName is no host name is skipped, and
	// reported as a host not scanned, naming its object (issue 13.10:
	// it was in no report and the exit status ignored it).
	dc.AddComputer(t, adlab.Computer{Name: "BADNAME", DNSHostName: "badname..lab.test"})
	code, stdout, stderr = runScanCLI(t, "", "-u", adlab.NetBIOS+`\`+l.User,
		"--domain", adlab.Domain, "--dns-server", dc.Addr, "--ldap-ca", dc.CAFile,
		"--ldap-filter", "(!(cn=DC1))", "--catalog", labCatalog, "--no-files", "--format", "json")
	bad := jsonLines(t, stdout, func(h fullHost) string { return h.Target })["badname..lab.test"]
	if code != ExitBoth || bad.Status != "error" || !strings.Contains(bad.Error, "CN=BADNAME") || !strings.Contains(stderr, "1 bad target(s) not scanned") {
		t.Errorf("bad dNSHostName: exit %d (want %d), reported %+v\nstderr: %s", code, ExitBoth, bad, stderr)
	}
	code, stdout, stderr = runScanCLI(t, "", "-u", adlab.NetBIOS+`\`+l.User,
		"--domain", adlab.Domain, "--dns-server", dc.Addr, "--ldap-ca", dc.CAFile,
		"--ldap-filter", "(!(cn=DC1))", "--catalog", labCatalog, "--no-files", "--format", "json", "--strict-targets")
	if code != ExitUsage || stdout != "" || !strings.Contains(stderr, "--strict-targets") {
		t.Errorf("bad dNSHostName with --strict-targets: exit %d (want %d), stdout %q\nstderr: %s", code, ExitUsage, stdout, stderr)
	}

	// A domain larger than --max-hosts is refused before any scan.
	code, stdout, stderr = runScanCLI(t, "", "-u", adlab.NetBIOS+`\`+l.User,
		"--domain", adlab.Domain, "--dns-server", dc.Addr, "--ldap-ca", dc.CAFile,
		"--catalog", labCatalog, "--no-files", "--max-hosts", "2")
	if code != ExitUsage || !strings.Contains(stderr, "more than 2 enabled computers") || stdout != "" {
		t.Errorf("--max-hosts 2: exit %d, stderr %q, stdout %q", code, stderr, stdout)
	}
}

// TestScanThousandTargets runs the CLI over 1,000 loopback targets: two
// real lab hosts and 998 addresses with nothing listening. It must finish
// in bounded time and memory; the figures are logged (go test -v).
func TestScanThousandTargets(t *testing.T) {
	l := lab.Start(t, lab.StandardHostsNamed(lab.Patched, lab.OldFile)...)
	t.Setenv(envPassword, l.Password)
	hosts := "127.44.0.1-127.44.3.230\n" + l.Host(lab.Patched).IP + "\n" + l.Host(lab.OldFile).IP + "\n"

	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak uint64
	stop, sampled := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			metrics.Read(sample)
			peak = max(peak, sample[0].Value.Uint64())
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	start := time.Now()
	code, stdout, stderr := runScanCLI(t, hosts, "-u", l.Domain+`\`+l.User, "--hosts-file", "-",
		"--catalog", labCatalog, "--no-files", "--format", "json")
	elapsed := time.Since(start)
	close(stop)
	<-sampled

	if code != ExitBoth {
		t.Fatalf("exit %d, want %d; stderr: %s", code, ExitBoth, stderr)
	}
	res := parseJSONLines(t, stdout)
	counts := map[string]int{}
	for _, h := range res {
		counts[h.Status]++
	}
	if len(res) != 1000 || counts["scanned"] != 2 || counts["unreachable"] != 998 {
		t.Errorf("%d hosts, statuses %v; want 1000: 2 scanned, 998 unreachable", len(res), counts)
	}
	if elapsed > time.Minute {
		t.Errorf("1,000 targets took %v", elapsed)
	}
	if peak > 256<<20 {
		t.Errorf("peak heap %d MiB", peak>>20)
	}
	t.Logf("1,000 targets (2 lab hosts over SMB, 998 closed), 64 threads: %v wall, peak heap objects %.1f MiB (includes the %d KiB of JSON kept for the test)",
		elapsed.Round(time.Millisecond), float64(peak)/(1<<20), len(stdout)>>10)
}
