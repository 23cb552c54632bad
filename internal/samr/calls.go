package samr

import (
	"github.com/patchscan/patchscan/internal/msrpc/dtyp"
	"github.com/patchscan/patchscan/internal/msrpc/ndr"
)

// The MS-SAMR calls this client makes, as request/response pairs of NDR
// types ([MS-SAMR] 3.1.5). Field comments give the IDL parameters.
// Top-level [ref] parameters have no wire form of their own: the referent
// is coded in place. NDR enums (USER_INFORMATION_CLASS,
// DOMAIN_DISPLAY_INFORMATION) are 16 bits on the wire.

// Opnums ([MS-SAMR] 3.1.5).
const (
	opCloseHandle             = 1
	opLookupDomainInSamServer = 5
	opEnumerateDomains        = 6
	opOpenDomain              = 7
	opLookupIdsInDomain       = 18
	opOpenAlias               = 27
	opGetMembersInAlias       = 33
	opOpenUser                = 34
	opQueryInformationUser    = 36
	opQueryDisplayInformation = 40
	opConnect2                = 57
	opConnect5                = 64
)

// Bounds on what a server may make the client hold, and on replies.
const (
	maxEntries     = 10000                  // accounts, domains, members in one reply
	maxLookupIDs   = 1000                   // SamrLookupIdsInDomain's own limit
	enumBufferSize = 64 << 10               // PreferedMaximumLength asked for
	handleReply    = ndr.HandleResponseSize // a context handle and the status
	listReply      = 2 << 20                // an enumeration: bounded by enumBufferSize on a sane server
	userAllReply   = 256<<10 + 64<<10       // level 21: strings, a security descriptor up to 256 KiB
)

// Handle is a SAMPR_HANDLE.
type Handle = ndr.ContextHandle

// handleResponse: [out] SAMPR_HANDLE*, NTSTATUS.
type handleResponse = ndr.HandleResponse

// connect5Request: [in, unique, string] PSAMPR_SERVER_NAME ServerName,
// [in] unsigned long DesiredAccess, [in] unsigned long InVersion, [in,
// switch_is(InVersion)] SAMPR_REVISION_INFO* InRevisionInfo.
type connect5Request struct {
	ServerName *ndr.WString
	Access     uint32
	Revision   revisionInfo
}

func (r *connect5Request) Opnum() uint16 { return opConnect5 }
func (r *connect5Request) MaxReply() int { return 4 + 12 + handleReply }
func (r *connect5Request) NDR(c *ndr.Coder) {
	ndr.Unique(c, &r.ServerName)
	c.Uint32(&r.Access)
	version := uint32(1)
	c.Uint32(&version)
	r.Revision.NDR(c)
}

// revisionInfo is SAMPR_REVISION_INFO with its only arm, V1 (a union with
// a 32-bit discriminant).
type revisionInfo struct {
	Revision, SupportedFeatures uint32
}

func (v *revisionInfo) NDR(c *ndr.Coder) {
	tag := uint32(1)
	c.Uint32(&tag)
	if c.Decoding() && tag != 1 {
		c.Failf("SAMPR_REVISION_INFO version %d (only 1 exists)", tag)
		return
	}
	c.Uint32(&v.Revision)
	c.Uint32(&v.SupportedFeatures)
}

// connect5Response: [out] unsigned long* OutVersion, [out] OutRevisionInfo,
// [out] SAMPR_HANDLE* ServerHandle, NTSTATUS.
type connect5Response struct {
	Version  uint32
	Revision revisionInfo
	Server   Handle
	Status   uint32
}

func (r *connect5Response) NDR(c *ndr.Coder) {
	c.Uint32(&r.Version)
	r.Revision.NDR(c)
	r.Server.NDR(c)
	c.Uint32(&r.Status)
}

// connect2Request: [in, unique, string] PSAMPR_SERVER_NAME ServerName, [in]
// unsigned long DesiredAccess.
type connect2Request struct {
	ServerName *ndr.WString
	Access     uint32
}

func (r *connect2Request) Opnum() uint16 { return opConnect2 }
func (r *connect2Request) MaxReply() int { return handleReply }
func (r *connect2Request) NDR(c *ndr.Coder) {
	ndr.Unique(c, &r.ServerName)
	c.Uint32(&r.Access)
}

// handleRequest: [in] SAMPR_HANDLE alone (SamrCloseHandle,
// SamrGetMembersInAlias).
type handleRequest struct {
	Handle Handle
	op     uint16
	reply  int
}

func (r *handleRequest) Opnum() uint16    { return r.op }
func (r *handleRequest) MaxReply() int    { return r.reply }
func (r *handleRequest) NDR(c *ndr.Coder) { r.Handle.NDR(c) }

// ridEnumeration is SAMPR_RID_ENUMERATION.
type ridEnumeration struct {
	RID  uint32
	Name ndr.UnicodeString
}

func (e *ridEnumeration) NDR(c *ndr.Coder) {
	c.Struct(4, func() {
		c.Uint32(&e.RID)
		e.Name.NDR(c)
	})
}

// ridEnumerations is the [size_is(EntriesRead)] array of them.
type ridEnumerations []ridEnumeration

func (a *ridEnumerations) NDR(c *ndr.Coder) {
	ndr.ConformantArray(c, (*[]ridEnumeration)(a), maxEntries)
}

// enumerationBuffer is SAMPR_ENUMERATION_BUFFER.
type enumerationBuffer struct {
	EntriesRead uint32
	Buffer      *ridEnumerations
}

func (b *enumerationBuffer) NDR(c *ndr.Coder) {
	c.Struct(4, func() {
		c.Uint32(&b.EntriesRead)
		ndr.Unique(c, &b.Buffer)
		if c.Decoding() {
			// After the array, which is deferred.
			c.Referent(func() {
				if b.Buffer != nil && len(*b.Buffer) != int(b.EntriesRead) {
					c.Failf("SAMPR_ENUMERATION_BUFFER says %d entries and holds %d", b.EntriesRead, len(*b.Buffer))
				}
			})
		}
	})
}

// enumerateDomainsRequest: [in] SAMPR_HANDLE ServerHandle, [in, out]
// unsigned long* EnumerationContext, [in] unsigned long
// PreferedMaximumLength.
type enumerateDomainsRequest struct {
	Server  Handle
	Context uint32
	MaxLen  uint32
}

func (r *enumerateDomainsRequest) Opnum() uint16 { return opEnumerateDomains }
func (r *enumerateDomainsRequest) MaxReply() int { return listReply }
func (r *enumerateDomainsRequest) NDR(c *ndr.Coder) {
	r.Server.NDR(c)
	c.Uint32(&r.Context)
	c.Uint32(&r.MaxLen)
}

// enumerationResponse: [out] EnumerationContext, [out]
// PSAMPR_ENUMERATION_BUFFER* Buffer, [out] unsigned long* CountReturned,
// NTSTATUS.
type enumerationResponse struct {
	Context uint32
	Buffer  *enumerationBuffer
	Count   uint32
	Status  uint32
}

func (r *enumerationResponse) NDR(c *ndr.Coder) {
	c.Uint32(&r.Context)
	ndr.Unique(c, &r.Buffer)
	c.Uint32(&r.Count)
	c.Uint32(&r.Status)
}

// lookupDomainRequest: [in] SAMPR_HANDLE ServerHandle, [in]
// PRPC_UNICODE_STRING Name.
type lookupDomainRequest struct {
	Server Handle
	Name   ndr.UnicodeString
}

func (r *lookupDomainRequest) Opnum() uint16 { return opLookupDomainInSamServer }
func (r *lookupDomainRequest) MaxReply() int { return 4 + 8 + 4*dtyp.MaxSubAuthorities + 4 }
func (r *lookupDomainRequest) NDR(c *ndr.Coder) {
	r.Server.NDR(c)
	r.Name.NDR(c)
}

// lookupDomainResponse: [out] PRPC_SID* DomainId, NTSTATUS.
type lookupDomainResponse struct {
	Domain *dtyp.SID
	Status uint32
}

func (r *lookupDomainResponse) NDR(c *ndr.Coder) {
	ndr.Unique(c, &r.Domain)
	c.Uint32(&r.Status)
}

// openDomainRequest: [in] SAMPR_HANDLE ServerHandle, [in] unsigned long
// DesiredAccess, [in] PRPC_SID DomainId.
type openDomainRequest struct {
	Server Handle
	Access uint32
	Domain dtyp.SID
}

func (r *openDomainRequest) Opnum() uint16 { return opOpenDomain }
func (r *openDomainRequest) MaxReply() int { return handleReply }
func (r *openDomainRequest) NDR(c *ndr.Coder) {
	r.Server.NDR(c)
	c.Uint32(&r.Access)
	r.Domain.NDR(c)
}

// openAccountRequest: [in] SAMPR_HANDLE DomainHandle, [in] unsigned long
// DesiredAccess, [in] unsigned long AliasId / UserId (SamrOpenAlias,
// SamrOpenUser).
type openAccountRequest struct {
	Domain Handle
	Access uint32
	RID    uint32
	op     uint16
}

func (r *openAccountRequest) Opnum() uint16 { return r.op }
func (r *openAccountRequest) MaxReply() int { return handleReply }
func (r *openAccountRequest) NDR(c *ndr.Coder) {
	r.Domain.NDR(c)
	c.Uint32(&r.Access)
	c.Uint32(&r.RID)
}

// sidInformations is the array of SAMPR_PSID_ARRAY_OUT.
type sidInformations []dtyp.SIDInformation

func (a *sidInformations) NDR(c *ndr.Coder) {
	ndr.ConformantArray(c, (*[]dtyp.SIDInformation)(a), maxEntries)
}

// membersResponse: [out] PSAMPR_PSID_ARRAY_OUT Members ({unsigned long
// Count; [size_is(Count)] PSAMPR_SID_INFORMATION Sids}), NTSTATUS.
type membersResponse struct {
	Count  uint32
	SIDs   *sidInformations
	Status uint32
}

func (r *membersResponse) NDR(c *ndr.Coder) {
	c.Struct(4, func() {
		c.Uint32(&r.Count)
		ndr.Unique(c, &r.SIDs)
	})
	c.Uint32(&r.Status)
}

// rids is the [size_is(1000), length_is(Count)] unsigned long* of
// SamrLookupIdsInDomain.
type rids []ndr.DWORD

func (a *rids) NDR(c *ndr.Coder) {
	ndr.ConformantVaryingArray(c, (*[]ndr.DWORD)(a), maxLookupIDs, maxLookupIDs)
}

// lookupIDsRequest: [in] SAMPR_HANDLE DomainHandle, [in, range(0,1000)]
// unsigned long Count, [in, size_is(1000), length_is(Count)] unsigned
// long* RelativeIds.
type lookupIDsRequest struct {
	Domain Handle
	RIDs   rids
}

func (r *lookupIDsRequest) Opnum() uint16 { return opLookupIdsInDomain }

// MaxReply: per RID a counted string (at most 64 KiB) and a use.
func (r *lookupIDsRequest) MaxReply() int { return 64 + len(r.RIDs)*(8+12+0xFFFF+3+4) }
func (r *lookupIDsRequest) NDR(c *ndr.Coder) {
	r.Domain.NDR(c)
	n := uint32(len(r.RIDs))
	c.Uint32(&n)
	r.RIDs.NDR(c)
}

type unicodeStrings []ndr.UnicodeString

func (a *unicodeStrings) NDR(c *ndr.Coder) {
	ndr.ConformantArray(c, (*[]ndr.UnicodeString)(a), maxLookupIDs)
}

type dwords []ndr.DWORD

func (a *dwords) NDR(c *ndr.Coder) { ndr.ConformantArray(c, (*[]ndr.DWORD)(a), maxLookupIDs) }

// lookupIDsResponse: [out] PSAMPR_RETURNED_USTRING_ARRAY Names, [out]
// PSAMPR_ULONG_ARRAY Use, NTSTATUS.
type lookupIDsResponse struct {
	NameCount uint32
	Names     *unicodeStrings
	UseCount  uint32
	Uses      *dwords
	Status    uint32
}

func (r *lookupIDsResponse) NDR(c *ndr.Coder) {
	c.Struct(4, func() {
		c.Uint32(&r.NameCount)
		ndr.Unique(c, &r.Names)
	})
	c.Struct(4, func() {
		c.Uint32(&r.UseCount)
		ndr.Unique(c, &r.Uses)
	})
	c.Uint32(&r.Status)
}
