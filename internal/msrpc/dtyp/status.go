package dtyp

import (
	"errors"
	"fmt"
)

// NTStatus is an NTSTATUS code ([MS-ERREF] 2.3) a call returned.
type NTStatus uint32

// NTSTATUS codes the interfaces give meaning to.
const (
	StatusSuccess          NTStatus = 0x00000000
	StatusMoreEntries      NTStatus = 0x00000105
	StatusSomeNotMapped    NTStatus = 0x00000107
	StatusNoMoreEntries    NTStatus = 0x8000001A
	StatusInvalidInfoClass NTStatus = 0xC0000003
	StatusAccessDenied     NTStatus = 0xC0000022
	StatusNoSuchUser       NTStatus = 0xC0000064
	StatusNoneMapped       NTStatus = 0xC0000073
	StatusNoSuchDomain     NTStatus = 0xC00000DF
	StatusNoSuchAlias      NTStatus = 0xC0000151
	StatusNotSupported     NTStatus = 0xC00000BB
	StatusInvalidParameter NTStatus = 0xC000000D
	StatusInvalidHandle    NTStatus = 0xC0000008
)

var ntNames = map[NTStatus]string{
	StatusMoreEntries:      "STATUS_MORE_ENTRIES",
	StatusSomeNotMapped:    "STATUS_SOME_NOT_MAPPED",
	StatusNoMoreEntries:    "STATUS_NO_MORE_ENTRIES",
	StatusInvalidInfoClass: "STATUS_INVALID_INFO_CLASS",
	StatusAccessDenied:     "STATUS_ACCESS_DENIED",
	StatusNoSuchUser:       "STATUS_NO_SUCH_USER",
	StatusNoneMapped:       "STATUS_NONE_MAPPED",
	StatusNoSuchDomain:     "STATUS_NO_SUCH_DOMAIN",
	StatusNoSuchAlias:      "STATUS_NO_SUCH_ALIAS",
	StatusNotSupported:     "STATUS_NOT_SUPPORTED",
	StatusInvalidParameter: "STATUS_INVALID_PARAMETER",
	StatusInvalidHandle:    "STATUS_INVALID_HANDLE",
}

func (s NTStatus) Error() string {
	if n, ok := ntNames[s]; ok {
		return fmt.Sprintf("%s (0x%08X)", n, uint32(s))
	}
	return fmt.Sprintf("NTSTATUS 0x%08X", uint32(s))
}

// IsError reports whether the code's severity is error (0xC...): success
// and informational codes (STATUS_MORE_ENTRIES) are not.
func (s NTStatus) IsError() bool { return s>>30 == 3 }

// ErrAccessDenied matches STATUS_ACCESS_DENIED and ERROR_ACCESS_DENIED: the
// server refused the call to this account. Callers map it to their own
// sentinel.
var ErrAccessDenied = errors.New("access denied")

// Is lets errors.Is match ErrAccessDenied.
func (s NTStatus) Is(target error) bool { return target == ErrAccessDenied && s == StatusAccessDenied }

// Win32Error is a Win32 status a call returned (error_status_t,
// NET_API_STATUS).
type Win32Error uint32

// Win32 error codes the interfaces give meaning to.
const (
	ErrorSuccess          Win32Error = 0
	ErrorAccessDenied     Win32Error = 5
	ErrorInvalidHandle    Win32Error = 6
	ErrorInvalidParameter Win32Error = 87
	ErrorInsufficientBuf  Win32Error = 122
	ErrorInvalidLevel     Win32Error = 124
	ErrorMoreData         Win32Error = 234
	ErrorNoMoreItems      Win32Error = 259
	ErrorServiceDoesNotEx Win32Error = 1060
	ErrorNotSupported     Win32Error = 50
)

var win32Names = map[Win32Error]string{
	ErrorAccessDenied:     "ERROR_ACCESS_DENIED",
	ErrorInvalidHandle:    "ERROR_INVALID_HANDLE",
	ErrorInvalidParameter: "ERROR_INVALID_PARAMETER",
	ErrorInsufficientBuf:  "ERROR_INSUFFICIENT_BUFFER",
	ErrorInvalidLevel:     "ERROR_INVALID_LEVEL",
	ErrorMoreData:         "ERROR_MORE_DATA",
	ErrorNoMoreItems:      "ERROR_NO_MORE_ITEMS",
	ErrorServiceDoesNotEx: "ERROR_SERVICE_DOES_NOT_EXIST",
	ErrorNotSupported:     "ERROR_NOT_SUPPORTED",
}

func (e Win32Error) Error() string {
	if n, ok := win32Names[e]; ok {
		return fmt.Sprintf("%s (%d)", n, uint32(e))
	}
	return fmt.Sprintf("Win32 error %d", uint32(e))
}

// Is lets errors.Is match ErrAccessDenied.
func (e Win32Error) Is(target error) bool { return target == ErrAccessDenied && e == ErrorAccessDenied }

// SIDNameUse is SID_NAME_USE ([MS-SAMR] 2.2.2.3, [MS-LSAT] 2.2.13): what kind of account a
// SID names.
type SIDNameUse uint32

// SID_NAME_USE values.
const (
	SIDTypeUser           SIDNameUse = 1
	SIDTypeGroup          SIDNameUse = 2
	SIDTypeDomain         SIDNameUse = 3
	SIDTypeAlias          SIDNameUse = 4
	SIDTypeWellKnownGroup SIDNameUse = 5
	SIDTypeDeletedAccount SIDNameUse = 6
	SIDTypeInvalid        SIDNameUse = 7
	SIDTypeUnknown        SIDNameUse = 8
	SIDTypeComputer       SIDNameUse = 9
)

func (u SIDNameUse) String() string {
	names := []string{"unresolved", "user", "group", "domain", "alias", "well-known group", "deleted account", "invalid", "unknown", "computer"}
	if int(u) < len(names) {
		return names[u]
	}
	return fmt.Sprintf("SID_NAME_USE %d", uint32(u))
}
