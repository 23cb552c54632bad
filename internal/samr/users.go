package samr

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/patchscan/patchscan/internal/msrpc"
	"github.com/patchscan/patchscan/internal/msrpc/dtyp"
)

// AccountControl is a user's UserAccountControl ([MS-SAMR] 2.2.1.12).
type AccountControl uint32

// UserAccountControl flags.
const (
	AccountDisabled          AccountControl = 0x00000001
	HomeDirectoryRequired    AccountControl = 0x00000002
	PasswordNotRequired      AccountControl = 0x00000004
	TempDuplicateAccount     AccountControl = 0x00000008
	NormalAccount            AccountControl = 0x00000010
	MNSLogonAccount          AccountControl = 0x00000020
	InterdomainTrustAccount  AccountControl = 0x00000040
	WorkstationTrustAccount  AccountControl = 0x00000080
	ServerTrustAccount       AccountControl = 0x00000100
	DontExpirePassword       AccountControl = 0x00000200
	AccountAutoLocked        AccountControl = 0x00000400
	EncryptedTextPasswordOK  AccountControl = 0x00000800
	SmartcardRequired        AccountControl = 0x00001000
	TrustedForDelegation     AccountControl = 0x00002000
	NotDelegated             AccountControl = 0x00004000
	UseDESKeyOnly            AccountControl = 0x00008000
	DontRequirePreauth       AccountControl = 0x00010000
	PasswordExpiredFlag      AccountControl = 0x00020000
	TrustedToAuthForDelegate AccountControl = 0x00040000
)

var controlNames = []struct {
	f    AccountControl
	name string
}{
	{AccountDisabled, "disabled"}, {HomeDirectoryRequired, "home-directory-required"},
	{PasswordNotRequired, "password-not-required"}, {TempDuplicateAccount, "temp-duplicate"},
	{NormalAccount, "normal"}, {MNSLogonAccount, "mns-logon"}, {InterdomainTrustAccount, "interdomain-trust"},
	{WorkstationTrustAccount, "workstation-trust"}, {ServerTrustAccount, "server-trust"},
	{DontExpirePassword, "password-never-expires"}, {AccountAutoLocked, "locked"},
	{EncryptedTextPasswordOK, "reversible-password"}, {SmartcardRequired, "smartcard-required"},
	{TrustedForDelegation, "trusted-for-delegation"}, {NotDelegated, "not-delegated"},
	{UseDESKeyOnly, "des-only"}, {DontRequirePreauth, "no-preauth"}, {PasswordExpiredFlag, "password-expired"},
	{TrustedToAuthForDelegate, "trusted-to-auth-for-delegation"},
}

// Disabled reports USER_ACCOUNT_DISABLED.
func (a AccountControl) Disabled() bool { return a&AccountDisabled != 0 }

// PasswordNeverExpires reports USER_DONT_EXPIRE_PASSWORD.
func (a AccountControl) PasswordNeverExpires() bool { return a&DontExpirePassword != 0 }

// PasswordNotRequired reports USER_PASSWORD_NOT_REQUIRED.
func (a AccountControl) PasswordNotRequired() bool { return a&PasswordNotRequired != 0 }

// Locked reports USER_ACCOUNT_AUTO_LOCKED.
func (a AccountControl) Locked() bool { return a&AccountAutoLocked != 0 }

// String lists the flags: "normal,disabled,password-never-expires".
func (a AccountControl) String() string {
	var out []string
	rest := a
	for _, n := range controlNames {
		if a&n.f != 0 {
			out = append(out, n.name)
			rest &^= n.f
		}
	}
	if rest != 0 {
		out = append(out, fmt.Sprintf("0x%x", uint32(rest)))
	}
	return strings.Join(out, ",")
}

// User is a local account as the host lists it.
type User struct {
	RID      uint32
	SID      dtyp.SID
	Name     string
	FullName string
	Comment  string
	Control  AccountControl
}

// LocalUsers lists the accounts of the host's account domain with their
// flags, by RID (SamrQueryDisplayInformation, DomainDisplayUser).
func (c *Client) LocalUsers(ctx context.Context) ([]User, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.connect(ctx); err != nil {
		return nil, err
	}
	var users []User
	for index := uint32(0); ; {
		var r queryDisplayResponse
		req := &queryDisplayRequest{Domain: *c.acct, Class: displayUser, Index: index, Count: maxEntries, MaxSize: enumBufferSize}
		if err := c.do(ctx, "SamrQueryDisplayInformation", req, &r, func() uint32 { return r.Status }); err != nil {
			return nil, err
		}
		n := 0
		if r.Users != nil {
			n = len(*r.Users)
			for _, e := range *r.Users {
				users = append(users, User{RID: e.RID, SID: c.acctSID.Child(e.RID), Name: string(e.Name),
					FullName: string(e.FullName), Comment: string(e.AdminComment), Control: AccountControl(e.Control)})
			}
		}
		if dtyp.NTStatus(r.Status) != dtyp.StatusMoreEntries {
			break
		}
		if n == 0 || len(users) > maxEntries {
			return nil, fmt.Errorf("SamrQueryDisplayInformation: %w: the listing does not advance (%d accounts)", msrpc.ErrProtocol, len(users))
		}
		index += uint32(n)
	}
	sort.Slice(users, func(i, j int) bool { return users[i].RID < users[j].RID })
	return users, nil
}

// UserDetails is what SamrQueryInformationUser's UserAllInformation says
// of one account. Times are zero when the server says never.
type UserDetails struct {
	User
	PrimaryGroupID     uint32
	LastLogon          time.Time
	PasswordLastSet    time.Time
	PasswordCanChange  time.Time
	PasswordMustChange time.Time
	AccountExpires     time.Time
	BadPasswordCount   uint16
	LogonCount         uint16
	PasswordExpired    bool
}

// UserDetails reads one account of the account domain (by RID; RIDGuest
// for the Guest account) with SamrOpenUser and SamrQueryInformationUser.
// A server that refuses UserAllInformation to this account is asked for
// UserControlInformation, which carries the flags alone.
func (c *Client) UserDetails(ctx context.Context, rid uint32) (*UserDetails, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.connect(ctx); err != nil {
		return nil, err
	}
	var oh handleResponse
	if err := c.do(ctx, fmt.Sprintf("SamrOpenUser %d", rid), &openAccountRequest{Domain: *c.acct, Access: userAccess, RID: rid, op: opOpenUser},
		&oh, func() uint32 { return oh.Status }); err != nil {
		return nil, err
	}
	d := &UserDetails{User: User{RID: rid, SID: c.acctSID.Child(rid)}}
	var r queryUserResponse
	err := c.do(ctx, "SamrQueryInformationUser", &queryUserRequest{User: oh.Handle, Class: userAllInformation}, &r, func() uint32 { return r.Status })
	if st, ok := asStatus(err); ok && (st == dtyp.StatusAccessDenied || st == dtyp.StatusInvalidInfoClass) {
		r = queryUserResponse{}
		err = c.do(ctx, "SamrQueryInformationUser", &queryUserRequest{User: oh.Handle, Class: userControlInfo}, &r, func() uint32 { return r.Status })
	}
	if err != nil {
		return nil, err
	}
	if r.Info == nil {
		return nil, fmt.Errorf("SamrQueryInformationUser %d: %w: no information in the reply", rid, msrpc.ErrProtocol)
	}
	d.Control = AccountControl(r.Info.Control)
	if a := r.Info.All; a != nil {
		d.fromAll(a)
	}
	c.closeHandle(ctx, oh.Handle)
	return d, nil
}

func (d *UserDetails) fromAll(a *userAll) {
	d.Name, d.FullName, d.Comment = string(a.UserName), string(a.FullName), string(a.AdminComment)
	d.Control = AccountControl(a.Control)
	d.PrimaryGroupID = a.PrimaryGroupID
	d.LastLogon, d.PasswordLastSet = fileTime(a.LastLogon), fileTime(a.PasswordLastSet)
	d.PasswordCanChange, d.PasswordMustChange = fileTime(a.PasswordCanChange), fileTime(a.PasswordMustChange)
	d.AccountExpires = fileTime(a.AccountExpires)
	d.BadPasswordCount, d.LogonCount = a.BadPasswordCount, a.LogonCount
	d.PasswordExpired = a.PasswordExpired != 0
}

// fileTime converts a FILETIME; 0 and the largest values mean never.
func fileTime(v oldLargeInteger) time.Time {
	const epochDiff = 116444736000000000 // 1601-01-01 to 1970-01-01 in 100 ns
	if v == 0 || v >= 0x7FFFFFFFFFFFFFFF || v < epochDiff {
		return time.Time{}
	}
	return time.Unix(0, int64(v-epochDiff)*100).UTC()
}

func (c *Client) closeHandle(ctx context.Context, h Handle) {
	var r handleResponse
	// Best effort: a handle left open ends with the association.
	_ = c.do(ctx, "SamrCloseHandle", &handleRequest{Handle: h, op: opCloseHandle, reply: handleReply}, &r, func() uint32 { return r.Status })
}

func asStatus(err error) (dtyp.NTStatus, bool) {
	var st dtyp.NTStatus
	ok := errors.As(err, &st)
	return st, ok
}
