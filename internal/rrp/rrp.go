// Package rrp is a read-only client for the Windows Remote Registry
// Protocol ([MS-RRP]) over a bound DCE/RPC connection: the few calls a
// patch scanner needs, every key opened with KEY_READ only.
//
// Every call takes a context: cancelling it ends the call at once (see
// msrpc.Conn.Call).
//
// Each call is a request/response pair of NDR types (calls.go) that encode
// and decode themselves; the client adds MS-RRP's rules on top: the
// two-step read of large values (ERROR_MORE_DATA), Win32 errors as Go
// errors, bounds on what a server may make it hold.
package rrp

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/patchscan/patchscan/internal/msrpc"
	"github.com/patchscan/patchscan/internal/msrpc/ndr"
)

// Interface is the winreg RPC interface, version 1.0.
var Interface = msrpc.SyntaxID{UUID: msrpc.MustParseUUID("338cd001-2244-31f1-aaaa-900038001003"), Major: 1}

// KeyRead is KEY_READ (STANDARD_RIGHTS_READ | KEY_QUERY_VALUE |
// KEY_ENUMERATE_SUB_KEYS | KEY_NOTIFY): the only access this client asks for.
const KeyRead = 0x00020019

// Limits on what a server may make us hold.
const (
	MaxValueData = 1 << 20 // bytes of one value's data
	maxNameChars = 16383   // registry key/value name limit (Windows)
	firstBuffer  = 512     // first data buffer offered; larger values take a second call
	classBytes   = 256     // class buffer offered by BaseRegEnumKey; classes are not used
)

// Win32 error codes the client gives meaning to.
const (
	ErrorSuccess       = 0
	ErrorFileNotFound  = 2
	ErrorAccessDenied  = 5
	ErrorInvalidHandle = 6
	ErrorMoreData      = 234
	ErrorNoMoreItems   = 259
)

// ErrNotFound is the key or value being absent (ERROR_FILE_NOT_FOUND): a
// normal answer, not a failure.
var ErrNotFound = errors.New("not found")

// ErrNoMoreItems ends an enumeration.
var ErrNoMoreItems = errors.New("no more items")

// ErrAccessDenied matches ERROR_ACCESS_DENIED: the server refused the key or
// value to this account. Callers map it to their own sentinel.
var ErrAccessDenied = errors.New("access denied")

// Win32Error is a Win32 status a call returned.
type Win32Error uint32

var win32Names = map[Win32Error]string{
	ErrorFileNotFound:  "ERROR_FILE_NOT_FOUND",
	ErrorAccessDenied:  "ERROR_ACCESS_DENIED",
	ErrorInvalidHandle: "ERROR_INVALID_HANDLE",
	ErrorMoreData:      "ERROR_MORE_DATA",
	ErrorNoMoreItems:   "ERROR_NO_MORE_ITEMS",
	8:                  "ERROR_NOT_ENOUGH_MEMORY",
	87:                 "ERROR_INVALID_PARAMETER",
	1018:               "ERROR_KEY_DELETED",
	1115:               "ERROR_SHUTDOWN_IN_PROGRESS",
	1722:               "RPC_S_SERVER_UNAVAILABLE",
}

func (e Win32Error) Error() string {
	if n, ok := win32Names[e]; ok {
		return fmt.Sprintf("%s (%d)", n, uint32(e))
	}
	return fmt.Sprintf("Win32 error %d", uint32(e))
}

// Is lets errors.Is match the sentinels: ErrAccessDenied, ErrNotFound and
// ErrNoMoreItems.
func (e Win32Error) Is(target error) bool {
	switch e {
	case ErrorAccessDenied:
		return target == ErrAccessDenied
	case ErrorFileNotFound:
		return target == ErrNotFound
	case ErrorNoMoreItems:
		return target == ErrNoMoreItems
	}
	return false
}

func status(code uint32) error {
	if code == ErrorSuccess {
		return nil
	}
	return Win32Error(code)
}

// Handle is an RPC context handle for an open key.
type Handle = ndr.ContextHandle

// Client issues MS-RRP calls over a bound connection.
type Client struct{ c msrpc.Caller }

// New wraps a connection already bound to Interface.
func New(c msrpc.Caller) *Client { return &Client{c: c} }

// Bind binds Interface over an open \PIPE\winreg and returns a client.
func Bind(ctx context.Context, pipe io.ReadWriter, opts msrpc.Options) (*Client, error) {
	return msrpc.BindClient(ctx, pipe, Interface, opts, New)
}

func (c *Client) do(ctx context.Context, name string, req msrpc.Request, resp ndr.Type) error {
	if err := msrpc.Do(ctx, c.c, req, resp); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// OpenLocalMachine opens HKEY_LOCAL_MACHINE.
func (c *Client) OpenLocalMachine(ctx context.Context) (Handle, error) {
	var resp handleResponse
	if err := c.do(ctx, "OpenLocalMachine", &openLocalMachineRequest{Access: KeyRead}, &resp); err != nil {
		return Handle{}, err
	}
	if err := status(resp.Status); err != nil {
		return Handle{}, fmt.Errorf("OpenLocalMachine: %w", err)
	}
	return resp.Handle, nil
}

// OpenKey opens subkey (a path relative to parent). An absent key returns
// an error matching ErrNotFound.
func (c *Client) OpenKey(ctx context.Context, parent Handle, subkey string) (Handle, error) {
	if len(subkey) > 4*maxNameChars {
		return Handle{}, fmt.Errorf("BaseRegOpenKey: key path of %d bytes is longer than a registry path can be", len(subkey))
	}
	var resp handleResponse
	req := &openKeyRequest{Key: parent, SubKey: regString{S: subkey}, Access: KeyRead}
	if err := c.do(ctx, "BaseRegOpenKey", req, &resp); err != nil {
		return Handle{}, err
	}
	if err := status(resp.Status); err != nil {
		return Handle{}, fmt.Errorf("BaseRegOpenKey %q: %w", subkey, err)
	}
	return resp.Handle, nil
}

// CloseKey closes a handle.
func (c *Client) CloseKey(ctx context.Context, h Handle) error {
	var resp handleResponse
	if err := c.do(ctx, "BaseRegCloseKey", &handleRequest{Key: h, op: opBaseRegCloseKey}, &resp); err != nil {
		return err
	}
	if err := status(resp.Status); err != nil {
		return fmt.Errorf("BaseRegCloseKey: %w", err)
	}
	return nil
}

// GetVersion returns the server's registry version.
func (c *Client) GetVersion(ctx context.Context, h Handle) (uint32, error) {
	var resp getVersionResponse
	if err := c.do(ctx, "BaseRegGetVersion", &handleRequest{Key: h, op: opBaseRegGetVersion}, &resp); err != nil {
		return 0, err
	}
	if err := status(resp.Status); err != nil {
		return 0, fmt.Errorf("BaseRegGetVersion: %w", err)
	}
	return resp.Version, nil
}

// QueryValue reads a value's type and data ("" is the key's default
// value). An absent value returns an error matching ErrNotFound. Data
// larger than the first buffer costs a second call (ERROR_MORE_DATA
// tells the size).
func (c *Client) QueryValue(ctx context.Context, h Handle, name string) (uint32, []byte, error) {
	if len(name) > 4*maxNameChars {
		return 0, nil, fmt.Errorf("BaseRegQueryValue: value name of %d bytes is longer than a registry name can be", len(name))
	}
	size := uint32(firstBuffer)
	for range 3 {
		var resp queryValueResponse
		req := &queryValueRequest{Key: h, Name: regString{S: name}, Value: offerValue(size)}
		if err := c.do(ctx, "BaseRegQueryValue", req, &resp); err != nil {
			return 0, nil, err
		}
		typ, data, need := resp.Value.value()
		switch resp.Status {
		case ErrorSuccess:
			return typ, data, nil
		case ErrorMoreData:
			if need <= size {
				return 0, nil, fmt.Errorf("BaseRegQueryValue %q: %w with a size of %d for a %d-byte buffer", name, Win32Error(ErrorMoreData), need, size)
			}
			if need > MaxValueData {
				return 0, nil, fmt.Errorf("BaseRegQueryValue %q: value of %d bytes exceeds the %d-byte limit", name, need, MaxValueData)
			}
			size = need
		default:
			return 0, nil, fmt.Errorf("BaseRegQueryValue %q: %w", name, status(resp.Status))
		}
	}
	return 0, nil, fmt.Errorf("BaseRegQueryValue %q: server kept answering ERROR_MORE_DATA", name)
}

// EnumKey returns the name of subkey number index; ErrNoMoreItems past the
// last one.
func (c *Client) EnumKey(ctx context.Context, h Handle, index uint32) (string, error) {
	var resp enumKeyResponse
	req := &enumKeyRequest{Key: h, Index: index, Name: regString{Offer: 2 * (maxNameChars + 1)},
		Class: &regString{Offer: classBytes}}
	if err := c.do(ctx, "BaseRegEnumKey", req, &resp); err != nil {
		return "", err
	}
	if err := status(resp.Status); err != nil {
		return "", fmt.Errorf("BaseRegEnumKey %d: %w", index, err)
	}
	return resp.Name.S, nil
}

// Value is one enumerated value.
type Value struct {
	Name string
	Type uint32
	Data []byte
}

// EnumValue returns value number index; ErrNoMoreItems past the last one.
func (c *Client) EnumValue(ctx context.Context, h Handle, index uint32) (Value, error) {
	size := uint32(firstBuffer)
	for range 8 {
		var resp enumValueResponse
		req := &enumValueRequest{Key: h, Index: index, Name: regString{Offer: 2 * (maxNameChars + 1)}, Value: offerValue(size)}
		if err := c.do(ctx, "BaseRegEnumValue", req, &resp); err != nil {
			return Value{}, err
		}
		typ, data, need := resp.Value.value()
		v := Value{Name: resp.Name.S, Type: typ, Data: data}
		switch {
		case resp.Status == ErrorSuccess:
			return v, nil
		case resp.Status != ErrorMoreData:
			return Value{}, fmt.Errorf("BaseRegEnumValue %d: %w", index, status(resp.Status))
		case need > size:
			if need > MaxValueData {
				return Value{}, fmt.Errorf("BaseRegEnumValue %d: value of %d bytes exceeds the %d-byte limit", index, need, MaxValueData)
			}
			size = need
		case v.Name != "":
			// Samba does not say how much is needed, but returns the
			// name: BaseRegQueryValue does say.
			typ, data, err := c.QueryValue(ctx, h, v.Name)
			if err != nil {
				return Value{}, fmt.Errorf("BaseRegEnumValue %d: %w", index, err)
			}
			return Value{Name: v.Name, Type: typ, Data: data}, nil
		case size < MaxValueData:
			size = min(4*size, MaxValueData)
		default:
			return Value{}, fmt.Errorf("BaseRegEnumValue %d: %w at the %d-byte limit", index, Win32Error(ErrorMoreData), MaxValueData)
		}
	}
	return Value{}, fmt.Errorf("BaseRegEnumValue %d: server kept answering ERROR_MORE_DATA", index)
}
