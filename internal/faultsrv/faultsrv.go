// Package faultsrv is a TCP server on loopback that stands in for broken
// and hostile SMB hosts in resilience tests: one that accepts and never
// answers, one that answers the negotiate and then stalls, one that sends
// garbage, one that closes mid-session, one that answers at 1 byte/s and
// one that announces a huge message. A scanner must turn each into a host
// status within its timeout, without leaking goroutines or memory.
//
// The server is bounded in every way: connections at once, bytes read per
// connection, and lifetime (it stops by itself after Config.Lifetime even
// if a test forgets Close).
package faultsrv

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Mode is how the server misbehaves.
type Mode int

const (
	// Silent accepts, reads and discards, and never sends a byte.
	Silent Mode = iota + 1
	// NegotiateStall answers the first message with a plausible SMB2
	// NEGOTIATE response (SMB 2.1, signing enabled), then never answers
	// again (the client's SESSION_SETUP waits forever).
	NegotiateStall
	// Garbage answers the first message with a correctly framed message of
	// random bytes (no SMB2 header), then stalls.
	Garbage
	// CloseMidSession answers the negotiate, then closes the connection
	// when the next request arrives. With Config.Upstream it relays to a
	// real server instead and cuts the connection after CutAfter bytes of
	// the server's replies: a host that dies mid-session.
	CloseMidSession
	// Slow sends the NEGOTIATE response one byte per ByteInterval.
	Slow
	// HugeLength answers with a direct-TCP header announcing the largest
	// length the framing allows (16 MiB - 1), sends a few bytes, stalls.
	HugeLength
)

var modeNames = map[Mode]string{
	Silent: "silent", NegotiateStall: "negotiate-stall", Garbage: "garbage",
	CloseMidSession: "close-mid-session", Slow: "slow", HugeLength: "huge-length",
}

func (m Mode) String() string {
	if s, ok := modeNames[m]; ok {
		return s
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// Modes lists every mode, for table-driven tests.
var Modes = []Mode{Silent, NegotiateStall, Garbage, CloseMidSession, Slow, HugeLength}

// Config describes a fault server.
type Config struct {
	Addr string // loopback host:port; "127.0.0.1:0" picks a port
	Mode Mode
	// Lifetime after which the server stops by itself; 0 = 2 minutes.
	Lifetime time.Duration
	// MaxConns served at once; more are closed at accept. 0 = 32.
	MaxConns int
	// MaxRead bounds the bytes read from one connection; 0 = 1 MiB.
	MaxRead int64
	// ByteInterval is the pace of Slow; 0 = 1s.
	ByteInterval time.Duration
	// Upstream, for CloseMidSession, is a real server to relay to.
	Upstream string
	// CutAfter is how many bytes of upstream replies pass before the cut;
	// 0 = 4096 (past negotiate and session setup).
	CutAfter int64
}

// Stats counts what clients did.
type Stats struct {
	Conns    int64 // accepted
	Messages int64 // complete direct-TCP messages received
	// Commands are the SMB2 commands of the first messages received
	// (at most 64), to check how far a client got.
	Commands []uint16
}

// SMB2 commands seen in Stats.Commands.
const (
	CmdNegotiate    uint16 = 0
	CmdSessionSetup uint16 = 1
)

// Server is a running fault server.
type Server struct {
	cfg  Config
	ln   net.Listener
	done chan struct{}
	wg   sync.WaitGroup

	conns, messages atomic.Int64
	active          atomic.Int64

	mu       sync.Mutex
	open     map[net.Conn]struct{}
	commands []uint16
	closed   bool
	timer    *time.Timer
}

// Start listens on cfg.Addr.
func Start(cfg Config) (*Server, error) {
	if _, ok := modeNames[cfg.Mode]; !ok {
		return nil, fmt.Errorf("faultsrv: unknown mode %v", cfg.Mode)
	}
	if cfg.Lifetime <= 0 {
		cfg.Lifetime = 2 * time.Minute
	}
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = 32
	}
	if cfg.MaxRead <= 0 {
		cfg.MaxRead = 1 << 20
	}
	if cfg.ByteInterval <= 0 {
		cfg.ByteInterval = time.Second
	}
	if cfg.CutAfter <= 0 {
		cfg.CutAfter = 4096
	}
	if err := loopbackOnly(cfg.Addr); err != nil {
		return nil, err
	}
	if cfg.Upstream != "" {
		if err := loopbackOnly(cfg.Upstream); err != nil {
			return nil, err
		}
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("faultsrv: listening on %s: %w", cfg.Addr, err)
	}
	s := &Server{cfg: cfg, ln: ln, done: make(chan struct{}), open: map[net.Conn]struct{}{}}
	s.timer = time.AfterFunc(cfg.Lifetime, func() { s.Close() })
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

func loopbackOnly(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("faultsrv: address %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("faultsrv: address %q is not a loopback IP address (fault servers are for loopback tests only)", addr)
	}
	return nil
}

// Addr is the address to dial.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Stats returns the counters so far.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Stats{Conns: s.conns.Load(), Messages: s.messages.Load(), Commands: append([]uint16(nil), s.commands...)}
}

// Close stops the server, closes every connection and waits for its
// goroutines. It is safe to call more than once.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		s.wg.Wait()
		return nil
	}
	s.closed = true
	s.timer.Stop()
	close(s.done)
	err := s.ln.Close()
	for c := range s.open {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return err
}

func (s *Server) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			select {
			case <-s.done:
				return
			case <-time.After(10 * time.Millisecond): // EMFILE and friends
				continue
			}
		}
		s.conns.Add(1)
		s.mu.Lock()
		if s.closed || s.active.Load() >= int64(s.cfg.MaxConns) {
			s.mu.Unlock()
			c.Close()
			continue
		}
		s.active.Add(1)
		s.open[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			defer func() {
				s.mu.Lock()
				delete(s.open, c)
				s.mu.Unlock()
				s.active.Add(-1)
				c.Close()
			}()
			s.serve(c)
		}()
	}
}

// maxMessage bounds one message the server reads; SMB2 requests from a
// scanner are far smaller.
const maxMessage = 1 << 20

// readMessage reads one direct-TCP framed message (4-byte header, the
// first byte zero, 24-bit length) and records its SMB2 command.
func (s *Server) readMessage(r io.Reader) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n > maxMessage {
		return nil, fmt.Errorf("message of %d bytes", n)
	}
	msg := make([]byte, n)
	if _, err := io.ReadFull(r, msg); err != nil {
		return nil, err
	}
	s.messages.Add(1)
	if len(msg) >= 64 && string(msg[:4]) == "\xfeSMB" {
		s.mu.Lock()
		if len(s.commands) < 64 {
			s.commands = append(s.commands, binary.LittleEndian.Uint16(msg[12:]))
		}
		s.mu.Unlock()
	}
	return msg, nil
}

func (s *Server) serve(c net.Conn) {
	r := io.LimitReader(c, s.cfg.MaxRead)
	switch s.cfg.Mode {
	case Silent:
		s.drain(r)
	case NegotiateStall:
		if s.answerNegotiate(c, r) {
			s.drain(r)
		}
	case Garbage:
		if _, err := s.readMessage(r); err != nil {
			return
		}
		junk := make([]byte, 4+512)
		_, _ = rand.Read(junk[4:])
		junk[4] = 0x42 // never a valid SMB1/SMB2/transform header
		binary.BigEndian.PutUint32(junk, uint32(len(junk)-4))
		if _, err := c.Write(junk); err != nil {
			return
		}
		s.drain(r)
	case CloseMidSession:
		if s.cfg.Upstream != "" {
			s.relayAndCut(c)
			return
		}
		if s.answerNegotiate(c, r) {
			_, _ = s.readMessage(r) // the session setup: hang up on it
		}
	case Slow:
		msg, err := s.readMessage(r)
		if err != nil {
			return
		}
		resp := frame(NegotiateResponse(messageID(msg)))
		// Reads go on meanwhile so a client's writes never block, and
		// tell when the client has gone.
		gone := make(chan struct{})
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer close(gone)
			s.drain(r)
		}()
		tick := time.NewTicker(s.cfg.ByteInterval)
		defer tick.Stop()
		for _, b := range resp {
			select {
			case <-s.done:
				return
			case <-gone:
				return
			case <-tick.C:
			}
			if _, err := c.Write([]byte{b}); err != nil {
				return
			}
		}
		select {
		case <-s.done:
		case <-gone:
		}
	case HugeLength:
		if _, err := s.readMessage(r); err != nil {
			return
		}
		// The largest length direct TCP can carry, then a valid-looking
		// start of an SMB2 header, then nothing.
		if _, err := c.Write([]byte{0, 0xff, 0xff, 0xff, 0xfe, 'S', 'M', 'B', 64, 0}); err != nil {
			return
		}
		s.drain(r)
	}
}

// answerNegotiate reads the first message and answers it; false when the
// client went away.
func (s *Server) answerNegotiate(c net.Conn, r io.Reader) bool {
	msg, err := s.readMessage(r)
	if err != nil {
		return false
	}
	_, err = c.Write(frame(NegotiateResponse(messageID(msg))))
	return err == nil
}

// drain reads and discards (counting messages) until the client goes
// away, sends something unframed, the read budget is spent or the server
// closes; the connection is then closed.
func (s *Server) drain(r io.Reader) {
	for {
		if _, err := s.readMessage(r); err != nil {
			return
		}
	}
}

// relayAndCut forwards to Upstream and closes both sides once CutAfter
// bytes of replies have passed.
func (s *Server) relayAndCut(c net.Conn) {
	up, err := net.DialTimeout("tcp", s.cfg.Upstream, 5*time.Second)
	if err != nil {
		return
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		up.Close()
		return
	}
	s.open[up] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.open, up)
		s.mu.Unlock()
		up.Close()
	}()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, _ = io.Copy(up, io.LimitReader(c, s.cfg.MaxRead))
		up.Close()
	}()
	_, _ = io.Copy(c, io.LimitReader(up, s.cfg.CutAfter))
	c.Close()
	up.Close()
	wg.Wait()
}

func frame(msg []byte) []byte {
	out := make([]byte, 4+len(msg))
	binary.BigEndian.PutUint32(out, uint32(len(msg)))
	copy(out[4:], msg)
	return out
}

func messageID(req []byte) uint64 {
	if len(req) >= 64 && string(req[:4]) == "\xfeSMB" {
		return binary.LittleEndian.Uint64(req[24:])
	}
	return 0
}

// spnegoInit is a SPNEGO NegTokenInit offering NTLMSSP only, as a Samba
// or Windows server puts in its NEGOTIATE response.
var spnegoInit = []byte{
	0x60, 0x1c, // [APPLICATION 0]
	0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02, // SPNEGO 1.3.6.1.5.5.2
	0xa0, 0x12, 0x30, 0x10, 0xa0, 0x0e, 0x30, 0x0c, // NegTokenInit, mechTypes
	0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a, // NTLMSSP
}

// NegotiateResponse is an SMB2 NEGOTIATE response ([MS-SMB2] 2.2.4)
// selecting SMB 2.1 with signing enabled, answering message id: enough
// for a client to go on to SESSION_SETUP.
func NegotiateResponse(id uint64) []byte {
	b := make([]byte, 64+64+len(spnegoInit))
	le := binary.LittleEndian
	copy(b, "\xfeSMB")
	le.PutUint16(b[4:], 64)  // header StructureSize
	le.PutUint16(b[12:], 0)  // Command NEGOTIATE
	le.PutUint16(b[14:], 1)  // CreditResponse
	le.PutUint32(b[16:], 1)  // Flags SERVER_TO_REDIR
	le.PutUint64(b[24:], id) // MessageId
	body := b[64:]
	le.PutUint16(body[0:], 65)     // StructureSize
	le.PutUint16(body[2:], 0x01)   // SecurityMode: signing enabled
	le.PutUint16(body[4:], 0x0210) // DialectRevision SMB 2.1
	guid := mrand.New(mrand.NewPCG(uint64(id), 0x5eed))
	for i := 8; i < 24; i++ {
		body[i] = byte(guid.Uint32())
	}
	le.PutUint32(body[24:], 0)     // Capabilities
	le.PutUint32(body[28:], 1<<16) // MaxTransactSize
	le.PutUint32(body[32:], 1<<16) // MaxReadSize
	le.PutUint32(body[36:], 1<<16) // MaxWriteSize
	ft := uint64(time.Now().UnixNano()/100) + 116444736000000000
	le.PutUint64(body[40:], ft)    // SystemTime (FILETIME)
	le.PutUint16(body[56:], 64+64) // SecurityBufferOffset
	le.PutUint16(body[58:], uint16(len(spnegoInit)))
	copy(body[64:], spnegoInit)
	return b
}
