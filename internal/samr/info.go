package samr

import (
	"github.com/patchscan/patchscan/internal/msrpc/ndr"
)

// Display information (SamrQueryDisplayInformation) and user information
// (SamrQueryInformationUser) as NDR types.

// Information classes this client asks for.
const (
	displayUser        = 1  // DomainDisplayUser
	userControlInfo    = 16 // UserControlInformation
	userAllInformation = 21 // UserAllInformation
)

// queryDisplayRequest: [in] SAMPR_HANDLE DomainHandle, [in]
// DOMAIN_DISPLAY_INFORMATION DisplayInformationClass, [in] unsigned long
// Index, [in] unsigned long EntryCount, [in] unsigned long
// PreferredMaximumLength.
type queryDisplayRequest struct {
	Domain  Handle
	Class   uint16
	Index   uint32
	Count   uint32
	MaxSize uint32
}

func (r *queryDisplayRequest) Opnum() uint16 { return opQueryDisplayInformation }
func (r *queryDisplayRequest) MaxReply() int { return listReply }
func (r *queryDisplayRequest) NDR(c *ndr.Coder) {
	r.Domain.NDR(c)
	c.Uint16(&r.Class)
	c.Uint32(&r.Index)
	c.Uint32(&r.Count)
	c.Uint32(&r.MaxSize)
}

// displayUserEntry is SAMPR_DOMAIN_DISPLAY_USER.
type displayUserEntry struct {
	Index, RID, Control          uint32
	Name, AdminComment, FullName ndr.UnicodeString
}

func (u *displayUserEntry) NDR(c *ndr.Coder) {
	c.Struct(4, func() {
		c.Uint32(&u.Index)
		c.Uint32(&u.RID)
		c.Uint32(&u.Control)
		u.Name.NDR(c)
		u.AdminComment.NDR(c)
		u.FullName.NDR(c)
	})
}

type displayUserEntries []displayUserEntry

func (a *displayUserEntries) NDR(c *ndr.Coder) {
	ndr.ConformantArray(c, (*[]displayUserEntry)(a), maxEntries)
}

// queryDisplayResponse: [out] unsigned long* TotalAvailable, [out]
// unsigned long* TotalReturned, [out, switch_is(DisplayInformationClass)]
// PSAMPR_DISPLAY_INFO_BUFFER Buffer (here its DomainDisplayUser arm,
// SAMPR_DOMAIN_DISPLAY_USER_BUFFER), NTSTATUS.
type queryDisplayResponse struct {
	TotalAvailable, TotalReturned uint32
	EntriesRead                   uint32
	Users                         *displayUserEntries
	Status                        uint32
}

func (r *queryDisplayResponse) NDR(c *ndr.Coder) {
	c.Uint32(&r.TotalAvailable)
	c.Uint32(&r.TotalReturned)
	class := uint16(displayUser)
	c.Uint16(&class)
	if c.Decoding() && class != displayUser {
		c.Failf("display information of class %d, asked for %d", class, displayUser)
		return
	}
	c.Struct(4, func() {
		c.Uint32(&r.EntriesRead)
		ndr.Unique(c, &r.Users)
	})
	c.Uint32(&r.Status)
	if c.Decoding() && r.Users != nil && len(*r.Users) != int(r.EntriesRead) {
		c.Failf("display buffer says %d entries and holds %d", r.EntriesRead, len(*r.Users))
	}
}

// queryUserRequest: [in] SAMPR_HANDLE UserHandle, [in]
// USER_INFORMATION_CLASS UserInformationClass.
type queryUserRequest struct {
	User  Handle
	Class uint16
}

func (r *queryUserRequest) Opnum() uint16 { return opQueryInformationUser }
func (r *queryUserRequest) MaxReply() int { return userAllReply }
func (r *queryUserRequest) NDR(c *ndr.Coder) {
	r.User.NDR(c)
	c.Uint16(&r.Class)
}

// oldLargeInteger is OLD_LARGE_INTEGER: a 64-bit FILETIME as two 32-bit
// halves, so 4-aligned.
type oldLargeInteger uint64

func (v *oldLargeInteger) NDR(c *ndr.Coder) {
	low, high := uint32(*v), uint32(*v>>32)
	c.Uint32(&low)
	c.Uint32(&high)
	*v = oldLargeInteger(uint64(high)<<32 | uint64(low))
}

// srSecurityDescriptor is SAMPR_SR_SECURITY_DESCRIPTOR: a length and a
// [size_is(Length)] byte buffer.
type srSecurityDescriptor struct {
	Length uint32
	Data   *byteBuffer
}

type byteBuffer []byte

func (b *byteBuffer) NDR(c *ndr.Coder) { c.ConformantBytes((*[]byte)(b), 256<<10) }

func (s *srSecurityDescriptor) NDR(c *ndr.Coder) {
	c.Struct(4, func() {
		c.Uint32(&s.Length)
		ndr.Unique(c, &s.Data)
	})
}

// logonHours is SAMPR_LOGON_HOURS: units per week and a [size_is(1260),
// length_is((UnitsPerWeek+7)/8)] byte buffer.
type logonHours struct {
	UnitsPerWeek uint16
	Hours        *hoursBuffer
}

type hoursBuffer []byte

func (b *hoursBuffer) NDR(c *ndr.Coder) { c.VaryingBytes((*[]byte)(b), 1260, 1260) }

func (l *logonHours) NDR(c *ndr.Coder) {
	c.Struct(4, func() {
		c.Uint16(&l.UnitsPerWeek)
		ndr.Unique(c, &l.Hours)
	})
}

// userAll is SAMPR_USER_ALL_INFORMATION ([MS-SAMR] 2.2.6.6). The OWF
// password blobs (which a server sends to no client like this one) and
// the private data are decoded to be skipped, and never kept.
type userAll struct {
	LastLogon, LastLogoff, PasswordLastSet, AccountExpires, PasswordCanChange, PasswordMustChange oldLargeInteger

	UserName, FullName, HomeDirectory, HomeDirectoryDrive, ScriptPath, ProfilePath ndr.UnicodeString
	AdminComment, WorkStations, UserComment, Parameters                            ndr.UnicodeString

	SecurityDescriptor                           srSecurityDescriptor
	UserID, PrimaryGroupID, Control, WhichFields uint32
	LogonHours                                   logonHours
	BadPasswordCount, LogonCount                 uint16
	CountryCode, CodePage                        uint16
	PasswordExpired                              uint8
}

func (u *userAll) NDR(c *ndr.Coder) {
	c.Struct(4, func() {
		for _, t := range []*oldLargeInteger{&u.LastLogon, &u.LastLogoff, &u.PasswordLastSet, &u.AccountExpires, &u.PasswordCanChange, &u.PasswordMustChange} {
			t.NDR(c)
		}
		for _, s := range []*ndr.UnicodeString{&u.UserName, &u.FullName, &u.HomeDirectory, &u.HomeDirectoryDrive, &u.ScriptPath,
			&u.ProfilePath, &u.AdminComment, &u.WorkStations, &u.UserComment, &u.Parameters} {
			s.NDR(c)
		}
		// LmOwfPassword, NtOwfPassword (RPC_SHORT_BLOB, the same wire form
		// as a counted string) and PrivateData: coded empty, never kept.
		var lm, nt, private ndr.CountedString
		lm.NDR(c)
		nt.NDR(c)
		private.NDR(c)
		u.SecurityDescriptor.NDR(c)
		c.Uint32(&u.UserID)
		c.Uint32(&u.PrimaryGroupID)
		c.Uint32(&u.Control)
		c.Uint32(&u.WhichFields)
		u.LogonHours.NDR(c)
		c.Uint16(&u.BadPasswordCount)
		c.Uint16(&u.LogonCount)
		c.Uint16(&u.CountryCode)
		c.Uint16(&u.CodePage)
		var lmPresent, ntPresent, sensitive uint8
		c.Uint8(&lmPresent)
		c.Uint8(&ntPresent)
		c.Uint8(&u.PasswordExpired)
		c.Uint8(&sensitive)
	})
}

// userInfo is SAMPR_USER_INFO_BUFFER with the two arms this client asks
// for: a union with a 16-bit discriminant.
type userInfo struct {
	Class   uint16
	Control uint32   // UserControlInformation
	All     *userAll // UserAllInformation
}

func (u *userInfo) NDR(c *ndr.Coder) {
	c.Uint16(&u.Class)
	switch u.Class {
	case userControlInfo:
		c.Struct(4, func() { c.Uint32(&u.Control) })
	case userAllInformation:
		if u.All == nil {
			u.All = &userAll{}
		}
		u.All.NDR(c)
	default:
		c.Failf("user information of class %d, asked for %d or %d", u.Class, userControlInfo, userAllInformation)
	}
}

// queryUserResponse: [out, switch_is(UserInformationClass)]
// PSAMPR_USER_INFO_BUFFER* Buffer, NTSTATUS.
type queryUserResponse struct {
	Info   *userInfo
	Status uint32
}

func (r *queryUserResponse) NDR(c *ndr.Coder) {
	ndr.Unique(c, &r.Info)
	c.Uint32(&r.Status)
}
