// Package srvs is a read-only client for the Server Service Remote
// Protocol ([MS-SRVS]) over a bound DCE/RPC connection (\PIPE\srvsvc over
// SMB): the shares of a host, and who may reach them. It only enumerates.
//
// The call is a request/response pair of NDR types (calls.go), read
// through the ndr decoder with its bounds; share security descriptors are
// parsed by dtyp.
//
// API for callers (the config checks of issue 16):
//
//	c, err := srvs.Bind(ctx, pipe, msrpc.Options{}) // pipe: an open \PIPE\srvsvc
//	shares, level, err := c.Shares(ctx) // []srvs.Share: name, type, remark; path and uses
//	                                    // from level 2; the share ACL (Security) from 502
//	for _, s := range shares { s.Type.Special(); s.Access() } // admin share?, who may reach it
//
// Shares asks for level 502 first; a server that refuses it to this
// account (ERROR_ACCESS_DENIED, or a level it does not know) is asked for
// level 2, then level 1, and level says which answered. Each level is one
// NetrShareEnum per 64 KiB of shares. Names of the SIDs in an ACL come
// from lsad.LookupSIDs. Errors that are the server refusing the account
// match dtyp.ErrAccessDenied.
package srvs

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/patchscan/patchscan/internal/msrpc"
	"github.com/patchscan/patchscan/internal/msrpc/dtyp"
	"github.com/patchscan/patchscan/internal/msrpc/ndr"
)

// Interface is srvsvc, version 3.0.
var Interface = msrpc.SyntaxID{UUID: msrpc.MustParseUUID("4b324fc8-1670-01d3-1278-5a47bf6ee188"), Major: 3}

// ShareType is shi*_type ([MS-SRVS] 2.2.2.4).
type ShareType uint32

// Share types and modifiers.
const (
	TypeDisk      ShareType = 0x00000000
	TypePrintQ    ShareType = 0x00000001
	TypeDevice    ShareType = 0x00000002
	TypeIPC       ShareType = 0x00000003
	TypeClusterFS ShareType = 0x02000000
	TypeTemporary ShareType = 0x40000000
	TypeSpecial   ShareType = 0x80000000 // administrative: C$, ADMIN$, IPC$
)

// Base is the type without its modifiers.
func (t ShareType) Base() ShareType { return t & 0x0fffffff &^ TypeClusterFS }

// Special reports an administrative share (STYPE_SPECIAL).
func (t ShareType) Special() bool { return t&TypeSpecial != 0 }

func (t ShareType) String() string {
	names := map[ShareType]string{TypeDisk: "disk", TypePrintQ: "printer", TypeDevice: "device", TypeIPC: "IPC"}
	s, ok := names[t.Base()]
	if !ok {
		s = fmt.Sprintf("type %d", uint32(t.Base()))
	}
	if t.Special() {
		s += ",special"
	}
	if t&TypeTemporary != 0 {
		s += ",temporary"
	}
	return s
}

// Share is one share of a host.
type Share struct {
	Name   string
	Type   ShareType
	Remark string
	// Level 2 and 502 only.
	Path             string
	CurrentUses      uint32
	MaxUses          uint32 // 0xFFFFFFFF: unlimited
	HasPathAndUses   bool
	HasSecurityLevel bool // level 502: Security is the share's ACL, or nil when it has none
	Security         *dtyp.SecurityDescriptor
	SecurityErr      error // a descriptor that did not parse
}

// ShareACE is one entry of a share's access list, in the share rights'
// terms.
type ShareACE struct {
	SID     dtyp.SID
	Allowed bool   // else denied
	Rights  string // "full", "change", "read", or the mask in hex
	Mask    uint32
}

// Share access rights ([MS-SRVS] 2.2.4.26, file rights).
const (
	rightsFull   = 0x001f01ff
	rightsChange = 0x001301bf
	rightsRead   = 0x001200a9
)

// Access lists who may reach the share: the allowed and denied entries of
// its ACL. ok is false when no ACL is known (below level 502, or no
// descriptor sent); a descriptor without a DACL (everyone may reach the
// share) gives one entry for Everyone with full rights.
func (s Share) Access() (aces []ShareACE, ok bool) {
	if !s.HasSecurityLevel || s.Security == nil {
		return nil, false
	}
	if s.Security.DACL == nil {
		return []ShareACE{{SID: dtyp.Everyone, Allowed: true, Rights: "full", Mask: rightsFull}}, true
	}
	for _, a := range s.Security.DACL.ACEs {
		if !a.HasSID || a.Flags&dtyp.InheritOnlyACE != 0 {
			continue
		}
		var allowed bool
		switch a.Type {
		case dtyp.AccessAllowedACEType, dtyp.AccessAllowedObjectACEType:
			allowed = true
		case dtyp.AccessDeniedACEType, dtyp.AccessDeniedObjectACEType:
		default:
			continue
		}
		aces = append(aces, ShareACE{SID: a.SID, Allowed: allowed, Rights: rights(a.Mask), Mask: a.Mask})
	}
	return aces, true
}

// Rights words a share ACE's access mask as Windows' share permissions do:
// "full", "change", "read", or the mask in hex (for sources of share ACLs
// other than MS-SRVS: WMI, an image's registry).
func Rights(mask uint32) string { return rights(mask) }

func rights(mask uint32) string {
	switch {
	case mask&rightsFull == rightsFull || mask&0x10000000 != 0: // or GENERIC_ALL
		return "full"
	case mask&rightsChange == rightsChange:
		return "change"
	case mask&rightsRead == rightsRead || mask&0x80000000 != 0: // or GENERIC_READ
		return "read"
	}
	return fmt.Sprintf("0x%08x", mask)
}

// Client issues MS-SRVS calls over a bound connection.
type Client struct{ c msrpc.Caller }

// New wraps a connection already bound to Interface.
func New(c msrpc.Caller) *Client { return &Client{c: c} }

// Bind binds Interface over an open \PIPE\srvsvc and returns a client.
func Bind(ctx context.Context, pipe io.ReadWriter, opts msrpc.Options) (*Client, error) {
	return msrpc.BindClient(ctx, pipe, Interface, opts, New)
}

// Shares lists the host's shares at the richest level the server grants:
// 502, else 2, else 1 (returned).
func (c *Client) Shares(ctx context.Context) ([]Share, int, error) {
	var err error
	for _, level := range []uint32{502, 2, 1} {
		var shares []Share
		shares, err = c.enumerate(ctx, level)
		if err == nil {
			return shares, int(level), nil
		}
		var we dtyp.Win32Error
		if !errors.As(err, &we) || (we != dtyp.ErrorAccessDenied && we != dtyp.ErrorInvalidLevel && we != dtyp.ErrorNotSupported) {
			return nil, 0, err
		}
	}
	return nil, 0, err
}

// enumerate lists the shares at one level, following the resume handle
// while the server answers ERROR_MORE_DATA.
func (c *Client) enumerate(ctx context.Context, level uint32) ([]Share, error) {
	var shares []Share
	resume := ndr.DWORD(0)
	for {
		req := &shareEnumRequest{Info: enumStruct{Level: level, Container: &container{level: level}}, MaxLen: preferredBytes, Resume: &resume}
		var r shareEnumResponse
		if err := msrpc.Do(ctx, c.c, req, &r); err != nil {
			return nil, fmt.Errorf("NetrShareEnum level %d: %w", level, err)
		}
		st := dtyp.Win32Error(r.Status)
		if st != dtyp.ErrorSuccess && st != dtyp.ErrorMoreData {
			return nil, fmt.Errorf("NetrShareEnum level %d: %w", level, st)
		}
		if r.Info.Level != level {
			return nil, fmt.Errorf("NetrShareEnum level %d: %w: the reply is of level %d", level, msrpc.ErrProtocol, r.Info.Level)
		}
		got := 0
		if k := r.Info.Container; k != nil && k.Buffer != nil {
			for _, si := range k.Buffer.items {
				shares = append(shares, toShare(si, level))
			}
			got = len(k.Buffer.items)
		}
		if st == dtyp.ErrorSuccess {
			return shares, nil
		}
		if r.Resume == nil || got == 0 || len(shares) > maxShares {
			return nil, fmt.Errorf("NetrShareEnum level %d: %w: ERROR_MORE_DATA without progress (%d shares)", level, msrpc.ErrProtocol, len(shares))
		}
		resume = *r.Resume
	}
}

func wstr(s *ndr.WString) string {
	if s == nil {
		return ""
	}
	return string(*s)
}

func toShare(si shareInfo, level uint32) Share {
	s := Share{Name: wstr(si.Name), Type: ShareType(si.Type), Remark: wstr(si.Remark)}
	if level == 1 {
		return s
	}
	s.Path, s.CurrentUses, s.MaxUses, s.HasPathAndUses = wstr(si.Path), si.Cur, si.MaxUses, true
	if level != 502 {
		return s
	}
	s.HasSecurityLevel = true
	if si.SD != nil && len(*si.SD) > 0 {
		s.Security, s.SecurityErr = dtyp.ParseSecurityDescriptor(*si.SD)
	}
	return s
}
