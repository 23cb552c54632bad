package netguard

import (
	"net"
	"net/netip"
	"testing"
	"time"
)

func TestCheck(t *testing.T) {
	if !Active() {
		t.Fatal("guard is not active under go test")
	}
	tests := []struct {
		ip      string
		allowed bool
	}{
		{"127.0.0.1", true},
		{"127.200.3.4", true},
		{"::1", true},
		{"::ffff:127.0.0.9", true},
		{"10.0.0.1", false},
		{"192.168.1.1", false},
		{"8.8.8.8", false},
		{"fe80::1", false},
		{"0.0.0.0", false},
	}
	for _, tt := range tests {
		err := Check(netip.MustParseAddr(tt.ip))
		if (err == nil) != tt.allowed {
			t.Errorf("Check(%s) = %v, want allowed=%v", tt.ip, err, tt.allowed)
		}
	}
}

func TestControlRefusesBeforeConnecting(t *testing.T) {
	// 192.0.2.1 (TEST-NET-1) is never contacted: Control runs before connect.
	d := net.Dialer{Control: Control, Timeout: time.Second}
	if _, err := d.Dial("tcp", "192.0.2.1:445"); err == nil {
		t.Fatal("dial to a non-loopback address was not refused")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := d.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatalf("loopback dial refused: %v", err)
	}
	c.Close()
}
