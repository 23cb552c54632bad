package faultsrv

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"runtime"
	"slices"
	"testing"
	"time"

	smb2 "github.com/cloudsoda/go-smb2"
	"github.com/patchscan/patchscan/internal/leakcheck"
)

func start(t *testing.T, cfg Config) *Server {
	t.Helper()
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	s, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// dialSMB runs a real SMB2 client (the one the transport uses) against the
// server under a deadline, and closes its connection afterwards.
func dialSMB(addr string, timeout time.Duration) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	begin := time.Now()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	d := &smb2.Dialer{
		Negotiator: smb2.Negotiator{RequireMessageSigning: true},
		Initiator:  &smb2.NTLMInitiator{User: "u", Password: "not-a-secret", Domain: "LAB"},
	}
	s, err := d.DialConn(ctx, conn, "faulty")
	if err == nil {
		_ = s.Logoff()
		return time.Since(begin), errors.New("session established with a fault server")
	}
	return time.Since(begin), err
}

func TestModesAgainstSMBClient(t *testing.T) {
	const timeout = 800 * time.Millisecond
	tests := []struct {
		mode     Mode
		commands []uint16 // what the client got to send
		early    bool     // fails before the timeout
	}{
		{Silent, []uint16{CmdNegotiate}, false},
		// The negotiate response is plausible: the client goes on.
		{NegotiateStall, []uint16{CmdNegotiate, CmdSessionSetup}, false},
		{Garbage, []uint16{CmdNegotiate}, false},
		{CloseMidSession, []uint16{CmdNegotiate, CmdSessionSetup}, true},
		{Slow, []uint16{CmdNegotiate}, false},
		{HugeLength, []uint16{CmdNegotiate}, false},
	}
	base := runtime.NumGoroutine()
	for _, tt := range tests {
		t.Run(tt.mode.String(), func(t *testing.T) {
			s := start(t, Config{Mode: tt.mode})
			took, err := dialSMB(s.Addr(), timeout)
			if err == nil {
				t.Fatal("no error")
			}
			if took > timeout+time.Second {
				t.Fatalf("client took %v with a %v deadline", took, timeout)
			}
			if tt.early && took >= timeout {
				t.Fatalf("client waited for its deadline (%v): %v", took, err)
			}
			// Wait for the server to have seen the client's last message.
			deadline := time.Now().Add(time.Second)
			for !slices.Equal(s.Stats().Commands, tt.commands) && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
			if got := s.Stats().Commands; !slices.Equal(got, tt.commands) {
				t.Fatalf("commands %v, want %v (client error: %v)", got, tt.commands, err)
			}
			t.Logf("%v after %v", err, took.Round(time.Millisecond))
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
	leakcheck.Settle(t, base)
}

// At a fast pace the slow server's reply is a valid negotiate response.
func TestSlowDeliversEveryByte(t *testing.T) {
	s := start(t, Config{Mode: Slow, ByteInterval: time.Millisecond})
	_, err := dialSMB(s.Addr(), 1500*time.Millisecond)
	if err == nil {
		t.Fatal("no error")
	}
	deadline := time.Now().Add(3 * time.Second)
	for len(s.Stats().Commands) < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := s.Stats().Commands; !slices.Equal(got, []uint16{CmdNegotiate, CmdSessionSetup}) {
		t.Fatalf("commands %v: the slow reply was not a usable negotiate response", got)
	}
}

func TestHugeLengthHeader(t *testing.T) {
	s := start(t, Config{Mode: HugeLength})
	c, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write(frame(make([]byte, 64))); err != nil {
		t.Fatal(err)
	}
	hdr := make([]byte, 4)
	if _, err := io.ReadFull(c, hdr); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(hdr, []byte{0, 0xff, 0xff, 0xff}) {
		t.Fatalf("header % x", hdr)
	}
}

func TestRelayCutsMidSession(t *testing.T) {
	// Upstream: sends 10 KiB whatever it is asked.
	up, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer up.Close()
	go func() {
		for {
			c, err := up.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 16)
				if _, err := c.Read(buf); err == nil {
					_, _ = c.Write(make([]byte, 10<<10))
				}
				_, _ = io.Copy(io.Discard, c)
			}()
		}
	}()
	s := start(t, Config{Mode: CloseMidSession, Upstream: up.Addr().String(), CutAfter: 3000})
	c, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
	got, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if len(got) != 3000 {
		t.Fatalf("relayed %d bytes before the cut, want 3000", len(got))
	}
}

func TestBounds(t *testing.T) {
	base := runtime.NumGoroutine()
	// Lifetime: the server stops by itself.
	s, err := Start(Config{Addr: "127.0.0.1:0", Mode: Silent, Lifetime: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Fatalf("read from an expired server: %v", err)
	}
	c.Close()
	leakcheck.Settle(t, base)
	_ = s.Close()

	// MaxConns: the extra connection is closed at once.
	s2 := start(t, Config{Mode: Silent, MaxConns: 1})
	c1, err := net.Dial("tcp", s2.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c1.Close()
	for s2.active.Load() != 1 {
		time.Sleep(time.Millisecond)
	}
	c2, err := net.Dial("tcp", s2.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	_ = c2.SetReadDeadline(time.Now().Add(3 * time.Second))
	if _, err := c2.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Fatalf("second connection over MaxConns: %v, want EOF", err)
	}

	// MaxRead and message size: a client sending an oversized frame is cut.
	s3 := start(t, Config{Mode: Silent})
	c3, err := net.Dial("tcp", s3.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c3.Close()
	if _, err := c3.Write([]byte{0, 0xff, 0xff, 0xff}); err != nil {
		t.Fatal(err)
	}
	_ = c3.SetReadDeadline(time.Now().Add(3 * time.Second))
	if _, err := c3.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Fatalf("oversized frame: %v, want EOF", err)
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []Config{
		{Addr: "127.0.0.1:0"},                 // no mode
		{Addr: "127.0.0.1:0", Mode: Mode(99)}, // unknown mode
		{Addr: "192.0.2.1:0", Mode: Silent},   // not loopback
		{Addr: "localhost:0", Mode: Silent},   // not a literal address
		{Addr: "127.0.0.1:0", Mode: CloseMidSession, Upstream: "192.0.2.1:445"},
	}
	for _, cfg := range tests {
		s, err := Start(cfg)
		if err == nil {
			s.Close()
			t.Errorf("Start(%+v) succeeded", cfg)
		}
	}
	if got := Mode(99).String(); got != "Mode(99)" {
		t.Errorf("String %q", got)
	}
}

func TestNegotiateResponseLayout(t *testing.T) {
	r := NegotiateResponse(7)
	if len(r) != 128+len(spnegoInit) || string(r[:4]) != "\xfeSMB" || r[24] != 7 || r[64] != 65 || r[68] != 0x10 || r[69] != 0x02 {
		t.Fatalf("response % x", r)
	}
}
