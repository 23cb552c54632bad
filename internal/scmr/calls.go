package scmr

import "github.com/patchscan/patchscan/internal/msrpc/ndr"

// The MS-SCMR calls this client makes, as request/response pairs of NDR
// types ([MS-SCMR] 3.1.4). Field comments give the IDL. Only calls that
// read: nothing here starts, stops or changes a service.

// Opnums.
const (
	opCloseServiceHandle  = 0
	opEnumServicesStatusW = 14
	opOpenSCManagerW      = 15
	opOpenServiceW        = 16
	opQueryServiceConfigW = 17
)

// Bounds ([MS-SCMR]'s own ranges).
const (
	maxEnumBuffer   = 256 << 10 // cbBufSize of REnumServicesStatusW: range(0, 1024*256)
	firstEnumBuffer = 64 << 10
	configBuffer    = 8 << 10 // cbBufSize of RQueryServiceConfigW: range(0, 1024*8)
	maxNameChars    = 256     // SC_MAX_NAME_LENGTH
	handleReply     = ndr.HandleResponseSize
)

// Handle is an SC_RPC_HANDLE.
type Handle = ndr.ContextHandle

// handleResponse: [out] LPSC_RPC_HANDLE, DWORD (a Win32 error).
type handleResponse = ndr.HandleResponse

// openSCManagerRequest: [in, string, unique] SVCCTL_HANDLEW lpMachineName,
// [in, string, unique] wchar_t* lpDatabaseName, [in] DWORD
// dwDesiredAccess.
type openSCManagerRequest struct {
	MachineName, Database *ndr.WString
	Access                uint32
}

func (r *openSCManagerRequest) Opnum() uint16 { return opOpenSCManagerW }
func (r *openSCManagerRequest) MaxReply() int { return handleReply }
func (r *openSCManagerRequest) NDR(c *ndr.Coder) {
	ndr.Unique(c, &r.MachineName)
	ndr.Unique(c, &r.Database)
	c.Uint32(&r.Access)
}

// enumServicesRequest: [in] SC_RPC_HANDLE hSCManager, [in] DWORD
// dwServiceType, [in] DWORD dwServiceState, [in] DWORD cbBufSize, [in,
// out, unique] LPBOUNDED_DWORD_256K lpResumeIndex.
type enumServicesRequest struct {
	SCM     Handle
	Type    uint32
	State   uint32
	BufSize uint32
	Resume  *ndr.DWORD
}

func (r *enumServicesRequest) Opnum() uint16 { return opEnumServicesStatusW }

// MaxReply: the buffer asked for, its count, three DWORDs and a pointer.
func (r *enumServicesRequest) MaxReply() int { return int(r.BufSize) + 4 + 4*4 + 4 + 3 }
func (r *enumServicesRequest) NDR(c *ndr.Coder) {
	r.SCM.NDR(c)
	c.Uint32(&r.Type)
	c.Uint32(&r.State)
	c.Uint32(&r.BufSize)
	ndr.Unique(c, &r.Resume)
}

// enumServicesResponse: [out, size_is(cbBufSize)] LPBYTE lpBuffer, [out]
// pcbBytesNeeded, [out] lpServicesReturned, [in, out, unique]
// lpResumeIndex, DWORD status.
type enumServicesResponse struct {
	Buffer   []byte
	Needed   uint32
	Returned uint32
	Resume   *ndr.DWORD
	Status   uint32
}

func (r *enumServicesResponse) NDR(c *ndr.Coder) {
	c.ConformantBytes(&r.Buffer, maxEnumBuffer)
	c.Uint32(&r.Needed)
	c.Uint32(&r.Returned)
	ndr.Unique(c, &r.Resume)
	c.Uint32(&r.Status)
}

// openServiceRequest: [in] SC_RPC_HANDLE hSCManager, [in, string]
// wchar_t* lpServiceName, [in] DWORD dwDesiredAccess.
type openServiceRequest struct {
	SCM    Handle
	Name   ndr.WString
	Access uint32
}

func (r *openServiceRequest) Opnum() uint16 { return opOpenServiceW }
func (r *openServiceRequest) MaxReply() int { return handleReply }
func (r *openServiceRequest) NDR(c *ndr.Coder) {
	r.SCM.NDR(c)
	r.Name.NDR(c)
	c.Uint32(&r.Access)
}

// queryConfigRequest: [in] SC_RPC_HANDLE hService, [in] DWORD cbBufSize.
type queryConfigRequest struct {
	Service Handle
	BufSize uint32
}

func (r *queryConfigRequest) Opnum() uint16 { return opQueryServiceConfigW }

// MaxReply: the five strings of the configuration fit in the buffer size
// asked for, on the server's side; on the wire each carries its array
// header and padding too.
func (r *queryConfigRequest) MaxReply() int { return 4*8 + 5*(4+12+3) + 2*int(r.BufSize) }
func (r *queryConfigRequest) NDR(c *ndr.Coder) {
	r.Service.NDR(c)
	c.Uint32(&r.BufSize)
}

// serviceConfig is QUERY_SERVICE_CONFIGW.
type serviceConfig struct {
	Type, StartType, ErrorControl        uint32
	BinaryPath, LoadOrderGroup           *ndr.WString
	TagID                                uint32
	Dependencies, StartName, DisplayName *ndr.WString
}

func (s *serviceConfig) NDR(c *ndr.Coder) {
	c.Struct(4, func() {
		c.Uint32(&s.Type)
		c.Uint32(&s.StartType)
		c.Uint32(&s.ErrorControl)
		ndr.Unique(c, &s.BinaryPath)
		ndr.Unique(c, &s.LoadOrderGroup)
		c.Uint32(&s.TagID)
		ndr.Unique(c, &s.Dependencies)
		ndr.Unique(c, &s.StartName)
		ndr.Unique(c, &s.DisplayName)
	})
}

// queryConfigResponse: [out] LPQUERY_SERVICE_CONFIGW lpServiceConfig,
// [out] LPBOUNDED_DWORD_8K pcbBytesNeeded, DWORD status.
type queryConfigResponse struct {
	Config serviceConfig
	Needed uint32
	Status uint32
}

func (r *queryConfigResponse) NDR(c *ndr.Coder) {
	r.Config.NDR(c)
	c.Uint32(&r.Needed)
	c.Uint32(&r.Status)
}

// closeRequest: [in, out] LPSC_RPC_HANDLE hSCObject.
type closeRequest struct{ Handle Handle }

func (r *closeRequest) Opnum() uint16    { return opCloseServiceHandle }
func (r *closeRequest) MaxReply() int    { return handleReply }
func (r *closeRequest) NDR(c *ndr.Coder) { r.Handle.NDR(c) }
