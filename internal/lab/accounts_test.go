package lab

import (
	"os/exec"
	"strings"
	"testing"
)

// A host's accounts, alias members and share ACLs are in the host's
// Samba databases, as Samba's own tools read them.
func TestAccountsAndShares(t *testing.T) {
	spec := HostSpec{Name: "accounts",
		Users: []User{
			{Name: "patchscan-lab-off", FullName: "Disabled User", Disabled: true},
			{Name: "patchscan-lab-svc", PasswordNeverExpires: true},
		},
		Guest:          true,
		Administrators: []string{Account, "S-1-5-21-1-2-3-1105"},
		Shares:         []Share{{Name: "Public", Comment: "Files for everyone", ACL: "S-1-1-0:ALLOWED/0/READ"}},
	}
	l := Start(t, spec)
	h := l.Hosts[0]
	tool := func(name string, args ...string) string {
		cmd := exec.Command(name, args...)
		cmd.Env = sambaEnv()
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s %v: %v: %s", name, args, err, out)
		}
		return string(out)
	}
	users := tool(PDBEDIT, "-s", h.Conf(), "-L", "-w")
	for _, want := range []string{"patchscan-lab-off:", "patchscan-lab-svc:", "nobody:", Account + ":"} {
		if !strings.Contains(users, want) {
			t.Errorf("pdbedit -L lacks %s:\n%s", want, users)
		}
	}
	for name, flags := range map[string]string{"patchscan-lab-off": "[DU ", "patchscan-lab-svc": "[UX "} {
		if out := tool(PDBEDIT, "-s", h.Conf(), "-L", "-v", "-u", name); !strings.Contains(out, "Account Flags:        "+flags) {
			t.Errorf("%s flags:\n%s", name, out)
		}
	}
	sid, err := h.SID(Account)
	if err != nil || !strings.HasPrefix(sid, "S-1-5-21-") || !strings.HasSuffix(sid, "-1000") {
		t.Fatalf("SID %q %v", sid, err)
	}
	if out := tool(NET, "-s", h.Conf(), "groupmap", "listmem", "S-1-5-32-544"); !strings.Contains(out, sid) || !strings.Contains(out, "S-1-5-21-1-2-3-1105") {
		t.Errorf("Administrators members:\n%s", out)
	}
	if out := tool(SHARESEC, "-s", h.Conf(), "Public", "-v"); !strings.Contains(out, "ACL:S-1-1-0:ALLOWED/0x0/READ") {
		t.Errorf("share ACL:\n%s", out)
	}
}
