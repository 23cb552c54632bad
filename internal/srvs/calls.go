package srvs

import "github.com/patchscan/patchscan/internal/msrpc/ndr"

// NetrShareEnum ([MS-SRVS] 3.1.4.8) as a request/response pair of NDR
// types, with the share information levels 1, 2 and 502. Field comments
// give the IDL.

const opNetrShareEnum = 15

// Bounds.
const (
	maxShares      = 10000     // shares in one reply
	maxSDBytes     = 256 << 10 // one share's security descriptor
	preferredBytes = 64 << 10  // PreferedMaximumLength asked for
	shareReply     = 4 << 20   // a reply: Samba sends every share at once
)

// shareInfo is SHARE_INFO_1, SHARE_INFO_2 or SHARE_INFO_502_I, by level.
type shareInfo struct {
	level                     uint32
	Name, Remark              *ndr.WString
	Type                      uint32
	Permissions, MaxUses, Cur uint32 // 2, 502
	Path, Password            *ndr.WString
	SDLength                  uint32 // 502: shi502_reserved
	SD                        *sdBuffer
}

type sdBuffer []byte

func (b *sdBuffer) NDR(c *ndr.Coder) { c.ConformantBytes((*[]byte)(b), maxSDBytes) }

func (s *shareInfo) NDR(c *ndr.Coder) {
	c.Struct(4, func() {
		ndr.Unique(c, &s.Name)
		c.Uint32(&s.Type)
		ndr.Unique(c, &s.Remark)
		if s.level == 1 {
			return
		}
		c.Uint32(&s.Permissions)
		c.Uint32(&s.MaxUses)
		c.Uint32(&s.Cur)
		ndr.Unique(c, &s.Path)
		ndr.Unique(c, &s.Password)
		if s.level == 2 {
			return
		}
		c.Uint32(&s.SDLength)
		ndr.Unique(c, &s.SD)
	})
}

// shareInfos is a container's [size_is(EntriesRead)] array.
type shareInfos struct {
	level uint32
	items []shareInfo
}

func (a *shareInfos) NDR(c *ndr.Coder) {
	n := uint32(len(a.items))
	c.Uint32(&n)
	if c.Decoding() {
		// Every entry takes at least three pointers and a type.
		if int64(n) > maxShares || int64(n)*16 > int64(c.Remaining()) {
			c.Failf("share container of %d entries in %d bytes", n, c.Remaining())
			return
		}
		a.items = make([]shareInfo, n)
	}
	c.Struct(4, func() {
		for i := range a.items {
			a.items[i].level = a.level
			a.items[i].NDR(c)
		}
	})
}

// container is SHARE_INFO_n_CONTAINER: EntriesRead and a pointer to the
// array.
type container struct {
	level       uint32
	EntriesRead uint32
	Buffer      *shareInfos
}

func (k *container) NDR(c *ndr.Coder) {
	c.Struct(4, func() {
		c.Uint32(&k.EntriesRead)
		if c.Decoding() {
			k.Buffer = &shareInfos{level: k.level}
		}
		if !c.Pointer(false, k.Buffer != nil, func() {
			k.Buffer.NDR(c)
			if c.Decoding() && len(k.Buffer.items) != int(k.EntriesRead) {
				c.Failf("share container says %d entries and holds %d", k.EntriesRead, len(k.Buffer.items))
			}
		}) && c.Decoding() {
			k.Buffer = nil
		}
	})
}

// enumStruct is SHARE_ENUM_STRUCT: Level, then SHARE_ENUM_UNION (a 32-bit
// discriminant and a pointer to the level's container).
type enumStruct struct {
	Level     uint32
	Container *container
}

func (e *enumStruct) NDR(c *ndr.Coder) {
	c.Struct(4, func() {
		c.Uint32(&e.Level)
		tag := e.Level
		c.Uint32(&tag)
		if c.Decoding() && (tag != e.Level || (tag != 1 && tag != 2 && tag != 502)) {
			c.Failf("share information of level %d (union %d), asked for 1, 2 or 502", e.Level, tag)
			return
		}
		if c.Decoding() {
			e.Container = &container{level: e.Level}
		}
		if !c.Pointer(false, e.Container != nil, func() { e.Container.NDR(c) }) && c.Decoding() {
			e.Container = nil
		}
	})
}

// shareEnumRequest: [in, string, unique] SRVSVC_HANDLE ServerName, [in,
// out] LPSHARE_ENUM_STRUCT InfoStruct, [in] DWORD PreferedMaximumLength,
// [in, out, unique] DWORD* ResumeHandle.
type shareEnumRequest struct {
	ServerName *ndr.WString
	Info       enumStruct
	MaxLen     uint32
	Resume     *ndr.DWORD
}

func (r *shareEnumRequest) Opnum() uint16 { return opNetrShareEnum }
func (r *shareEnumRequest) MaxReply() int { return shareReply }
func (r *shareEnumRequest) NDR(c *ndr.Coder) {
	ndr.Unique(c, &r.ServerName)
	r.Info.NDR(c)
	c.Uint32(&r.MaxLen)
	ndr.Unique(c, &r.Resume)
}

// shareEnumResponse: [out] InfoStruct, [out] DWORD* TotalEntries, [out]
// ResumeHandle, NET_API_STATUS.
type shareEnumResponse struct {
	Info   enumStruct
	Total  uint32
	Resume *ndr.DWORD
	Status uint32
}

func (r *shareEnumResponse) NDR(c *ndr.Coder) {
	r.Info.NDR(c)
	c.Uint32(&r.Total)
	ndr.Unique(c, &r.Resume)
	c.Uint32(&r.Status)
}
