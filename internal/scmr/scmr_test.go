package scmr

import (
	"context"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/internal/msrpc"
	"github.com/patchscan/patchscan/internal/msrpc/dtyp"
	"github.com/patchscan/patchscan/internal/msrpc/ifacetest"
	"github.com/patchscan/patchscan/internal/msrpc/ndr"
)

// enumBuffer lays services out as a server does: the entries, then their
// strings, at offsets from the buffer's start.
func enumBuffer(size int, services ...Service) []byte {
	b := make([]byte, len(services)*entrySize)
	str := func(s string) uint32 {
		off := uint32(len(b))
		for _, r := range s + "\x00" {
			b = binary.LittleEndian.AppendUint16(b, uint16(r))
		}
		return off
	}
	for i, s := range services {
		e := i * entrySize
		name, display := str(s.Name), str(s.DisplayName)
		binary.LittleEndian.PutUint32(b[e:], name)
		binary.LittleEndian.PutUint32(b[e+4:], display)
		binary.LittleEndian.PutUint32(b[e+8:], uint32(s.Type))
		binary.LittleEndian.PutUint32(b[e+12:], uint32(s.State))
	}
	return append(b, make([]byte, max(0, size-len(b)))...)
}

func enumReply(status dtyp.Win32Error, resume uint32, needed uint32, services ...Service) []byte {
	rh := ndr.DWORD(resume)
	return ifacetest.Marshal(&enumServicesResponse{Buffer: enumBuffer(0, services...), Needed: needed, Returned: uint32(len(services)), Resume: &rh, Status: uint32(status)})
}

func opened() []byte { return ifacetest.Marshal(&handleResponse{Handle: Handle{7}}) }

func TestServicesPages(t *testing.T) {
	s := &ifacetest.Script{Replies: map[uint16][][]byte{
		opOpenSCManagerW: {opened()},
		opEnumServicesStatusW: {
			enumReply(dtyp.ErrorMoreData, 1, 0, Service{Name: "Telnet", DisplayName: "Telnet", Type: Win32OwnProcess, State: Running}),
			enumReply(dtyp.ErrorMoreData, 1, 300000), // a service too large for the buffer: ask for what it needs
			enumReply(0, 0, 0, Service{Name: "mrxsmb10", DisplayName: "SMB 1.x", Type: KernelDriver, State: Stopped}),
		},
	}}
	services, err := New(s).Services(context.Background())
	if err == nil || !strings.Contains(err.Error(), "without progress") {
		// 300000 is past MS-SCMR's 256 KiB range: refused, not asked for.
		t.Fatalf("%+v %v", services, err)
	}
	s.Replies[opEnumServicesStatusW] = [][]byte{
		enumReply(dtyp.ErrorMoreData, 1, 0, Service{Name: "Telnet", DisplayName: "Telnet", Type: Win32OwnProcess, State: Running}),
		enumReply(dtyp.ErrorMoreData, 1, 100000),
		enumReply(0, 0, 0, Service{Name: "mrxsmb10", DisplayName: "SMB 1.x", Type: KernelDriver, State: Stopped}),
	}
	s.Calls, s.Stubs = nil, nil
	services, err = New(s).Services(context.Background())
	if err != nil || len(services) != 2 || services[0].State != Running || !services[1].Type.Driver() || services[1].State.String() != "stopped" {
		t.Fatalf("%+v %v", services, err)
	}
	// ROpenSCManagerW asks SC_MANAGER_ENUMERATE_SERVICE only; the third
	// enumeration offers the 100,000 bytes the second said it needs.
	if b := s.Stubs[0]; binary.LittleEndian.Uint32(b[len(b)-4:]) != scManagerEnumerateService {
		t.Fatalf("access %x", b[len(b)-4:])
	}
	if b := s.Stubs[3]; binary.LittleEndian.Uint32(b[28:]) != 100000 {
		t.Fatalf("buffer offered %d", binary.LittleEndian.Uint32(b[28:]))
	}
}

func TestConfig(t *testing.T) {
	path, account := ndr.WString(`C:\Windows\system32\tlntsvr.exe`), ndr.WString("LocalSystem")
	s := &ifacetest.Script{Replies: map[uint16][][]byte{
		opOpenSCManagerW:      {opened()},
		opOpenServiceW:        {ifacetest.Marshal(&handleResponse{Handle: Handle{8}})},
		opQueryServiceConfigW: {ifacetest.Marshal(&queryConfigResponse{Config: serviceConfig{Type: 0x10, StartType: uint32(AutoStart), BinaryPath: &path, StartName: &account}})},
		opCloseServiceHandle:  {ifacetest.Marshal(&handleResponse{})},
	}}
	c := New(s)
	cfg, err := c.Config(context.Background(), "TlntSvr")
	if err != nil || cfg.StartType != AutoStart || cfg.StartType.String() != "auto" || cfg.BinaryPath != string(path) || cfg.StartName != "LocalSystem" {
		t.Fatalf("%+v %v", cfg, err)
	}
	// ROpenServiceW asks SERVICE_QUERY_CONFIG only, and the handle is closed.
	if b := s.Stubs[1]; binary.LittleEndian.Uint32(b[len(b)-4:]) != serviceQueryConfig || s.Calls[len(s.Calls)-1] != opCloseServiceHandle {
		t.Fatalf("calls %v", s.Calls)
	}
	s.Replies[opOpenServiceW] = [][]byte{ifacetest.Marshal(&handleResponse{Status: uint32(dtyp.ErrorServiceDoesNotEx)})}
	if _, err := c.Config(context.Background(), "Nope"); !errors.Is(err, ErrServiceNotFound) {
		t.Fatalf("absent: %v", err)
	}
	s.Replies[opOpenServiceW] = [][]byte{ifacetest.Marshal(&handleResponse{Status: uint32(dtyp.ErrorAccessDenied)})}
	if _, err := c.Config(context.Background(), "Locked"); !errors.Is(err, dtyp.ErrAccessDenied) {
		t.Fatalf("denied: %v", err)
	}
	if _, err := c.Config(context.Background(), strings.Repeat("x", 2000)); err == nil {
		t.Fatal("an impossible name was sent")
	}
}

func TestParseEnumBufferBounds(t *testing.T) {
	good := enumBuffer(0, Service{Name: "a", DisplayName: "b"})
	for name, tc := range map[string]struct {
		b []byte
		n uint32
	}{
		"count past the buffer": {good, 9},
		"offset past the end":   {func() []byte { b := append([]byte(nil), good...); binary.LittleEndian.PutUint32(b, 5000); return b }(), 1},
		"odd offset":            {func() []byte { b := append([]byte(nil), good...); binary.LittleEndian.PutUint32(b, 37); return b }(), 1},
		"no terminator":         {good[:len(good)-2], 1},
	} {
		if _, err := parseEnumBuffer(tc.b, tc.n); !errors.Is(err, msrpc.ErrProtocol) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// FuzzDecodeReplies: hostile replies and service buffers give errors,
// never panics; the enumeration ends.
func FuzzDecodeReplies(f *testing.F) {
	f.Add(opened())
	f.Add(enumReply(0, 0, 0, Service{Name: "s", DisplayName: "S"}))
	f.Add(enumReply(dtyp.ErrorMoreData, 4, 9000))
	for _, b := range conversation.ServerStubs(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = ndr.Unmarshal(b, &enumServicesResponse{})
		_ = ndr.Unmarshal(b, &queryConfigResponse{})
		_, _ = parseEnumBuffer(b, uint32(len(b)/entrySize))
		s := &ifacetest.Script{Replies: map[uint16][][]byte{opOpenSCManagerW: {b}, opEnumServicesStatusW: {b}, opOpenServiceW: {b},
			opQueryServiceConfigW: {b}, opCloseServiceHandle: {b}}}
		c := New(s)
		_, _ = c.Services(context.Background())
		_, _ = c.Config(context.Background(), "x")
		if len(s.Calls) > 80 {
			t.Fatalf("%d calls", len(s.Calls))
		}
	})
}
