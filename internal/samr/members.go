package samr

import (
	"context"
	"fmt"

	"github.com/patchscan/patchscan/internal/msrpc"
	"github.com/patchscan/patchscan/internal/msrpc/dtyp"
	"github.com/patchscan/patchscan/internal/msrpc/ndr"
)

// Member is one member of an alias.
type Member struct {
	SID dtyp.SID
	// Name and Domain are set when the SID is in the host's account or
	// builtin domain (SamrLookupIdsInDomain); other members (domain
	// accounts) keep them empty, for lsad.LookupSIDs.
	Name, Domain string
	Use          dtyp.SIDNameUse
}

// AliasMembers lists the members of builtin alias rid (AliasAdmins for
// BUILTIN\Administrators) with SamrOpenAlias and SamrGetMembersInAlias,
// and names those of the host's own domains with SamrLookupIdsInDomain.
func (c *Client) AliasMembers(ctx context.Context, rid uint32) ([]Member, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.connect(ctx); err != nil {
		return nil, err
	}
	var oh handleResponse
	if err := c.do(ctx, fmt.Sprintf("SamrOpenAlias %d", rid), &openAccountRequest{Domain: *c.builtin, Access: aliasAccess, RID: rid, op: opOpenAlias},
		&oh, func() uint32 { return oh.Status }); err != nil {
		return nil, err
	}
	var r membersResponse
	err := c.do(ctx, "SamrGetMembersInAlias", &handleRequest{Handle: oh.Handle, op: opGetMembersInAlias, reply: listReply}, &r,
		func() uint32 { return r.Status })
	if err != nil {
		return nil, err
	}
	var members []Member
	if r.SIDs != nil {
		for i, s := range *r.SIDs {
			if s.SID == nil {
				return nil, fmt.Errorf("SamrGetMembersInAlias: %w: member %d has no SID", msrpc.ErrProtocol, i)
			}
			members = append(members, Member{SID: *s.SID})
		}
	}
	if err := c.nameMembers(ctx, members); err != nil {
		return nil, err
	}
	c.closeHandle(ctx, oh.Handle)
	return members, nil
}

// nameMembers names the members of the account and builtin domains, one
// SamrLookupIdsInDomain per domain.
func (c *Client) nameMembers(ctx context.Context, members []Member) error {
	for _, d := range []struct {
		sid    dtyp.SID
		handle Handle
		name   string
	}{{c.acctSID, *c.acct, c.acctName}, {dtyp.BuiltinDomain, *c.builtin, "BUILTIN"}} {
		var idx []int
		var ids rids
		for i, m := range members {
			if dom, rid, ok := m.SID.Split(); ok && dom.Equal(d.sid) && len(ids) < maxLookupIDs {
				idx = append(idx, i)
				ids = append(ids, ndr.DWORD(rid))
			}
		}
		if len(ids) == 0 {
			continue
		}
		names, uses, err := c.lookupIDs(ctx, d.handle, ids)
		if err != nil {
			return err
		}
		for k, i := range idx {
			if uses[k] != dtyp.SIDTypeUnknown && names[k] != "" {
				members[i].Name, members[i].Domain, members[i].Use = names[k], d.name, uses[k]
			}
		}
	}
	return nil
}

// lookupIDs names RIDs of one domain. STATUS_SOME_NOT_MAPPED and
// STATUS_NONE_MAPPED leave the unknown ones empty.
func (c *Client) lookupIDs(ctx context.Context, domain Handle, ids rids) ([]string, []dtyp.SIDNameUse, error) {
	var r lookupIDsResponse
	err := c.do(ctx, "SamrLookupIdsInDomain", &lookupIDsRequest{Domain: domain, RIDs: ids}, &r, func() uint32 { return r.Status })
	if st, ok := asStatus(err); ok && st == dtyp.StatusNoneMapped {
		return make([]string, len(ids)), make([]dtyp.SIDNameUse, len(ids)), nil
	}
	if err != nil {
		return nil, nil, err
	}
	if r.Names == nil || r.Uses == nil || len(*r.Names) != len(ids) || len(*r.Uses) != len(ids) {
		return nil, nil, fmt.Errorf("SamrLookupIdsInDomain: %w: %d names asked for, the reply does not hold as many", msrpc.ErrProtocol, len(ids))
	}
	names := make([]string, len(ids))
	uses := make([]dtyp.SIDNameUse, len(ids))
	for i := range ids {
		names[i], uses[i] = string((*r.Names)[i]), dtyp.SIDNameUse((*r.Uses)[i])
	}
	return names, uses, nil
}
