// Package scmr is a read-only client for the Service Control Manager
// Remote Protocol ([MS-SCMR]) over a bound DCE/RPC connection
// (\PIPE\svcctl over SMB): the services of a host with their state, and a
// service's start type. The service manager is opened with
// SC_MANAGER_ENUMERATE_SERVICE only and a service with SERVICE_QUERY_CONFIG
// only: nothing here starts, stops or changes a service.
//
// Each call is a request/response pair of NDR types (calls.go), read
// through the ndr decoder with its bounds; the services buffer of
// REnumServicesStatusW, which holds offsets rather than NDR, is parsed
// with bounds of its own (enum.go).
//
// API for callers (the config checks of issue 16):
//
//	c, err := scmr.Bind(ctx, pipe, msrpc.Options{}) // pipe: an open \PIPE\svcctl
//	services, err := c.Services(ctx)                 // []scmr.Service: name, display name, type, State
//	cfg, err := c.Config(ctx, "RemoteRegistry")      // *scmr.Config: StartType (Auto, Demand, Disabled...), binary, account
//	errors.Is(err, scmr.ErrServiceNotFound)          // no such service on the host
//
// Services costs one REnumServicesStatusW per 64 KiB of services (drivers
// and Win32 services, every state); Config three calls (ROpenServiceW,
// RQueryServiceConfigW, RCloseServiceHandle), so ask it for the services
// a check is about, not for all. Errors that are the server refusing the
// account match dtyp.ErrAccessDenied.
package scmr

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

// Interface is svcctl, version 2.0.
var Interface = msrpc.SyntaxID{UUID: msrpc.MustParseUUID("367abb81-9844-35f1-ad32-98f038001003"), Major: 2}

// Access rights asked for.
const (
	scManagerEnumerateService = 0x00000004
	serviceQueryConfig        = 0x00000001
)

// What Services lists: drivers and Win32 services, in every state.
const (
	serviceTypeAll  = 0x0000003B // SERVICE_DRIVER | SERVICE_WIN32
	serviceStateAll = 0x00000003
)

// ErrServiceNotFound is a service the host does not have
// (ERROR_SERVICE_DOES_NOT_EXIST).
var ErrServiceNotFound = errors.New("no such service")

// Client issues MS-SCMR calls over a bound connection. It is safe for
// concurrent use.
type Client struct {
	c   msrpc.Caller
	mu  sync.Mutex
	scm *Handle
}

// New wraps a connection already bound to Interface.
func New(c msrpc.Caller) *Client { return &Client{c: c} }

// Bind binds Interface over an open \PIPE\svcctl and returns a client.
func Bind(ctx context.Context, pipe io.ReadWriter, opts msrpc.Options) (*Client, error) {
	return msrpc.BindClient(ctx, pipe, Interface, opts, New)
}

// do runs a call whose reply ends with a Win32 status; okStatus lists the
// statuses the caller handles itself.
func (c *Client) do(ctx context.Context, name string, req msrpc.Request, resp ndr.Type, status *uint32, okStatus ...dtyp.Win32Error) error {
	if err := msrpc.Do(ctx, c.c, req, resp); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	st := dtyp.Win32Error(*status)
	if st == dtyp.ErrorSuccess {
		return nil
	}
	for _, ok := range okStatus {
		if st == ok {
			return nil
		}
	}
	if st == dtyp.ErrorServiceDoesNotEx {
		return fmt.Errorf("%s: %w: %w", name, ErrServiceNotFound, st)
	}
	return fmt.Errorf("%s: %w", name, st)
}

// manager opens the service manager once.
func (c *Client) manager(ctx context.Context) (Handle, error) {
	if c.scm != nil {
		return *c.scm, nil
	}
	var r handleResponse
	if err := c.do(ctx, "ROpenSCManagerW", &openSCManagerRequest{Access: scManagerEnumerateService}, &r, &r.Status); err != nil {
		return Handle{}, err
	}
	c.scm = &r.Handle
	return r.Handle, nil
}

// Services lists the host's drivers and Win32 services with their state.
func (c *Client) Services(ctx context.Context) ([]Service, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	scm, err := c.manager(ctx)
	if err != nil {
		return nil, err
	}
	var services []Service
	size, resume := uint32(firstEnumBuffer), ndr.DWORD(0)
	for range 64 {
		req := &enumServicesRequest{SCM: scm, Type: serviceTypeAll, State: serviceStateAll, BufSize: size, Resume: &resume}
		var r enumServicesResponse
		if err := c.do(ctx, "REnumServicesStatusW", req, &r, &r.Status, dtyp.ErrorMoreData); err != nil {
			return nil, err
		}
		page, err := parseEnumBuffer(r.Buffer, r.Returned)
		if err != nil {
			return nil, fmt.Errorf("REnumServicesStatusW: %w", err)
		}
		services = append(services, page...)
		if dtyp.Win32Error(r.Status) == dtyp.ErrorSuccess {
			return services, nil
		}
		switch {
		case len(page) > 0 && r.Resume != nil:
			resume = *r.Resume
		case len(page) == 0 && r.Needed > size && r.Needed <= maxEnumBuffer:
			size = r.Needed // one service larger than the buffer
		default:
			return nil, fmt.Errorf("REnumServicesStatusW: %w: ERROR_MORE_DATA without progress (%d services, %d bytes needed)",
				msrpc.ErrProtocol, len(services), r.Needed)
		}
	}
	return nil, fmt.Errorf("REnumServicesStatusW: %w: still more after 64 calls (%d services)", msrpc.ErrProtocol, len(services))
}

// Config reads one service's configuration (its start type above all).
// A host without the service returns an error matching
// ErrServiceNotFound.
func (c *Client) Config(ctx context.Context, name string) (*Config, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(name) > 4*maxNameChars || name == "" {
		return nil, fmt.Errorf("ROpenServiceW: service name %q is not one a host can have", name)
	}
	scm, err := c.manager(ctx)
	if err != nil {
		return nil, err
	}
	var oh handleResponse
	if err := c.do(ctx, "ROpenServiceW "+name, &openServiceRequest{SCM: scm, Name: ndr.WString(name), Access: serviceQueryConfig}, &oh, &oh.Status); err != nil {
		return nil, err
	}
	defer c.closeHandle(ctx, oh.Handle)
	var r queryConfigResponse
	if err := c.do(ctx, "RQueryServiceConfigW "+name, &queryConfigRequest{Service: oh.Handle, BufSize: configBuffer}, &r, &r.Status); err != nil {
		return nil, err
	}
	s := r.Config
	return &Config{Type: ServiceType(s.Type), StartType: StartType(s.StartType), ErrorControl: s.ErrorControl,
		BinaryPath: wstr(s.BinaryPath), LoadOrderGroup: wstr(s.LoadOrderGroup), StartName: wstr(s.StartName),
		DisplayName: wstr(s.DisplayName)}, nil
}

func (c *Client) closeHandle(ctx context.Context, h Handle) {
	var r handleResponse
	// Best effort: a handle left open ends with the association.
	_ = c.do(ctx, "RCloseServiceHandle", &closeRequest{Handle: h}, &r, &r.Status)
}

// Close closes the service manager handle.
func (c *Client) Close(ctx context.Context) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.scm != nil {
		c.closeHandle(ctx, *c.scm)
		c.scm = nil
	}
}

func wstr(s *ndr.WString) string {
	if s == nil {
		return ""
	}
	return string(*s)
}
