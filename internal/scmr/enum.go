package scmr

import (
	"encoding/binary"
	"fmt"
	"unicode/utf16"

	"github.com/patchscan/patchscan/internal/msrpc"
)

// ServiceType is dwServiceType ([MS-SCMR] 2.2.47).
type ServiceType uint32

// Service types.
const (
	KernelDriver       ServiceType = 0x01
	FileSystemDriver   ServiceType = 0x02
	Win32OwnProcess    ServiceType = 0x10
	Win32ShareProcess  ServiceType = 0x20
	InteractiveProcess ServiceType = 0x100
)

// Driver reports a kernel or file system driver.
func (t ServiceType) Driver() bool { return t&(KernelDriver|FileSystemDriver) != 0 }

// ServiceState is dwCurrentState.
type ServiceState uint32

// Service states.
const (
	Stopped         ServiceState = 1
	StartPending    ServiceState = 2
	StopPending     ServiceState = 3
	Running         ServiceState = 4
	ContinuePending ServiceState = 5
	PausePending    ServiceState = 6
	Paused          ServiceState = 7
)

func (s ServiceState) String() string {
	names := []string{"", "stopped", "start pending", "stop pending", "running", "continue pending", "pause pending", "paused"}
	if s > 0 && int(s) < len(names) {
		return names[s]
	}
	return fmt.Sprintf("state %d", uint32(s))
}

// StartType is dwStartType ([MS-SCMR] 2.2.15).
type StartType uint32

// Start types.
const (
	BootStart   StartType = 0
	SystemStart StartType = 1
	AutoStart   StartType = 2
	DemandStart StartType = 3
	Disabled    StartType = 4
)

func (s StartType) String() string {
	names := []string{"boot", "system", "auto", "demand", "disabled"}
	if int(s) < len(names) {
		return names[s]
	}
	return fmt.Sprintf("start type %d", uint32(s))
}

// Service is one service as REnumServicesStatusW lists it.
type Service struct {
	Name, DisplayName string
	Type              ServiceType
	State             ServiceState
	Win32ExitCode     uint32
}

// Config is a service's configuration (QUERY_SERVICE_CONFIGW).
type Config struct {
	Type           ServiceType
	StartType      StartType
	ErrorControl   uint32
	BinaryPath     string
	LoadOrderGroup string
	StartName      string // the account it runs as
	DisplayName    string
}

// entrySize is ENUM_SERVICE_STATUSW in the buffer: two 32-bit string
// offsets and SERVICE_STATUS (seven DWORDs).
const entrySize = 4 + 4 + 7*4

// parseEnumBuffer reads n ENUM_SERVICE_STATUSW entries from the buffer
// REnumServicesStatusW fills: fixed-size entries whose strings are
// offsets into the same buffer, from its start, NUL-terminated UTF-16.
func parseEnumBuffer(b []byte, n uint32) ([]Service, error) {
	if int64(n)*entrySize > int64(len(b)) {
		return nil, fmt.Errorf("%w: %d services cannot fit in a %d-byte buffer", msrpc.ErrProtocol, n, len(b))
	}
	out := make([]Service, n)
	for i := range out {
		e := b[i*entrySize:]
		name, err := bufferString(b, binary.LittleEndian.Uint32(e))
		if err != nil {
			return nil, fmt.Errorf("service %d name: %w", i, err)
		}
		display, err := bufferString(b, binary.LittleEndian.Uint32(e[4:]))
		if err != nil {
			return nil, fmt.Errorf("service %d display name: %w", i, err)
		}
		out[i] = Service{Name: name, DisplayName: display, Type: ServiceType(binary.LittleEndian.Uint32(e[8:])),
			State: ServiceState(binary.LittleEndian.Uint32(e[12:])), Win32ExitCode: binary.LittleEndian.Uint32(e[20:])}
	}
	return out, nil
}

// bufferString reads the NUL-terminated UTF-16 string at off in b, of at
// most 4,096 characters (names are at most 256).
func bufferString(b []byte, off uint32) (string, error) {
	if off == 0 {
		return "", nil
	}
	if int64(off) >= int64(len(b)) || off%2 != 0 {
		return "", fmt.Errorf("%w: string offset %d in a %d-byte buffer", msrpc.ErrProtocol, off, len(b))
	}
	var u []uint16
	for p := int(off); ; p += 2 {
		if p+2 > len(b) {
			return "", fmt.Errorf("%w: string at %d runs past the buffer", msrpc.ErrProtocol, off)
		}
		c := binary.LittleEndian.Uint16(b[p:])
		if c == 0 {
			break
		}
		if len(u) == 4096 {
			return "", fmt.Errorf("%w: string at %d longer than 4096 characters", msrpc.ErrProtocol, off)
		}
		u = append(u, c)
	}
	return string(utf16.Decode(u)), nil
}
