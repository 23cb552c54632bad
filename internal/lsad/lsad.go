// Package lsad is a read-only client for the Local Security Authority
// policy ([MS-LSAD]) and translation ([MS-LSAT]) interfaces over a bound
// DCE/RPC connection (\PIPE\lsarpc over SMB): the audit policy per
// category, and the names of SIDs. Policy handles are opened with the one
// view or lookup right each call needs; nothing is ever set.
//
// Each call is a request/response pair of NDR types (calls.go), read
// through the ndr decoder with its bounds.
//
// API for callers (the config checks of issue 16):
//
//	c, err := lsad.Bind(ctx, pipe, msrpc.Options{}) // pipe: an open \PIPE\lsarpc
//	ap, err := c.AuditPolicy(ctx)  // *lsad.AuditPolicy: auditing on/off, success/failure per category
//	ap.Options[lsad.AuditLogon].Success(), ap.Options[lsad.AuditAccountManagement].Failure()
//	names, err := c.LookupSIDs(ctx, sids) // []lsad.Name: domain, name and use per SID; unknown SIDs left empty
//
// AuditPolicy costs two calls (LsarOpenPolicy2 with
// POLICY_VIEW_AUDIT_INFORMATION, which Windows grants administrators,
// then LsarQueryInformationPolicy), LookupSIDs one per 1,000 SIDs after
// its own LsarOpenPolicy2 (POLICY_LOOKUP_NAMES). Errors that are the
// server refusing the account match dtyp.ErrAccessDenied.
package lsad

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"sync"

	"github.com/patchscan/patchscan/internal/msrpc"
	"github.com/patchscan/patchscan/internal/msrpc/dtyp"
	"github.com/patchscan/patchscan/internal/msrpc/ndr"
)

// Interface is lsarpc, version 0.0 (MS-LSAD and MS-LSAT share it).
var Interface = msrpc.SyntaxID{UUID: msrpc.MustParseUUID("12345778-1234-abcd-ef00-0123456789ab")}

// Access rights ([MS-LSAD] 2.2.1.1.2).
const (
	policyViewAuditInformation = 0x00000002
	policyLookupNames          = 0x00000800
)

// Client issues LSA calls over a bound connection. It is safe for
// concurrent use.
type Client struct {
	c       msrpc.Caller
	mu      sync.Mutex
	handles map[uint32]Handle // by access
}

// New wraps a connection already bound to Interface.
func New(c msrpc.Caller) *Client { return &Client{c: c, handles: map[uint32]Handle{}} }

// Bind binds Interface over an open \PIPE\lsarpc and returns a client.
func Bind(ctx context.Context, pipe io.ReadWriter, opts msrpc.Options) (*Client, error) {
	return msrpc.BindClient(ctx, pipe, Interface, opts, New)
}

func (c *Client) do(ctx context.Context, name string, req msrpc.Request, resp ndr.Type, status *uint32) error {
	if err := msrpc.Do(ctx, c.c, req, resp); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if st := dtyp.NTStatus(*status); st.IsError() {
		return fmt.Errorf("%s: %w", name, st)
	}
	return nil
}

// policy opens (once) a policy handle with access.
func (c *Client) policy(ctx context.Context, access uint32) (Handle, error) {
	if h, ok := c.handles[access]; ok {
		return h, nil
	}
	var r handleResponse
	if err := c.do(ctx, "LsarOpenPolicy2", &openPolicy2Request{Access: access}, &r, &r.Status); err != nil {
		return Handle{}, err
	}
	c.handles[access] = r.Handle
	return r.Handle, nil
}

// Close closes the policy handles opened so far (they also end with the
// association).
func (c *Client) Close(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var first error
	// In the order of the access masks, not the map's: the same client
	// makes the same calls (a recorded conversation replays).
	for _, access := range slices.Sorted(maps.Keys(c.handles)) {
		var r handleResponse
		if err := c.do(ctx, "LsarClose", &closeRequest{Handle: c.handles[access]}, &r, &r.Status); err != nil && first == nil {
			first = err
		}
		delete(c.handles, access)
	}
	return first
}

// AuditCategory indexes POLICY_AUDIT_EVENT_TYPE ([MS-LSAD] 2.2.4.20).
type AuditCategory int

// Audit categories, in the order of the policy's array.
const (
	AuditSystem AuditCategory = iota
	AuditLogon
	AuditObjectAccess
	AuditPrivilegeUse
	AuditDetailedTracking
	AuditPolicyChange
	AuditAccountManagement
	AuditDirectoryServiceAccess
	AuditAccountLogon
)

var categoryNames = []string{"System", "Logon", "Object Access", "Privilege Use", "Detailed Tracking",
	"Policy Change", "Account Management", "Directory Service Access", "Account Logon"}

func (a AuditCategory) String() string {
	if a >= 0 && int(a) < len(categoryNames) {
		return categoryNames[a]
	}
	return fmt.Sprintf("category %d", int(a))
}

// AuditOptions is one category's POLICY_AUDIT_EVENT_OPTIONS.
type AuditOptions uint32

// Option bits.
const (
	AuditSuccess AuditOptions = 0x1
	AuditFailure AuditOptions = 0x2
	AuditNone    AuditOptions = 0x4
)

// Success reports that successes are audited.
func (o AuditOptions) Success() bool { return o&AuditSuccess != 0 }

// Failure reports that failures are audited.
func (o AuditOptions) Failure() bool { return o&AuditFailure != 0 }

func (o AuditOptions) String() string {
	switch o & (AuditSuccess | AuditFailure) {
	case AuditSuccess | AuditFailure:
		return "success and failure"
	case AuditSuccess:
		return "success"
	case AuditFailure:
		return "failure"
	}
	return "no auditing"
}

// AuditPolicy is a host's audit policy.
type AuditPolicy struct {
	// Enabled is AuditingMode: when false, nothing is audited whatever
	// the options say.
	Enabled bool
	// Options are per AuditCategory, as many as the host has.
	Options []AuditOptions
}

// Category returns the options of cat and whether the host has it.
func (p *AuditPolicy) Category(cat AuditCategory) (AuditOptions, bool) {
	if cat < 0 || int(cat) >= len(p.Options) {
		return 0, false
	}
	return p.Options[cat], true
}

// AuditPolicy reads the audit policy (LsarQueryInformationPolicy,
// PolicyAuditEventsInformation).
func (c *Client) AuditPolicy(ctx context.Context) (*AuditPolicy, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	h, err := c.policy(ctx, policyViewAuditInformation)
	if err != nil {
		return nil, err
	}
	var r queryPolicyResponse
	if err := c.do(ctx, "LsarQueryInformationPolicy", &queryPolicyRequest{Policy: h, Class: policyAuditEventsInformation}, &r, &r.Status); err != nil {
		return nil, err
	}
	if r.Info == nil {
		return nil, fmt.Errorf("LsarQueryInformationPolicy: %w: no information in the reply", msrpc.ErrProtocol)
	}
	p := &AuditPolicy{Enabled: r.Info.Audit.Mode != 0}
	if o := r.Info.Audit.Options; o != nil {
		for _, v := range *o {
			p.Options = append(p.Options, AuditOptions(v))
		}
	}
	return p, nil
}

// Name is what a host calls a SID.
type Name struct {
	SID dtyp.SID
	// Domain and Name are empty for a SID the host could not translate
	// (Use dtyp.SIDTypeUnknown).
	Domain, Name string
	Use          dtyp.SIDNameUse
}

// LookupSIDs names SIDs (LsarLookupSids at the workstation level: the
// host's own accounts, its domain's, and the well-known ones). A SID the
// host cannot translate comes back with Use dtyp.SIDTypeUnknown, not as
// an error.
func (c *Client) LookupSIDs(ctx context.Context, sids []dtyp.SID) ([]Name, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]Name, 0, len(sids))
	for start := 0; start < len(sids); start += maxSIDs {
		names, err := c.lookup(ctx, sids[start:min(start+maxSIDs, len(sids))])
		if err != nil {
			return nil, err
		}
		out = append(out, names...)
	}
	return out, nil
}

func (c *Client) lookup(ctx context.Context, sids []dtyp.SID) ([]Name, error) {
	h, err := c.policy(ctx, policyLookupNames)
	if err != nil {
		return nil, err
	}
	req := &lookupSidsRequest{Policy: h, Level: 1} // LsapLookupWksta
	for i := range sids {
		req.SIDs = append(req.SIDs, dtyp.SIDInformation{SID: &sids[i]})
	}
	var r lookupSidsResponse
	err = c.do(ctx, "LsarLookupSids", req, &r, &r.Status)
	out := make([]Name, len(sids))
	for i, s := range sids {
		out[i] = Name{SID: s, Use: dtyp.SIDTypeUnknown}
	}
	if err != nil && dtyp.NTStatus(r.Status) == dtyp.StatusNoneMapped {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	if r.Names == nil || len(*r.Names) != len(sids) {
		return nil, fmt.Errorf("LsarLookupSids: %w: %d SIDs asked for, the reply does not name as many", msrpc.ErrProtocol, len(sids))
	}
	var domains []trustInformation
	if r.Domains != nil && r.Domains.Domains != nil {
		domains = *r.Domains.Domains
	}
	for i, n := range *r.Names {
		use := dtyp.SIDNameUse(n.Use)
		if use == dtyp.SIDTypeUnknown || use == dtyp.SIDTypeInvalid {
			continue
		}
		out[i].Name, out[i].Use = string(n.Name), use
		if int64(n.DomainIndex) < int64(len(domains)) {
			out[i].Domain = string(domains[n.DomainIndex].Name)
		}
	}
	return out, nil
}
