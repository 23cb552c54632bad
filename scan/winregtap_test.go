package scan_test

import (
	"bytes"
	"encoding/binary"
	"sync"
)

// winregTap watches what a client sends through a netem proxy (as its
// Config.Tap) and counts the registry reads it makes: DCE/RPC requests
// written to winreg pipes (SMB2 WRITEs on a file whose BIND was to
// MS-RRP), except OpenLocalMachine, which sets a pipe up (a session opens
// 1-16 pipes as its timing allows). The reads vary a little too, as key
// handles are cached per pipe (29-32 for the lab catalog, of which 19 are
// value queries), so the tests kill at half a baseline's.
// It calls at(n) on the proxy's relay goroutine as the nth read goes by,
// before it is relayed: a fault injected there lands at an exact
// point of the conversation (a call is pending), however loaded the
// machine, where a byte count or a clock could land after the registry
// reads were over.
//
// It reads our own client's traffic in a test, so it is lenient: what it
// does not understand (SMB3 encryption, another command) it skips.
type winregTap struct {
	at func(n int64)

	mu     sync.Mutex
	conns  map[int64][]byte  // per connection: bytes of a frame not complete yet
	winreg map[[16]byte]bool // FileIds bound to winreg
	count  int64             // registry reads seen
	hits   []int64           // requests seen by this call of Tap, for at
}

// rrpSyntax is MS-RRP's interface UUID 338cd001-2244-31f1-aaaa-900038001003
// as a BIND carries it (the first three fields little-endian).
var rrpSyntax = []byte{0x01, 0xd0, 0x8c, 0x33, 0x44, 0x22, 0xf1, 0x31, 0xaa, 0xaa, 0x90, 0x00, 0x38, 0x00, 0x10, 0x03}

const (
	smb2Write     = 0x0009
	smb2HeaderLen = 64
	rpcRequest    = 0
	rpcBind       = 11
	rpcFirstFrag  = 0x01
	// rpcRequestLen is a request PDU's header: the common 16 bytes, then
	// alloc_hint, p_cont_id and opnum.
	rpcRequestLen = 24
	// opOpenLocalMachine is MS-RRP's OpenLocalMachine (3.1.5.3).
	opOpenLocalMachine = 2
)

func newWinregTap(at func(n int64)) *winregTap {
	return &winregTap{at: at, conns: map[int64][]byte{}, winreg: map[[16]byte]bool{}}
}

// Reads is the number of registry reads seen so far.
func (w *winregTap) Reads() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.count
}

// Tap is the netem.Config.Tap.
func (w *winregTap) Tap(conn int64, up []byte) {
	for _, n := range w.parse(conn, up) {
		if w.at != nil {
			w.at(n)
		}
	}
}

// parse adds what a connection sent and returns the numbers of the reads
// it completed.
func (w *winregTap) parse(conn int64, up []byte) []int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.hits = w.hits[:0]
	buf := append(w.conns[conn], up...)
	// Direct TCP transport: a zero byte, a 24-bit length, the message.
	for len(buf) >= 4 {
		n := int(binary.BigEndian.Uint32(buf[:4]) & 0xffffff)
		if len(buf) < 4+n {
			break
		}
		w.message(buf[4 : 4+n])
		buf = buf[4+n:]
	}
	w.conns[conn] = append([]byte(nil), buf...)
	return append([]int64(nil), w.hits...)
}

// message looks at each SMB2 request of a (possibly compound) message.
func (w *winregTap) message(m []byte) {
	for len(m) >= smb2HeaderLen && bytes.Equal(m[:4], []byte{0xfe, 'S', 'M', 'B'}) {
		next := int(binary.LittleEndian.Uint32(m[20:24]))
		one := m
		if next > 0 && next <= len(m) {
			one = m[:next]
		}
		if binary.LittleEndian.Uint16(m[12:14]) == smb2Write {
			w.write(one)
		}
		if next <= 0 || next > len(m) {
			return
		}
		m = m[next:]
	}
}

// write looks at the RPC PDU an SMB2 WRITE request carries ([MS-SMB2]
// 2.2.21: DataOffset, Length, Offset, FileId; [C706] 12.6: the PDU's
// header, PTYPE at byte 2 and flags at byte 3).
func (w *winregTap) write(m []byte) {
	body := m[smb2HeaderLen:]
	if len(body) < 32 {
		return
	}
	off := int(binary.LittleEndian.Uint16(body[2:4]))
	n := int(binary.LittleEndian.Uint32(body[4:8]))
	var id [16]byte
	copy(id[:], body[16:32])
	if off < smb2HeaderLen || off+n > len(m) || n < 16 || m[off] != 5 {
		return
	}
	pdu := m[off : off+n]
	switch {
	case pdu[2] == rpcBind:
		w.winreg[id] = bytes.Contains(pdu, rrpSyntax)
	case pdu[2] == rpcRequest && pdu[3]&rpcFirstFrag != 0 && w.winreg[id] &&
		len(pdu) >= rpcRequestLen && binary.LittleEndian.Uint16(pdu[22:24]) != opOpenLocalMachine:
		w.count++
		w.hits = append(w.hits, w.count)
	}
}
