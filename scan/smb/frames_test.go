package smb

import (
	"context"
	"encoding/binary"
	"errors"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/patchscan/patchscan/internal/faultsrv"
	"github.com/patchscan/patchscan/scan/transport"
)

// frameBytes is a direct-TCP frame of an SMB2 message of n bytes (n >= 4)
// with protocol id id.
func frameBytes(id string, n int) []byte {
	b := make([]byte, 4+n)
	binary.BigEndian.PutUint32(b, uint32(n))
	copy(b[4:], id)
	return b
}

// pipeConn feeds bytes to frameConn.Read in the chunks given.
type pipeConn struct {
	net.Conn
	chunks [][]byte
	closed bool
}

func (p *pipeConn) Read(b []byte) (int, error) {
	if len(p.chunks) == 0 {
		return 0, errors.New("no more data")
	}
	n := copy(b, p.chunks[0])
	p.chunks[0] = p.chunks[0][n:]
	if len(p.chunks[0]) == 0 {
		p.chunks = p.chunks[1:]
	}
	return n, nil
}

func (p *pipeConn) Close() error { p.closed = true; return nil }

// split cuts b into pieces of at most size bytes.
func split(b []byte, size int) [][]byte {
	var out [][]byte
	for len(b) > 0 {
		k := min(size, len(b))
		out = append(out, b[:k])
		b = b[k:]
	}
	return out
}

func TestFrameConn(t *testing.T) {
	smb2 := "\xfeSMB"
	transform := "\xfdSMB"
	cat := func(bs ...[]byte) []byte {
		var out []byte
		for _, b := range bs {
			out = append(out, b...)
		}
		return out
	}
	tests := []struct {
		name    string
		stream  []byte
		session bool // the session is up (larger frames allowed)
		wantErr string
	}{
		{"one SMB2 frame", frameBytes(smb2, 200), false, ""},
		{"frames back to back", cat(frameBytes(smb2, 64), frameBytes(transform, 300), frameBytes(smb2, 70)), false, ""},
		{"a read-sized frame once the session is up", frameBytes(smb2, 1<<20+200), true, ""},
		{"garbage protocol id", frameBytes("\x42abc", 516), false, "not an SMB2/3 server"},
		{"SMB1 reply", frameBytes("\xffSMB", 100), false, "not an SMB2/3 server"},
		{"garbage in the second frame", cat(frameBytes(smb2, 64), frameBytes("HTTP", 100)), false, "protocol id"},
		{"not a session message", append([]byte{0x85, 0, 0, 0}, frameBytes(smb2, 64)...), false, "byte 0x85"},
		{"huge length before the session", []byte{0, 0xff, 0xff, 0xfe, 0xfe, 'S', 'M', 'B'}, false, "16777214-byte message"},
		{"huge length after", []byte{0, 0xff, 0xff, 0xfe, 0xfe, 'S', 'M', 'B'}, true, "16777214-byte message"},
		{"read-sized frame before the session", frameBytes(smb2, 1<<20), false, "more than the 65536 bytes"},
		{"too short", frameBytes(smb2, 10), false, "shorter than an SMB2 header"},
	}
	for _, tt := range tests {
		for _, chunk := range []int{1, 3, 7, 4096, 1 << 22} {
			if chunk < 4096 && len(tt.stream) > 4096 {
				continue // a megabyte a byte at a time proves nothing more
			}
			pc := &pipeConn{chunks: split(tt.stream, chunk)}
			fc := newFrameConn(pc)
			if tt.session {
				fc.sessionUp()
			}
			var err error
			total := 0
			buf := make([]byte, 5000)
			for total < len(tt.stream) && err == nil {
				var n int
				n, err = fc.Read(buf)
				total += n
			}
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("%s, chunks of %d: %v", tt.name, chunk, err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("%s, chunks of %d: err %v, want %q", tt.name, chunk, err, tt.wantErr)
			case tt.wantErr != "" && (!pc.closed || fc.violation() == nil):
				t.Errorf("%s, chunks of %d: connection not closed (%v) or violation not kept", tt.name, chunk, pc.closed)
			}
		}
	}
}

// FuzzFrameConn: any byte stream, read in any chunking, ends in a clean
// pass or an error, never a panic; an error closes the connection.
func FuzzFrameConn(f *testing.F) {
	f.Add(frameBytes("\xfeSMB", 64), 3)
	f.Add([]byte{0, 0xff, 0xff, 0xfe, 0xfe, 'S', 'M', 'B'}, 1)
	f.Add(frameBytes("\x42xyz", 100), 50)
	f.Fuzz(func(t *testing.T, stream []byte, chunk int) {
		if chunk <= 0 {
			chunk = 1
		}
		pc := &pipeConn{chunks: split(stream, chunk)}
		fc := newFrameConn(pc)
		buf := make([]byte, 97)
		for {
			_, err := fc.Read(buf)
			if err != nil {
				if fc.violation() != nil && !pc.closed {
					t.Fatal("violation without closing")
				}
				return
			}
		}
	})
}

// openFault opens a session to a fault server in mode m.
func openFault(t *testing.T, m faultsrv.Mode, timeout time.Duration) (time.Duration, error) {
	t.Helper()
	s, err := faultsrv.Start(faultsrv.Config{Addr: "127.0.0.1:0", Mode: m, Lifetime: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	start := time.Now()
	sess, err := NewOpener(onLoopback(Config{})).Open(context.Background(), transport.Endpoint{Host: "127.0.0.1", Addr: s.Addr()},
		transport.Options{Credentials: transport.Credentials{User: "u", Password: "secret-pw"}, Timeout: timeout})
	if err == nil {
		sess.Close()
		t.Fatalf("%v: opened", m)
	}
	if strings.Contains(err.Error(), "secret-pw") {
		t.Fatalf("%v: error reveals the password", m)
	}
	return time.Since(start), err
}

// A server answering garbage fails the host at once, with an error that
// says what is wrong, instead of costing the whole timeout (go-smb2 skips
// a reply it cannot parse and keeps waiting).
func TestGarbageFailsFast(t *testing.T) {
	const timeout = 10 * time.Second
	took, err := openFault(t, faultsrv.Garbage, timeout)
	if transport.OutcomeOf(err) != transport.Failed || !strings.Contains(err.Error(), "not an SMB2/3 server") || !errors.Is(err, errNotSMB) {
		t.Fatalf("err %v (kind %v)", err, transport.OutcomeOf(err))
	}
	if took > timeout/4 {
		t.Fatalf("took %v with a %v timeout", took, timeout)
	}
	t.Logf("%v after %v", err, took.Round(time.Millisecond))
}

// A server announcing a 16 MiB message is cut off before go-smb2
// allocates a buffer for it, at once.
func TestHugeLengthBoundedMemory(t *testing.T) {
	const timeout = 10 * time.Second
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	took, err := openFault(t, faultsrv.HugeLength, timeout)
	runtime.ReadMemStats(&after)
	if transport.OutcomeOf(err) != transport.Failed || !strings.Contains(err.Error(), "16777215-byte message") {
		t.Fatalf("err %v (kind %v)", err, transport.OutcomeOf(err))
	}
	// TotalAlloc counts every allocation, freed or not: the announced
	// 16 MiB buffer would show, whatever the GC did meanwhile.
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 4<<20 {
		t.Fatalf("allocated %d KiB opening one hostile host", grew>>10)
	}
	if took > timeout/4 {
		t.Fatalf("took %v with a %v timeout", took, timeout)
	}
	t.Logf("%v after %v", err, took.Round(time.Millisecond))
}
