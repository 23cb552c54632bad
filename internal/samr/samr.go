// Package samr is a read-only client for the Security Account Manager
// Remote Protocol ([MS-SAMR]) over a bound DCE/RPC connection (\PIPE\samr
// over SMB): the local users of a host with their account flags, and the
// members of its builtin aliases, BUILTIN\Administrators above all. Every
// handle is opened with read and list rights only; nothing is ever set.
//
// Each call is a request/response pair of NDR types (calls.go, info.go),
// read through the ndr decoder with its bounds.
//
// API for callers (the config checks of issue 16):
//
//	c, err := samr.Bind(ctx, pipe, msrpc.Options{}) // pipe: an open \PIPE\samr
//	users, err := c.LocalUsers(ctx)                  // []samr.User: RID, SID, name, full name, AccountControl
//	admins, err := c.AliasMembers(ctx, samr.AliasAdmins) // []samr.Member: SID, and name where the host's SAM knows it
//	u, err := c.UserDetails(ctx, samr.RIDGuest)      // one account's password and logon times, flags
//
// A Client connects (SamrConnect5, or SamrConnect2 on servers without it)
// and opens the account and builtin domains on first use, and keeps the
// handles: LocalUsers then costs one SamrQueryDisplayInformation per 64 KiB
// of accounts, AliasMembers three calls (alias, members, names). Members
// from other domains keep an empty Name: resolve them with
// lsad.LookupSIDs. Errors that are the server refusing the account match
// dtyp.ErrAccessDenied.
package samr

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/patchscan/patchscan/internal/msrpc"
	"github.com/patchscan/patchscan/internal/msrpc/dtyp"
	"github.com/patchscan/patchscan/internal/msrpc/ndr"
)

// Interface is MS-SAMR, version 1.0.
var Interface = msrpc.SyntaxID{UUID: msrpc.MustParseUUID("12345778-1234-abcd-ef00-0123456789ac"), Major: 1}

// Access rights asked for: reading and listing only ([MS-SAMR] 2.2.1).
const (
	serverAccess = 0x00000001 | 0x00000010 | 0x00000020 // SAM_SERVER_CONNECT | ENUMERATE_DOMAINS | LOOKUP_DOMAIN
	domainAccess = 0x00000100 | 0x00000200              // DOMAIN_LIST_ACCOUNTS | DOMAIN_LOOKUP
	aliasAccess  = 0x00000004                           // ALIAS_LIST_MEMBERS
	// USER_READ_GENERAL | USER_READ_PREFERENCES | USER_READ_LOGON | USER_READ_ACCOUNT
	userAccess = 0x00000001 | 0x00000002 | 0x00000004 | 0x00000010
)

// Well-known RIDs.
const (
	RIDAdministrator = 500
	RIDGuest         = 501
	AliasAdmins      = 544 // BUILTIN\Administrators
	AliasUsers       = 545
	AliasGuests      = 546
	AliasPowerUsers  = 547
	AliasRemoteDesk  = 555 // Remote Desktop Users
)

// Client issues MS-SAMR calls over a bound connection. It is safe for
// concurrent use; calls are serialized on the connection anyway.
type Client struct {
	c msrpc.Caller

	mu        sync.Mutex
	server    *Handle
	acctName  string
	acctSID   dtyp.SID
	acct      *Handle
	builtin   *Handle
	connected bool
}

// New wraps a connection already bound to Interface.
func New(c msrpc.Caller) *Client { return &Client{c: c} }

// Bind binds Interface over an open \PIPE\samr and returns a client.
func Bind(ctx context.Context, pipe io.ReadWriter, opts msrpc.Options) (*Client, error) {
	return msrpc.BindClient(ctx, pipe, Interface, opts, New)
}

// do runs one call and turns a failing NTSTATUS into an error (nil for
// the informational ones the caller handles, returned as they are).
func (c *Client) do(ctx context.Context, name string, req msrpc.Request, resp ndr.Type, status func() uint32) error {
	if err := msrpc.Do(ctx, c.c, req, resp); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if st := dtyp.NTStatus(status()); st.IsError() {
		return fmt.Errorf("%s: %w", name, st)
	}
	return nil
}

// connect opens the server and both domains once.
func (c *Client) connect(ctx context.Context) error {
	if c.connected {
		return nil
	}
	server, err := c.connectServer(ctx)
	if err != nil {
		return err
	}
	c.server = &server
	if err := c.findAccountDomain(ctx); err != nil {
		return err
	}
	acct, err := c.openDomain(ctx, c.acctSID)
	if err != nil {
		return err
	}
	builtin, err := c.openDomain(ctx, dtyp.BuiltinDomain)
	if err != nil {
		return err
	}
	c.acct, c.builtin, c.connected = &acct, &builtin, true
	return nil
}

func (c *Client) connectServer(ctx context.Context) (Handle, error) {
	var r5 connect5Response
	err := c.do(ctx, "SamrConnect5", &connect5Request{Access: serverAccess, Revision: revisionInfo{Revision: 3}}, &r5,
		func() uint32 { return r5.Status })
	var fe *msrpc.FaultError
	if !errors.As(err, &fe) {
		return r5.Server, err
	}
	// Servers older than SamrConnect5 fault on its opnum.
	var r2 handleResponse
	err = c.do(ctx, "SamrConnect2", &connect2Request{Access: serverAccess}, &r2, func() uint32 { return r2.Status })
	return r2.Handle, err
}

// findAccountDomain names the host's account domain (the one domain that
// is not Builtin) and looks up its SID.
func (c *Client) findAccountDomain(ctx context.Context) error {
	var names []string
	err := c.enumerate(ctx, "SamrEnumerateDomainsInSamServer", func(enumCtx uint32) msrpc.Request {
		return &enumerateDomainsRequest{Server: *c.server, Context: enumCtx, MaxLen: enumBufferSize}
	}, func(e ridEnumeration) { names = append(names, string(e.Name)) })
	if err != nil {
		return err
	}
	for _, n := range names {
		if n == "Builtin" || n == "BUILTIN" {
			continue
		}
		var r lookupDomainResponse
		if err := c.do(ctx, "SamrLookupDomainInSamServer", &lookupDomainRequest{Server: *c.server, Name: ndr.UnicodeString(n)}, &r,
			func() uint32 { return r.Status }); err != nil {
			return err
		}
		if r.Domain == nil {
			return fmt.Errorf("SamrLookupDomainInSamServer %q: %w: no SID in the reply", n, msrpc.ErrProtocol)
		}
		c.acctName, c.acctSID = n, *r.Domain
		return nil
	}
	return fmt.Errorf("SamrEnumerateDomainsInSamServer: %w: no account domain among %q", msrpc.ErrProtocol, names)
}

// enumerate runs an enumeration call (SAMPR_ENUMERATION_BUFFER) until the
// server stops answering STATUS_MORE_ENTRIES.
func (c *Client) enumerate(ctx context.Context, name string, req func(uint32) msrpc.Request, each func(ridEnumeration)) error {
	enumCtx := uint32(0)
	for n := 0; ; n++ {
		var r enumerationResponse
		if err := c.do(ctx, name, req(enumCtx), &r, func() uint32 { return r.Status }); err != nil {
			return err
		}
		if r.Buffer != nil && r.Buffer.Buffer != nil {
			for _, e := range *r.Buffer.Buffer {
				each(e)
			}
			n += len(*r.Buffer.Buffer)
		}
		if dtyp.NTStatus(r.Status) != dtyp.StatusMoreEntries {
			return nil
		}
		if r.Context == enumCtx || n > maxEntries {
			return fmt.Errorf("%s: %w: the enumeration does not advance (context %d, %d entries)", name, msrpc.ErrProtocol, r.Context, n)
		}
		enumCtx = r.Context
	}
}

func (c *Client) openDomain(ctx context.Context, sid dtyp.SID) (Handle, error) {
	var r handleResponse
	err := c.do(ctx, "SamrOpenDomain "+sid.String(), &openDomainRequest{Server: *c.server, Access: domainAccess, Domain: sid}, &r,
		func() uint32 { return r.Status })
	return r.Handle, err
}

// AccountDomain returns the name and SID of the host's account domain
// (its computer name, and the machine SID).
func (c *Client) AccountDomain(ctx context.Context) (string, dtyp.SID, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.connect(ctx); err != nil {
		return "", dtyp.SID{}, err
	}
	return c.acctName, c.acctSID, nil
}
