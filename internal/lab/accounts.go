package lab

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
)

// Samba tools the accounts and shares below need (Debian samba-common-bin).
var (
	PDBEDIT  = "/usr/bin/pdbedit"
	SHARESEC = "/usr/bin/sharesec"
)

// AdminsGroup is the unix group BUILTIN\Administrators is mapped to on a
// host with Administrators: Samba has no builtin alias without a mapping.
// Created once as a system group; nobody is put in it (membership of the
// alias is Samba's own).
const AdminsGroup = "patchscan-lab-admins"

// User is a local account of a lab host beside the lab's own (Account), for
// MS-SAMR tests. Samba keeps accounts for unix users only: the unix user
// Name is created once as a system user (no home, no shell) when missing.
// Its password is random and never used.
type User struct {
	Name                 string
	FullName             string
	Disabled             bool
	PasswordNeverExpires bool
}

// Share is a disk share of a lab host beside C$ and ADMIN$: an empty,
// read-only directory.
type Share struct {
	Name    string
	Comment string
	// ACL is the share's access list in sharesec(1)'s form
	// ("S-1-1-0:ALLOWED/0/READ,S-1-5-32-544:ALLOWED/0/FULL"); "" keeps
	// Samba's default, Everyone full control.
	ACL string
}

// SID is the lab account's SID on this host (its machine SID and RID), as
// pdbedit reports it.
func (h *Host) SID(account string) (string, error) { return accountSID(h.conf, account) }

var (
	safeName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$`)
	safeText = regexp.MustCompile(`^[^\x00-\x1f\[\]\\%$]*$`)
)

// checkAccounts refuses names and texts that would not survive smb.conf,
// a command line or a unix account name unchanged.
func checkAccounts(spec HostSpec) error {
	if spec.DataDriveFS != "" && !safeName.MatchString(spec.DataDriveFS) {
		return fmt.Errorf("bad lab file system name %q", spec.DataDriveFS)
	}
	for _, u := range spec.Users {
		if !safeName.MatchString(u.Name) || !safeText.MatchString(u.FullName) {
			return fmt.Errorf("bad lab user %q", u.Name)
		}
	}
	for _, s := range spec.Shares {
		if !safeName.MatchString(s.Name) || !safeText.MatchString(s.Comment) || !safeText.MatchString(s.ACL) {
			return fmt.Errorf("bad lab share %q", s.Name)
		}
	}
	return nil
}

// addAccounts gives a host its extra users, Guest, Administrators members
// and share ACLs (the shares themselves are in its smb.conf). It runs
// before smbd starts.
func (h *Host) addAccounts(spec HostSpec) error {
	for _, u := range spec.Users {
		if err := h.addUser(u); err != nil {
			return fmt.Errorf("lab user %s: %w", u.Name, err)
		}
	}
	if spec.Guest {
		// Samba's guest account (nobody) in the database is RID 501.
		if err := h.pdbAdd("nobody"); err != nil {
			return fmt.Errorf("lab guest account: %w", err)
		}
	}
	if len(spec.Administrators) > 0 {
		if err := h.addAdministrators(spec.Administrators); err != nil {
			return fmt.Errorf(`lab BUILTIN\Administrators: %w`, err)
		}
	}
	return h.addShareACLs(spec.Shares)
}

func (h *Host) pdbAdd(name string) error {
	pw := randomPassword()
	return run(strings.NewReader(pw+"\n"+pw+"\n"), PDBEDIT, "-s", h.conf, "-a", "-t", "-u", name)
}

func (h *Host) addUser(u User) error {
	if err := ensureSystemUser(u.Name, "patchscan Samba lab user"); err != nil {
		return err
	}
	if err := h.pdbAdd(u.Name); err != nil {
		return err
	}
	flags := "" // pdbedit adds U (a normal account) itself
	if u.Disabled {
		flags += "D"
	}
	if u.PasswordNeverExpires {
		flags += "X"
	}
	args := []string{"-s", h.conf, "-r", "-u", u.Name}
	if flags != "" {
		args = append(args, "-c", "["+flags+"]")
	}
	if u.FullName != "" {
		args = append(args, "-f", u.FullName)
	}
	if len(args) == 5 {
		return nil
	}
	return run(nil, PDBEDIT, args...)
}

func (h *Host) addAdministrators(members []string) error {
	if err := ensureSystemGroup(AdminsGroup); err != nil {
		return err
	}
	if err := run(nil, NET, "-s", h.conf, "groupmap", "add", "sid=S-1-5-32-544", "unixgroup="+AdminsGroup,
		"type=builtin", "ntgroup=Administrators"); err != nil {
		return err
	}
	for _, m := range members {
		sid := m
		if !strings.HasPrefix(m, "S-1-") {
			var err error
			if sid, err = accountSID(h.conf, m); err != nil {
				return err
			}
		}
		if err := run(nil, NET, "-s", h.conf, "groupmap", "addmem", "S-1-5-32-544", sid); err != nil {
			return err
		}
	}
	return nil
}

// addShareACLs sets the shares' ACLs. Samba reads them (share_info.tdb)
// while it acts as the connected user, and serves no security descriptor
// at all (NetrShareEnum level 502) when that user cannot open the
// database: the lab makes it world-writable, inside the host's own state
// directory, as a share ACL a Windows administrator reads.
func (h *Host) addShareACLs(shares []Share) error {
	set := false
	for _, s := range shares {
		if s.ACL == "" {
			continue
		}
		if err := run(nil, SHARESEC, "-s", h.conf, s.Name, "--replace", s.ACL); err != nil {
			return fmt.Errorf("lab share %s: %w", s.Name, err)
		}
		set = true
	}
	if !set {
		return nil
	}
	return os.Chmod(filepath.Join(h.dir, "state", "share_info.tdb"), 0o666)
}

// accountSID asks pdbedit for an account's SID.
func accountSID(conf, name string) (string, error) {
	cmd := exec.Command(PDBEDIT, "-s", conf, "-L", "-v", "-u", name)
	cmd.Env = sambaEnv()
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("pdbedit -L %s: %v", name, err)
	}
	for _, l := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(l, "User SID:"); ok {
			return strings.TrimSpace(v), nil
		}
	}
	return "", fmt.Errorf("pdbedit -L %s: no SID", name)
}

var accountMu sync.Mutex

// ensureAccount creates the lab's unix account once.
func ensureAccount() error { return ensureSystemUser(Account, "patchscan Samba lab") }

// ensureSystemUser creates a unix system user once. Concurrent test
// processes may race to create it; "already exists" is success.
func ensureSystemUser(name, comment string) error {
	accountMu.Lock()
	defer accountMu.Unlock()
	if _, err := user.Lookup(name); err == nil {
		return nil
	}
	out, err := exec.Command("useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent",
		"--shell", "/usr/sbin/nologin", "--comment", comment, name).CombinedOutput()
	if _, lerr := user.Lookup(name); lerr == nil {
		return nil
	}
	return fmt.Errorf("%w: creating unix user %s: %v: %s", ErrUnavailable, name, err, bytes.TrimSpace(out))
}

// ensureSystemGroup creates a unix system group once.
func ensureSystemGroup(name string) error {
	accountMu.Lock()
	defer accountMu.Unlock()
	if _, err := user.LookupGroup(name); err == nil {
		return nil
	}
	out, err := exec.Command("groupadd", "--system", name).CombinedOutput()
	if _, lerr := user.LookupGroup(name); lerr == nil {
		return nil
	}
	return fmt.Errorf("%w: creating unix group %s: %v: %s", ErrUnavailable, name, err, bytes.TrimSpace(out))
}

// ConfigHost is a host with what configuration checks read over RPC: two
// local users beside the lab account (one disabled with a full name, one
// whose password never expires), the Guest account, BUILTIN\Administrators
// holding the lab account, one of those users and a SID of another domain,
// and two shares, one with an ACL. The lab account is an administrator on
// it, as a scanning account is on Windows.
func ConfigHost(name string) HostSpec {
	return HostSpec{
		Name: name,
		Reg:  []string{BaseReg},
		Users: []User{
			{Name: "patchscan-lab-off", FullName: "Disabled Lab User", Disabled: true},
			{Name: "patchscan-lab-svc", FullName: "Lab Service", PasswordNeverExpires: true},
		},
		Guest:          true,
		Administrators: []string{Account, "patchscan-lab-svc", ForeignAdminSID},
		Shares: []Share{
			{Name: "Public", Comment: "Files for everyone", ACL: "S-1-1-0:ALLOWED/0/READ,S-1-5-32-544:ALLOWED/0/FULL"},
			{Name: "Data", Comment: "Department data"},
		},
	}
}

// ForeignAdminSID is a member of ConfigHost's Administrators from a domain
// the host does not know (as a domain group would be on Windows).
const ForeignAdminSID = "S-1-5-21-1-2-3-1105"

// FailedLogons counts the logons this host has refused since it started:
// Samba's authentication audit (auth_audit at level 2) writes one "Auth:"
// line for each failed authentication, with its NT status. It is what a
// domain controller's lockout counter would see, counted by Samba rather
// than by the client under test.
func (h *Host) FailedLogons() (int, error) {
	b, err := os.ReadFile(h.log)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "Auth: [") && strings.Contains(line, "] status [NT_STATUS_") && !strings.Contains(line, "status [NT_STATUS_OK]") {
			n++
		}
	}
	return n, nil
}
