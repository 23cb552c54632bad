package rrp

import "github.com/patchscan/patchscan/internal/msrpc/ndr"

// The MS-RRP calls this client makes, as request/response pairs of NDR
// types ([MS-RRP] 3.1.5). Field comments give the IDL parameter each field
// is. Top-level [ref] parameters have no wire form of their own: the
// referent is coded in place.

// Opnums ([MS-RRP] 3.1.5).
const (
	opOpenLocalMachine  = 2
	opBaseRegCloseKey   = 5
	opBaseRegEnumKey    = 9
	opBaseRegEnumValue  = 10
	opBaseRegOpenKey    = 15
	opBaseRegQueryValue = 17
	opBaseRegGetVersion = 26
)

// Reply bounds (Request.MaxReply): the most each call's [out] parameters
// can take, given what the request offers.
const (
	handleReply = ndr.HandleResponseSize
	// stringReply: an RRP_UNICODE_STRING the server fills: the inline
	// part, a unique pointer's array header, at most 64 KiB of
	// characters (Length is 16 bits) and padding.
	stringReply = 8 + 12 + 0xFFFF + 3
	// valueParamsReply: lpType, lpData (but its data), lpcbData and lpcbLen,
	// each a pointer and its referent, padding and the status.
	valueParamsReply = 8 + 4 + 12 + 3 + 8 + 8 + 4
)

// regString is an RRP_UNICODE_STRING ([MS-RRP] 2.2.4): an RPC_UNICODE_STRING
// whose Length counts the terminating NUL. Encoding with Offer set sends an
// empty buffer of Offer bytes for the server to fill. Decoding drops the
// NUL.
type regString struct {
	S     string
	Offer uint16
}

func (s *regString) NDR(c *ndr.Coder) {
	cs := ndr.CountedString{Chars: append(ndr.UTF16(s.S), 0)}
	if s.Offer > 0 {
		cs = ndr.CountedString{MaxBytes: s.Offer}
	}
	c.Struct(4, func() {
		cs.NDR(c)
		if c.Decoding() {
			c.Referent(func() { s.S = ndr.FromUTF16(cs.Chars) })
		}
	})
}

// valueData is the referent of lpData: [size_is(*lpcbData),
// length_is(*lpcbLen)] BYTE. A request sends none of it and offers Offer
// bytes; a reply carries the value.
type valueData struct {
	Data  []byte
	Offer int
}

func (v *valueData) NDR(c *ndr.Coder) { c.VaryingBytes(&v.Data, v.Offer, MaxValueData) }

// fileTime is a FILETIME.
type fileTime struct{ Low, High uint32 }

func (f *fileTime) NDR(c *ndr.Coder) {
	c.Struct(4, func() {
		c.Uint32(&f.Low)
		c.Uint32(&f.High)
	})
}

// wchar is one WCHAR as a Type.
type wchar uint16

func (w *wchar) NDR(c *ndr.Coder) { c.Uint16((*uint16)(w)) }

// openLocalMachineRequest: [in, unique] PREGISTRY_SERVER_NAME ServerName
// (a pointer to one WCHAR; sent null), [in] REGSAM samDesired.
type openLocalMachineRequest struct {
	ServerName *wchar
	Access     uint32
}

func (r *openLocalMachineRequest) Opnum() uint16 { return opOpenLocalMachine }
func (r *openLocalMachineRequest) MaxReply() int { return handleReply }
func (r *openLocalMachineRequest) NDR(c *ndr.Coder) {
	ndr.Unique(c, &r.ServerName)
	c.Uint32(&r.Access)
}

// handleResponse: [out] PRPC_HKEY (OpenLocalMachine, BaseRegOpenKey's
// phkResult, BaseRegCloseKey's hKey), error_status_t.
type handleResponse = ndr.HandleResponse

// openKeyRequest: [in] RPC_HKEY hKey, [in] RRP_UNICODE_STRING lpSubKey,
// [in] DWORD dwOptions, [in] REGSAM samDesired.
type openKeyRequest struct {
	Key     Handle
	SubKey  regString
	Options uint32
	Access  uint32
}

func (r *openKeyRequest) Opnum() uint16 { return opBaseRegOpenKey }
func (r *openKeyRequest) MaxReply() int { return handleReply }
func (r *openKeyRequest) NDR(c *ndr.Coder) {
	r.Key.NDR(c)
	r.SubKey.NDR(c)
	c.Uint32(&r.Options)
	c.Uint32(&r.Access)
}

// handleRequest: [in] RPC_HKEY hKey alone (BaseRegCloseKey,
// BaseRegGetVersion).
type handleRequest struct {
	Key Handle
	op  uint16
}

func (r *handleRequest) Opnum() uint16    { return r.op }
func (r *handleRequest) NDR(c *ndr.Coder) { r.Key.NDR(c) }

// MaxReply: BaseRegCloseKey returns the (zeroed) handle,
// BaseRegGetVersion a DWORD, each with the status.
func (r *handleRequest) MaxReply() int { return handleReply }

// getVersionResponse: [out] LPDWORD lpdwVersion, error_status_t.
type getVersionResponse struct {
	Version uint32
	Status  uint32
}

func (r *getVersionResponse) NDR(c *ndr.Coder) {
	c.Uint32(&r.Version)
	c.Uint32(&r.Status)
}

// valueParams are the [in, out, unique] lpType, lpData, lpcbData, lpcbLen
// shared by BaseRegQueryValue and BaseRegEnumValue. A request offers a
// buffer of *Size bytes.
type valueParams struct {
	Type *ndr.DWORD
	Data *valueData
	Size *ndr.DWORD // lpcbData: the buffer, or with ERROR_MORE_DATA the size needed
	Len  *ndr.DWORD // lpcbLen: the bytes sent
}

func offerValue(size uint32) valueParams {
	typ, sz, n := ndr.DWORD(0), ndr.DWORD(size), ndr.DWORD(0)
	return valueParams{Type: &typ, Data: &valueData{Offer: int(size)}, Size: &sz, Len: &n}
}

func (v *valueParams) NDR(c *ndr.Coder) {
	ndr.Unique(c, &v.Type)
	ndr.Unique(c, &v.Data)
	ndr.Unique(c, &v.Size)
	ndr.Unique(c, &v.Len)
}

// value returns the type, the data cut to lpcbLen, and lpcbData.
func (v *valueParams) value() (typ uint32, data []byte, size uint32) {
	if v.Type != nil {
		typ = uint32(*v.Type)
	}
	if v.Data != nil {
		data = v.Data.Data
	}
	if v.Len != nil && int64(*v.Len) < int64(len(data)) {
		data = data[:*v.Len]
	}
	if v.Size != nil {
		size = uint32(*v.Size)
	}
	return typ, data, size
}

// queryValueRequest: [in] RPC_HKEY hKey, [in] PRRP_UNICODE_STRING
// lpValueName, then the value parameters.
type queryValueRequest struct {
	Key   Handle
	Name  regString
	Value valueParams
}

func (r *queryValueRequest) Opnum() uint16 { return opBaseRegQueryValue }

// MaxReply: the value parameters, with at most the data buffer offered.
func (r *queryValueRequest) MaxReply() int { return valueParamsReply + r.Value.Data.Offer }
func (r *queryValueRequest) NDR(c *ndr.Coder) {
	r.Key.NDR(c)
	r.Name.NDR(c)
	r.Value.NDR(c)
}

// queryValueResponse: the value parameters, error_status_t.
type queryValueResponse struct {
	Value  valueParams
	Status uint32
}

func (r *queryValueResponse) NDR(c *ndr.Coder) {
	r.Value.NDR(c)
	c.Uint32(&r.Status)
}

// enumKeyRequest: [in] RPC_HKEY hKey, [in] DWORD dwIndex, [in]
// PRRP_UNICODE_STRING lpNameIn (an empty buffer), [in, unique]
// PRRP_UNICODE_STRING lpClassIn (an empty buffer: MS-RRP allows null, but
// Samba answers ERROR_INVALID_PARAMETER without one), [in, out, unique]
// PFILETIME lpftLastWriteTime (null).
type enumKeyRequest struct {
	Key       Handle
	Index     uint32
	Name      regString
	Class     *regString
	WriteTime *fileTime
}

func (r *enumKeyRequest) Opnum() uint16 { return opBaseRegEnumKey }

// MaxReply: the name, the class behind a unique pointer, the FILETIME
// behind one, the status.
func (r *enumKeyRequest) MaxReply() int { return stringReply + 4 + stringReply + 4 + 8 + 4 }
func (r *enumKeyRequest) NDR(c *ndr.Coder) {
	r.Key.NDR(c)
	c.Uint32(&r.Index)
	r.Name.NDR(c)
	ndr.Unique(c, &r.Class)
	ndr.Unique(c, &r.WriteTime)
}

// enumKeyResponse: [out] PRRP_UNICODE_STRING lpNameOut, [out]
// PRPC_UNICODE_STRING* lplpClassOut, [in, out, unique] PFILETIME
// lpftLastWriteTime, error_status_t.
type enumKeyResponse struct {
	Name      regString
	Class     *regString
	WriteTime *fileTime
	Status    uint32
}

func (r *enumKeyResponse) NDR(c *ndr.Coder) {
	r.Name.NDR(c)
	ndr.Unique(c, &r.Class)
	ndr.Unique(c, &r.WriteTime)
	c.Uint32(&r.Status)
}

// enumValueRequest: [in] RPC_HKEY hKey, [in] DWORD dwIndex, [in]
// PRRP_UNICODE_STRING lpValueNameIn (an empty buffer), then the value
// parameters.
type enumValueRequest struct {
	Key   Handle
	Index uint32
	Name  regString
	Value valueParams
}

func (r *enumValueRequest) Opnum() uint16 { return opBaseRegEnumValue }

// MaxReply: the name, then the value parameters with at most the data
// buffer offered.
func (r *enumValueRequest) MaxReply() int { return stringReply + valueParamsReply + r.Value.Data.Offer }
func (r *enumValueRequest) NDR(c *ndr.Coder) {
	r.Key.NDR(c)
	c.Uint32(&r.Index)
	r.Name.NDR(c)
	r.Value.NDR(c)
}

// enumValueResponse: [out] PRRP_UNICODE_STRING lpValueNameOut, the value
// parameters, error_status_t.
type enumValueResponse struct {
	Name   regString
	Value  valueParams
	Status uint32
}

func (r *enumValueResponse) NDR(c *ndr.Coder) {
	r.Name.NDR(c)
	r.Value.NDR(c)
	c.Uint32(&r.Status)
}
