// Package rrp is a read-only client for the Windows Remote Registry
// Protocol ([MS-RRP]) over a bound DCE/RPC connection: the few calls a
// patch scanner needs, every key opened with KEY_READ only.
//
// Request encoders and response decoders are separate functions so the
// decoders, which see hostile data, can be fuzzed on their own.
package rrp

import (
	"errors"
	"fmt"
	"io"

	"github.com/patchscan/patchscan/internal/msrpc"
)

// Interface is the winreg RPC interface, version 1.0.
var Interface = msrpc.SyntaxID{UUID: msrpc.MustParseUUID("338cd001-2244-31f1-aaaa-900038001003"), Major: 1}

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

// KeyRead is KEY_READ (STANDARD_RIGHTS_READ | KEY_QUERY_VALUE |
// KEY_ENUMERATE_SUB_KEYS | KEY_NOTIFY): the only access this client asks for.
const KeyRead = 0x00020019

// Limits on what a server may make us hold.
const (
	MaxValueData = 1 << 20 // bytes of one value's data
	maxNameChars = 16383   // registry key/value name limit (Windows)
	firstBuffer  = 512     // first data buffer offered; larger values take a second call
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
type Handle [20]byte

// IsZero reports a null handle.
func (h Handle) IsZero() bool { return h == Handle{} }

// Caller is what the client needs from an RPC connection.
type Caller interface {
	Call(opnum uint16, stub []byte) ([]byte, error)
}

// Client issues MS-RRP calls over a bound connection.
type Client struct{ c Caller }

// New wraps a connection already bound to Interface.
func New(c Caller) *Client { return &Client{c: c} }

// Bind binds Interface over an open \PIPE\winreg and returns a client.
func Bind(pipe io.ReadWriter, opts msrpc.Options) (*Client, error) {
	c, err := msrpc.Bind(pipe, Interface, opts)
	if err != nil {
		return nil, err
	}
	return New(c), nil
}

func (c *Client) call(name string, opnum uint16, stub []byte) ([]byte, error) {
	out, err := c.c.Call(opnum, stub)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return out, nil
}

// OpenLocalMachine opens HKEY_LOCAL_MACHINE.
func (c *Client) OpenLocalMachine() (Handle, error) {
	out, err := c.call("OpenLocalMachine", opOpenLocalMachine, EncodeOpenLocalMachine(KeyRead))
	if err != nil {
		return Handle{}, err
	}
	h, err := DecodeHandleResponse(out)
	if err != nil {
		return Handle{}, fmt.Errorf("OpenLocalMachine: %w", err)
	}
	return h, nil
}

// OpenKey opens subkey (a path relative to parent). An absent key returns
// an error matching ErrNotFound.
func (c *Client) OpenKey(parent Handle, subkey string) (Handle, error) {
	out, err := c.call("BaseRegOpenKey", opBaseRegOpenKey, EncodeOpenKey(parent, subkey, KeyRead))
	if err != nil {
		return Handle{}, err
	}
	h, err := DecodeHandleResponse(out)
	if err != nil {
		return Handle{}, fmt.Errorf("BaseRegOpenKey %q: %w", subkey, err)
	}
	return h, nil
}

// CloseKey closes a handle.
func (c *Client) CloseKey(h Handle) error {
	out, err := c.call("BaseRegCloseKey", opBaseRegCloseKey, h[:])
	if err != nil {
		return err
	}
	if _, err := DecodeHandleResponse(out); err != nil {
		return fmt.Errorf("BaseRegCloseKey: %w", err)
	}
	return nil
}

// GetVersion returns the server's registry version.
func (c *Client) GetVersion(h Handle) (uint32, error) {
	out, err := c.call("BaseRegGetVersion", opBaseRegGetVersion, h[:])
	if err != nil {
		return 0, err
	}
	v, err := DecodeGetVersionResponse(out)
	if err != nil {
		return 0, fmt.Errorf("BaseRegGetVersion: %w", err)
	}
	return v, nil
}

// QueryValue reads a value's type and data ("" is the key's default
// value). An absent value returns an error matching ErrNotFound. Data
// larger than the first buffer costs a second call (ERROR_MORE_DATA
// tells the size).
func (c *Client) QueryValue(h Handle, name string) (uint32, []byte, error) {
	size := uint32(firstBuffer)
	for attempt := 0; attempt < 3; attempt++ {
		out, err := c.call("BaseRegQueryValue", opBaseRegQueryValue, EncodeQueryValue(h, name, size))
		if err != nil {
			return 0, nil, err
		}
		r, err := DecodeQueryValueResponse(out)
		if errors.Is(err, Win32Error(ErrorMoreData)) && r.Size > size {
			if r.Size > MaxValueData {
				return 0, nil, fmt.Errorf("BaseRegQueryValue %q: value of %d bytes exceeds the %d-byte limit", name, r.Size, MaxValueData)
			}
			size = r.Size
			continue
		}
		if err != nil {
			return 0, nil, fmt.Errorf("BaseRegQueryValue %q: %w", name, err)
		}
		return r.Type, r.Data, nil
	}
	return 0, nil, fmt.Errorf("BaseRegQueryValue %q: server kept answering ERROR_MORE_DATA", name)
}

// EnumKey returns the name of subkey number index; ErrNoMoreItems past the
// last one.
func (c *Client) EnumKey(h Handle, index uint32) (string, error) {
	out, err := c.call("BaseRegEnumKey", opBaseRegEnumKey, EncodeEnumKey(h, index, 2*(maxNameChars+1)))
	if err != nil {
		return "", err
	}
	name, err := DecodeEnumKeyResponse(out)
	if err != nil {
		return "", fmt.Errorf("BaseRegEnumKey %d: %w", index, err)
	}
	return name, nil
}

// Value is one enumerated value.
type Value struct {
	Name string
	Type uint32
	Data []byte
}

// EnumValue returns value number index; ErrNoMoreItems past the last one.
func (c *Client) EnumValue(h Handle, index uint32) (Value, error) {
	size := uint32(firstBuffer)
	for attempt := 0; attempt < 8; attempt++ {
		out, err := c.call("BaseRegEnumValue", opBaseRegEnumValue, EncodeEnumValue(h, index, 2*(maxNameChars+1), size))
		if err != nil {
			return Value{}, err
		}
		v, need, err := DecodeEnumValueResponse(out)
		if errors.Is(err, Win32Error(ErrorMoreData)) {
			if need > size {
				if need > MaxValueData {
					return Value{}, fmt.Errorf("BaseRegEnumValue %d: value of %d bytes exceeds the %d-byte limit", index, need, MaxValueData)
				}
				size = need
				continue
			}
			// Samba does not say how much is needed, but returns the
			// name: BaseRegQueryValue does say.
			if v.Name != "" {
				typ, data, err := c.QueryValue(h, v.Name)
				if err != nil {
					return Value{}, fmt.Errorf("BaseRegEnumValue %d: %w", index, err)
				}
				return Value{Name: v.Name, Type: typ, Data: data}, nil
			}
			if size < MaxValueData {
				size = min(4*size, MaxValueData)
				continue
			}
		}
		if err != nil {
			return Value{}, fmt.Errorf("BaseRegEnumValue %d: %w", index, err)
		}
		return v, nil
	}
	return Value{}, fmt.Errorf("BaseRegEnumValue %d: server kept answering ERROR_MORE_DATA", index)
}
