package facts

import (
	"errors"
	"fmt"
	"strings"
)

// The facts of the configuration checks beyond the registry: who the local
// accounts and administrators are, what is shared and with whom, what is
// audited, which file systems hold the volumes and which services run.
// Transports read them with their own means (MS-SAMR, MS-SRVS, MS-LSAD,
// MS-SCMR and SMB over the network; PowerShell over WinRM; the SAM,
// SECURITY and SYSTEM hives of an image) and give them in these plain
// types, so the checks never depend on how a fact was read.

// ErrUnavailable marks a fact that a source cannot know at all (an offline
// image has no running services; a volume other than the image's own is
// not there). The configuration checks report what rests on it as
// not-applicable with the reason, never as failed or as an error.
var ErrUnavailable = errors.New("not available from this source")

// Unavailable returns an error wrapping ErrUnavailable that says why.
func Unavailable(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrUnavailable, fmt.Sprintf(format, a...))
}

// AccountFlags are a local account's UserAccountControl bits, numbered as
// [MS-SAMR] 2.2.1.12 numbers them (the SAM hive's ACB flags agree in the
// low 16 bits).
type AccountFlags uint32

const (
	AccountDisabled             AccountFlags = 0x00000001
	AccountPasswordNotRequired  AccountFlags = 0x00000004
	AccountNormal               AccountFlags = 0x00000010
	AccountPasswordNeverExpires AccountFlags = 0x00000200
	AccountLocked               AccountFlags = 0x00000400
)

// Has reports whether every bit of f is set.
func (a AccountFlags) Has(f AccountFlags) bool { return a&f == f }

// String lists the flags the checks look at: "disabled,password-never-expires".
func (a AccountFlags) String() string {
	var s []string
	for _, f := range []struct {
		bit  AccountFlags
		name string
	}{
		{AccountDisabled, "disabled"}, {AccountLocked, "locked"},
		{AccountPasswordNeverExpires, "password-never-expires"}, {AccountPasswordNotRequired, "password-not-required"},
	} {
		if a.Has(f.bit) {
			s = append(s, f.name)
		}
	}
	if len(s) == 0 {
		return "enabled"
	}
	return strings.Join(s, ",")
}

// RIDGuest is the relative ID of the built-in Guest account.
const RIDGuest = 501

// Account is a local account of the host.
type Account struct {
	RID      uint32
	SID      string // "S-1-5-21-...-500"; "" when the source does not give it
	Name     string
	FullName string
	Flags    AccountFlags
}

// Principal is a member of a group: an account, a group or a well-known
// SID, named when the host could name it.
type Principal struct {
	SID    string
	Domain string // "" when unknown (or a well-known SID without a domain)
	Name   string // "" when the host could not name the SID
	// Kind is what the SID names: user, group, alias, well-known-group,
	// computer, deleted, unknown.
	Kind string
}

// Display is "DOMAIN\name", "name", or the SID when it has no name.
func (p Principal) Display() string {
	switch {
	case p.Name == "":
		return p.SID
	case p.Domain == "":
		return p.Name
	}
	return p.Domain + `\` + p.Name
}

// ShareType is a share's base type.
type ShareType string

const (
	ShareDisk    ShareType = "disk"
	SharePrinter ShareType = "printer"
	ShareDevice  ShareType = "device"
	ShareIPC     ShareType = "ipc"
)

// stypeSpecial is STYPE_SPECIAL, the administrative-share bit of a
// Windows share type ([MS-SRVS] 2.2.2.4).
const stypeSpecial = 0x80000000

// ShareTypeOf reads a Windows share type value (STYPE_*, as the registry's
// LanmanServer\Shares entries and Win32_Share give it): its base type
// (the low byte: 0 disk, 1 print queue, 3 IPC, anything else a device)
// and whether it is an administrative share.
func ShareTypeOf(stype uint32) (t ShareType, special bool) {
	switch stype & 0xFF {
	case 0:
		t = ShareDisk
	case 1:
		t = SharePrinter
	case 3:
		t = ShareIPC
	default:
		t = ShareDevice
	}
	return t, stype&stypeSpecial != 0
}

// STYPE is the Windows share type value of t, administrative if special:
// the inverse of ShareTypeOf.
func (t ShareType) STYPE(special bool) uint32 {
	v := map[ShareType]uint32{ShareDisk: 0, SharePrinter: 1, ShareDevice: 2, ShareIPC: 3}[t]
	if special {
		v |= stypeSpecial
	}
	return v
}

// Share is one share of the host.
type Share struct {
	Name   string
	Type   ShareType
	Remark string
	// Special marks the administrative shares (C$, ADMIN$, IPC$: the
	// server's STYPE_SPECIAL), which every Windows host has.
	Special bool
	Path    string // the shared directory; "" when the source does not give it
	// ACLKnown says Access is the share's access list. When false, who
	// may reach the share is not known (the server gave no descriptor).
	ACLKnown bool
	Access   []ShareAccess
}

// ShareAccess is one entry of a share's access list.
type ShareAccess struct {
	SID     string
	Name    string // "DOMAIN\name" when known
	Allowed bool   // else denied
	// Rights is "full", "change" or "read" (the share permissions), else
	// the access mask in hex.
	Rights string
}

// AuditCategories names the nine audit policy categories
// (POLICY_AUDIT_EVENT_TYPE, [MS-LSAD] 2.2.4.20), in the policy's order.
var AuditCategories = []string{
	"system", "logon", "object-access", "privilege-use", "detailed-tracking",
	"policy-change", "account-management", "ds-access", "account-logon",
}

// AuditPolicy is the host's audit policy by category.
type AuditPolicy struct {
	// Enabled is the policy's auditing mode: when false nothing is
	// audited whatever the categories say.
	Enabled    bool
	Categories []AuditSetting
}

// AuditSetting is what one category audits.
type AuditSetting struct {
	Category string // one of AuditCategories
	Success  bool
	Failure  bool
}

// Setting returns a category's setting and whether the host has it.
func (p AuditPolicy) Setting(category string) (AuditSetting, bool) {
	for _, c := range p.Categories {
		if c.Category == category {
			return c, true
		}
	}
	return AuditSetting{Category: category}, false
}

// Volume is a fixed volume of the host.
type Volume struct {
	Root       string // "C:\"
	FileSystem string // "NTFS", "ReFS", "FAT32", "exFAT"
	// PersistentACLs is FILE_PERSISTENT_ACLS of the volume's attributes:
	// the file system keeps permissions. ACLsKnown says the source gave
	// the attributes; without them the file system's name decides.
	PersistentACLs bool
	ACLsKnown      bool
}

// KeepsPermissions reports whether the volume's file system keeps file
// permissions. The FAT family never does, whatever a server's attributes
// claim; otherwise the attributes say, and without them NTFS and ReFS do.
func (v Volume) KeepsPermissions() bool {
	name := strings.ToUpper(v.FileSystem)
	if strings.HasPrefix(name, "FAT") || name == "EXFAT" || name == "VFAT" {
		return false
	}
	if v.ACLsKnown {
		return v.PersistentACLs
	}
	return name == "NTFS" || name == "REFS"
}

// StartType is a service's start type, numbered as the registry's Start
// value and MS-SCMR number it.
type StartType uint32

const (
	StartBoot     StartType = 0
	StartSystem   StartType = 1
	StartAuto     StartType = 2
	StartDemand   StartType = 3
	StartDisabled StartType = 4
	// StartUnknown: the source gave no start type.
	StartUnknown StartType = 0xFFFFFFFF
)

func (t StartType) String() string {
	switch t {
	case StartBoot:
		return "boot"
	case StartSystem:
		return "system"
	case StartAuto:
		return "automatic"
	case StartDemand:
		return "manual"
	case StartDisabled:
		return "disabled"
	case StartUnknown:
		return "unknown"
	}
	return fmt.Sprintf("start type %d", uint32(t))
}

// ServiceState is a service's current state; "" when the source cannot
// know it (an offline image).
type ServiceState string

const (
	ServiceRunning ServiceState = "running"
	ServiceStopped ServiceState = "stopped"
	ServicePending ServiceState = "pending" // starting, stopping, pausing or resuming
	ServicePaused  ServiceState = "paused"
)

// Service is one service of the host.
type Service struct {
	Name        string
	DisplayName string
	Start       StartType
	State       ServiceState
}

// SetToRun reports whether the service runs or starts by itself: it is
// running (or starting) now, or it starts at boot or automatically.
func (s Service) SetToRun() bool {
	switch s.State {
	case ServiceRunning, ServicePending:
		return true
	}
	switch s.Start {
	case StartBoot, StartSystem, StartAuto:
		return true
	}
	return false
}
