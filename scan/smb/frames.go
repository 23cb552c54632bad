package smb

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
)

// Bounds on the direct-TCP frames ([MS-SMB2] 2.1: a zero byte and a
// 24-bit length, then the message) a server may send. go-smb2 allocates
// whatever length a frame announces, up to 16 MiB, before reading it; a
// hostile or broken server could make every connection hold that much.
const (
	// maxFrameSetup bounds frames until the session is set up: NEGOTIATE
	// and NTLM SESSION_SETUP responses are a few hundred bytes.
	maxFrameSetup = 64 << 10
	// maxFrame bounds frames afterwards: go-smb2 never asks for more than
	// 1 MiB in one READ or IOCTL (its winMaxPayloadSize), plus headers, a
	// transform header and slack for a compound reply.
	maxFrame = 1<<20 + 64<<10
	// minFrame is an SMB2 header; an SMB3 transform header is 52 bytes and
	// never comes alone.
	minFrame = 64
)

// errNotSMB is a reply that is not SMB2/3: the host is not an SMB server,
// or something between breaks the protocol.
var errNotSMB = errors.New("not an SMB2/3 server")

// frameConn checks the frames a server sends before go-smb2 sees them: a
// frame larger than the bound, or one that is not SMB2 (protocol id
// 0xFE 'SMB') or an SMB3 transform (0xFD 'SMB'), closes the connection at
// once with a clear error. go-smb2 would otherwise allocate the announced
// length, or skip a reply it cannot parse and leave the request waiting
// for the whole timeout.
type frameConn struct {
	net.Conn
	limit atomic.Int64 // the current bound on a frame's length

	mu     sync.Mutex // Read is called by go-smb2's one receiver; kept for the race detector's sake
	hdr    [8]byte    // the direct-TCP header and the protocol id of the frame being parsed
	nhdr   int        // bytes of hdr seen
	remain int        // payload bytes of the current frame not yet seen, after the protocol id

	bad atomic.Pointer[error] // why the connection was cut
}

func newFrameConn(c net.Conn) *frameConn {
	fc := &frameConn{Conn: c}
	fc.limit.Store(maxFrameSetup)
	return fc
}

// sessionUp raises the bound once the session is set up.
func (c *frameConn) sessionUp() { c.limit.Store(maxFrame) }

// violation is why the connection was cut, or nil.
func (c *frameConn) violation() error {
	if e := c.bad.Load(); e != nil {
		return *e
	}
	return nil
}

func (c *frameConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if n > 0 {
		c.mu.Lock()
		verr := c.check(b[:n])
		c.mu.Unlock()
		if verr != nil {
			c.bad.CompareAndSwap(nil, &verr)
			c.Conn.Close()
			return 0, verr
		}
	}
	return n, err
}

// check runs the bytes read through the frame parser.
func (c *frameConn) check(b []byte) error {
	for len(b) > 0 {
		if c.remain > 0 {
			k := min(c.remain, len(b))
			c.remain -= k
			b = b[k:]
			continue
		}
		k := copy(c.hdr[c.nhdr:], b)
		c.nhdr += k
		b = b[k:]
		if c.nhdr >= 4 && c.nhdr-k < 4 {
			// The length field just completed.
			if c.hdr[0] != 0 {
				return fmt.Errorf("%w: the reply starts with byte 0x%02x, not a direct-TCP SMB frame", errNotSMB, c.hdr[0])
			}
			size := int(binary.BigEndian.Uint32(c.hdr[:4]))
			if limit := c.limit.Load(); int64(size) > limit {
				return fmt.Errorf("the server announced a %d-byte message, more than the %d bytes any reply may have at this stage: connection closed (a broken or hostile server)", size, limit)
			}
			if size < minFrame {
				return fmt.Errorf("%w: a %d-byte message is shorter than an SMB2 header", errNotSMB, size)
			}
		}
		if c.nhdr == len(c.hdr) {
			if id := c.hdr[4:8]; (id[0] != 0xFE && id[0] != 0xFD) || string(id[1:]) != "SMB" {
				return fmt.Errorf("%w: a reply's protocol id is %x, not fe534d42 (SMB2) or fd534d42 (SMB3 transform)", errNotSMB, id)
			}
			c.remain = int(binary.BigEndian.Uint32(c.hdr[:4])) - 4
			c.nhdr = 0
		}
	}
	return nil
}
