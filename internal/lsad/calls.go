package lsad

import (
	"github.com/patchscan/patchscan/internal/msrpc/dtyp"
	"github.com/patchscan/patchscan/internal/msrpc/ndr"
)

// The MS-LSAD and MS-LSAT calls this client makes, as request/response
// pairs of NDR types. Field comments give the IDL parameters; top-level
// [ref] parameters are coded in place; NDR enums are 16 bits.

// Opnums ([MS-LSAD] 3.1.4, [MS-LSAT] 3.1.4).
const (
	opClose                  = 0
	opQueryInformationPolicy = 7
	opLookupSids             = 15
	opOpenPolicy2            = 44
)

// Bounds.
const (
	maxSIDs      = 1000 // SIDs looked up in one call
	maxDomains   = 1000
	maxAuditCats = 64 // audit categories a reply may carry (9 exist)
	handleReply  = ndr.HandleResponseSize
)

// Handle is an LSAPR_HANDLE.
type Handle = ndr.ContextHandle

// handleResponse: [out] LSAPR_HANDLE*, NTSTATUS.
type handleResponse = ndr.HandleResponse

// objectAttributes is LSAPR_OBJECT_ATTRIBUTES with every pointer null, as
// [MS-LSAD] 3.1.4.4.9 asks of clients (the server ignores it).
type objectAttributes struct{}

func (o *objectAttributes) NDR(c *ndr.Coder) {
	c.Struct(4, func() {
		length, null, attributes := uint32(24), uint32(0), uint32(0)
		c.Uint32(&length)
		c.Uint32(&null) // RootDirectory
		c.Uint32(&null) // ObjectName
		c.Uint32(&attributes)
		c.Uint32(&null) // SecurityDescriptor
		c.Uint32(&null) // SecurityQualityOfService
	})
}

// openPolicy2Request: [in, unique, string] wchar_t* SystemName, [in]
// PLSAPR_OBJECT_ATTRIBUTES ObjectAttributes, [in] ACCESS_MASK
// DesiredAccess.
type openPolicy2Request struct {
	SystemName *ndr.WString
	Attributes objectAttributes
	Access     uint32
}

func (r *openPolicy2Request) Opnum() uint16 { return opOpenPolicy2 }
func (r *openPolicy2Request) MaxReply() int { return handleReply }
func (r *openPolicy2Request) NDR(c *ndr.Coder) {
	ndr.Unique(c, &r.SystemName)
	r.Attributes.NDR(c)
	c.Uint32(&r.Access)
}

// closeRequest: [in, out] LSAPR_HANDLE* ObjectHandle.
type closeRequest struct{ Handle Handle }

func (r *closeRequest) Opnum() uint16    { return opClose }
func (r *closeRequest) MaxReply() int    { return handleReply }
func (r *closeRequest) NDR(c *ndr.Coder) { r.Handle.NDR(c) }

// queryPolicyRequest: [in] LSAPR_HANDLE PolicyHandle, [in]
// POLICY_INFORMATION_CLASS InformationClass.
type queryPolicyRequest struct {
	Policy Handle
	Class  uint16
}

func (r *queryPolicyRequest) Opnum() uint16 { return opQueryInformationPolicy }
func (r *queryPolicyRequest) MaxReply() int { return 64 + 4*maxAuditCats }
func (r *queryPolicyRequest) NDR(c *ndr.Coder) {
	r.Policy.NDR(c)
	c.Uint16(&r.Class)
}

// policyAuditEventsInformation is POLICY_INFORMATION_CLASS 2.
const policyAuditEventsInformation = 2

type auditOptions []ndr.DWORD

func (a *auditOptions) NDR(c *ndr.Coder) {
	ndr.ConformantArray(c, (*[]ndr.DWORD)(a), maxAuditCats)
}

// auditEventsInfo is LSAPR_POLICY_AUDIT_EVENTS_INFO: AuditingMode, a
// [size_is(MaximumAuditEventCount)] unsigned long* EventAuditingOptions,
// MaximumAuditEventCount.
type auditEventsInfo struct {
	Mode    uint8
	Options *auditOptions
	Count   uint32
}

func (a *auditEventsInfo) NDR(c *ndr.Coder) {
	c.Struct(4, func() {
		c.Uint8(&a.Mode)
		ndr.Unique(c, &a.Options)
		c.Uint32(&a.Count)
		if c.Decoding() {
			c.Referent(func() {
				if a.Options != nil && len(*a.Options) != int(a.Count) {
					c.Failf("audit events info says %d categories and holds %d", a.Count, len(*a.Options))
				}
			})
		}
	})
}

// policyInformation is LSAPR_POLICY_INFORMATION with the one arm this
// client asks for (a union with a 16-bit discriminant).
type policyInformation struct {
	Class uint16
	Audit auditEventsInfo
}

func (p *policyInformation) NDR(c *ndr.Coder) {
	c.Uint16(&p.Class)
	if p.Class != policyAuditEventsInformation {
		c.Failf("policy information of class %d, asked for %d", p.Class, policyAuditEventsInformation)
		return
	}
	p.Audit.NDR(c)
}

// queryPolicyResponse: [out, switch_is(InformationClass)]
// PLSAPR_POLICY_INFORMATION* PolicyInformation, NTSTATUS.
type queryPolicyResponse struct {
	Info   *policyInformation
	Status uint32
}

func (r *queryPolicyResponse) NDR(c *ndr.Coder) {
	ndr.Unique(c, &r.Info)
	c.Uint32(&r.Status)
}

// sidInformations is the array of LSAPR_SID_ENUM_BUFFER.
type sidInformations []dtyp.SIDInformation

func (a *sidInformations) NDR(c *ndr.Coder) {
	ndr.ConformantArray(c, (*[]dtyp.SIDInformation)(a), maxSIDs)
}

// translatedName is LSAPR_TRANSLATED_NAME: SID_NAME_USE Use, the Name and
// the index of its domain in the referenced domain list.
type translatedName struct {
	Use         uint16
	Name        ndr.UnicodeString
	DomainIndex uint32
}

func (n *translatedName) NDR(c *ndr.Coder) {
	c.Struct(4, func() {
		c.Uint16(&n.Use)
		n.Name.NDR(c)
		c.Uint32(&n.DomainIndex)
	})
}

type translatedNames []translatedName

func (a *translatedNames) NDR(c *ndr.Coder) { ndr.ConformantArray(c, (*[]translatedName)(a), maxSIDs) }

// trustInformation is LSAPR_TRUST_INFORMATION: a domain's name and SID.
type trustInformation struct {
	Name ndr.UnicodeString
	SID  *dtyp.SID
}

func (t *trustInformation) NDR(c *ndr.Coder) {
	c.Struct(4, func() {
		t.Name.NDR(c)
		ndr.Unique(c, &t.SID)
	})
}

type trustInformations []trustInformation

func (a *trustInformations) NDR(c *ndr.Coder) {
	ndr.ConformantArray(c, (*[]trustInformation)(a), maxDomains)
}

// referencedDomains is LSAPR_REFERENCED_DOMAIN_LIST.
type referencedDomains struct {
	Entries    uint32
	Domains    *trustInformations
	MaxEntries uint32
}

func (l *referencedDomains) NDR(c *ndr.Coder) {
	c.Struct(4, func() {
		c.Uint32(&l.Entries)
		ndr.Unique(c, &l.Domains)
		c.Uint32(&l.MaxEntries)
	})
}

// lookupSidsRequest: [in] LSAPR_HANDLE PolicyHandle, [in]
// PLSAPR_SID_ENUM_BUFFER SidEnumBuffer, [in, out] PLSAPR_TRANSLATED_NAMES
// TranslatedNames (empty), [in] LSAP_LOOKUP_LEVEL LookupLevel, [in, out]
// unsigned long* MappedCount.
type lookupSidsRequest struct {
	Policy Handle
	SIDs   sidInformations
	Level  uint16
}

func (r *lookupSidsRequest) Opnum() uint16 { return opLookupSids }

// MaxReply: per SID a translated name and a referenced domain, each with
// a counted string (at most 64 KiB) and a SID.
func (r *lookupSidsRequest) MaxReply() int {
	return 64 + len(r.SIDs)*2*(16+12+0xFFFF+3+8+4*dtyp.MaxSubAuthorities)
}

func (r *lookupSidsRequest) NDR(c *ndr.Coder) {
	r.Policy.NDR(c)
	c.Struct(4, func() {
		n := uint32(len(r.SIDs))
		c.Uint32(&n)
		ptr := &r.SIDs
		ndr.Unique(c, &ptr)
	})
	c.Struct(4, func() {
		zero := uint32(0)
		c.Uint32(&zero) // Entries
		c.Uint32(&zero) // Names: null
	})
	c.Uint16(&r.Level)
	mapped := uint32(0)
	c.Uint32(&mapped)
}

// lookupSidsResponse: [out] PLSAPR_REFERENCED_DOMAIN_LIST*
// ReferencedDomains, [in, out] PLSAPR_TRANSLATED_NAMES TranslatedNames,
// [in, out] unsigned long* MappedCount, NTSTATUS.
type lookupSidsResponse struct {
	Domains *referencedDomains
	Entries uint32
	Names   *translatedNames
	Mapped  uint32
	Status  uint32
}

func (r *lookupSidsResponse) NDR(c *ndr.Coder) {
	ndr.Unique(c, &r.Domains)
	c.Struct(4, func() {
		c.Uint32(&r.Entries)
		ndr.Unique(c, &r.Names)
	})
	c.Uint32(&r.Mapped)
	c.Uint32(&r.Status)
}
