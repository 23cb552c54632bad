// Package netem is a loopback TCP proxy that puts a host "far away": every
// segment it relays is held for a fixed one-way delay in each direction, so
// a round trip through it costs 2×Delay on top of the loopback's. The
// kernel's netem qdisc is not available on the test machines; this does the
// same in user space, per connection, preserving byte order.
//
// It also counts what crosses it: connections, bytes each way, turns (the
// client sending after it has received, plus one per connection for the
// TCP handshake) and round trips: turns that start a new flight, at least
// one Delay after the previous one. A client with several requests in
// flight turns around once per reply, but those turns overlap within one
// round trip of the link; RoundTrips is what the link charges for in
// wall time, Turns the raw alternation (they are equal without a delay
// or for a strictly sequential client).
//
// Memory is bounded: each direction of each connection holds at most
// MaxInFlight bytes in transit; beyond that the proxy stops reading and TCP
// flow control pushes back on the sender, as a real link's buffer would.
package netem

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Config describes a proxy.
type Config struct {
	// Listen is the loopback address to listen on ("127.0.0.1:0" picks a
	// port). Only loopback addresses are accepted.
	Listen string
	// Target is the host:port every accepted connection is relayed to.
	Target string
	// Delay is the one-way delay added to every segment, in each
	// direction: the added round-trip time is 2×Delay.
	Delay time.Duration
	// MaxInFlight bounds the bytes held in transit per direction and
	// connection; 0 = 1 MiB.
	MaxInFlight int
	// DialTimeout bounds the connection to Target; 0 = 5s.
	DialTimeout time.Duration
	// Tap, when set, sees what each client sends, in order, as the proxy
	// reads it and before it is relayed (conn numbers connections from 1
	// in the order they were accepted). A test acts there on a protocol
	// event (the Nth request of some kind goes by) at an exact point of
	// the conversation, where a byte count or a clock lands anywhere on a
	// loaded machine. It runs on the relay's goroutine and holds that
	// direction of that connection while it runs; up is only valid
	// during the call.
	Tap func(conn int64, up []byte)
}

// Stats are counters over every connection the proxy has relayed.
type Stats struct {
	Conns      int64 // connections accepted
	RoundTrips int64 // one per connection (handshake) + one per flight of client turns
	Turns      int64 // one per connection (handshake) + one per client turn
	BytesUp    int64 // client → target
	BytesDown  int64 // target → client
}

// Proxy is a running latency-injecting proxy.
type Proxy struct {
	cfg Config
	ln  net.Listener

	conns, roundTrips, turns, up, down atomic.Int64
	ids                                atomic.Int64 // numbers links; Reset leaves it

	mu     sync.Mutex
	open   map[*link]struct{}
	closed bool
	done   chan struct{}
	wg     sync.WaitGroup
}

// segSize is the most one read relays at a time.
const segSize = 32 << 10

// Start listens on cfg.Listen and relays to cfg.Target until Close.
func Start(cfg Config) (*Proxy, error) {
	if cfg.MaxInFlight <= 0 {
		cfg.MaxInFlight = 1 << 20
	}
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = 5 * time.Second
	}
	if cfg.Delay < 0 {
		return nil, fmt.Errorf("netem: negative delay %v", cfg.Delay)
	}
	if err := loopbackOnly(cfg.Listen); err != nil {
		return nil, err
	}
	if err := loopbackOnly(cfg.Target); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("netem: listening on %s: %w", cfg.Listen, err)
	}
	p := &Proxy{cfg: cfg, ln: ln, open: map[*link]struct{}{}, done: make(chan struct{})}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// loopbackOnly refuses anything but a literal loopback address: the proxy
// is a test tool and must never reach the network.
func loopbackOnly(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("netem: address %q: %w", addr, err)
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("netem: address %q is not a loopback IP address (the proxy is for loopback tests only)", addr)
	}
	return nil
}

// Addr is the address clients dial.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Stats returns the counters so far.
func (p *Proxy) Stats() Stats {
	return Stats{Conns: p.conns.Load(), RoundTrips: p.roundTrips.Load(), Turns: p.turns.Load(), BytesUp: p.up.Load(), BytesDown: p.down.Load()}
}

// Reset zeroes the counters (between measured runs).
func (p *Proxy) Reset() {
	p.conns.Store(0)
	p.roundTrips.Store(0)
	p.turns.Store(0)
	p.up.Store(0)
	p.down.Store(0)
}

// Close stops listening, drops every relayed connection and waits until
// every goroutine of the proxy has returned.
func (p *Proxy) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	close(p.done)
	err := p.ln.Close()
	for l := range p.open {
		l.closeBoth()
	}
	p.mu.Unlock()
	p.wg.Wait()
	return err
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			select {
			case <-p.done:
				return
			default:
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			// Transient accept errors (EMFILE): back off a little.
			select {
			case <-p.done:
				return
			case <-time.After(10 * time.Millisecond):
			}
			continue
		}
		p.conns.Add(1)
		p.roundTrips.Add(1) // the TCP handshake
		p.turns.Add(1)
		l := &link{client: c, accepted: time.Now(), id: p.ids.Add(1)}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			c.Close()
			return
		}
		p.open[l] = struct{}{}
		p.wg.Add(1)
		p.mu.Unlock()
		go p.serve(l)
	}
}

// link is one relayed connection.
type link struct {
	client, server net.Conn
	accepted       time.Time
	id             int64 // from 1, in the order of acceptance (Config.Tap)

	mu sync.Mutex
	// lastDown is set when bytes were delivered to the client and cleared
	// when the client next sends: that next send is a new round trip.
	lastDown  bool
	sentFirst bool
	lastRT    time.Time // start of the current flight
	closeOnce sync.Once
}

func (l *link) closeBoth() {
	l.closeOnce.Do(func() {
		l.client.Close()
		if l.server != nil {
			l.server.Close()
		}
	})
}

func (p *Proxy) serve(l *link) {
	defer p.wg.Done()
	defer func() {
		p.mu.Lock()
		delete(p.open, l)
		p.mu.Unlock()
	}()
	d := net.Dialer{Timeout: p.cfg.DialTimeout}
	server, err := d.Dial("tcp", p.cfg.Target)
	p.mu.Lock()
	if err != nil || p.closed {
		p.mu.Unlock()
		if server != nil {
			server.Close()
		}
		l.client.Close()
		return
	}
	l.server = server
	p.mu.Unlock()

	// Data the client writes before its handshake would have completed
	// reaches the server no earlier than 3 one-way delays after the SYN
	// (SYN, SYN-ACK, then the data): connect completes locally at the
	// proxy, so the handshake's round trip is charged here.
	firstUp := l.accepted.Add(3 * p.cfg.Delay)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		p.pipe(l, l.client, server, true, firstUp)
	}()
	go func() {
		defer wg.Done()
		p.pipe(l, server, l.client, false, time.Time{})
	}()
	wg.Wait()
	l.closeBoth()
}

type segment struct {
	due  time.Time
	data []byte // nil: end of stream (half-close)
}

// pipe relays src to dst, holding each segment for the delay. A reader
// goroutine stamps segments as they arrive; this goroutine writes each at
// its due time, in order. The byte budget bounds what is held.
func (p *Proxy) pipe(l *link, src, dst net.Conn, up bool, notBefore time.Time) {
	r := &segReader{p: p, l: l, src: src, up: up, notBefore: notBefore,
		budget: make(chan struct{}, p.cfg.MaxInFlight/segSize+1), stop: make(chan struct{})}
	r.segs = make(chan segment, cap(r.budget)+1)
	var reader sync.WaitGroup
	defer reader.Wait() // after close(stop): the reader always returns
	defer close(r.stop)
	reader.Add(1)
	go func() {
		defer reader.Done()
		r.run()
	}()
	p.deliver(l, r, dst, up)
}

// segReader reads one direction of a link into timed segments.
type segReader struct {
	p         *Proxy
	l         *link
	src       net.Conn
	up        bool
	notBefore time.Time
	budget    chan struct{} // a token per segment held
	segs      chan segment
	stop      chan struct{}
}

func (r *segReader) run() {
	defer close(r.segs)
	buf := make([]byte, segSize)
	for {
		select {
		case r.budget <- struct{}{}:
		case <-r.stop:
			return
		case <-r.p.done:
			return
		}
		n, err := r.src.Read(buf)
		if n > 0 {
			r.count(n)
			if r.up && r.p.cfg.Tap != nil {
				r.p.cfg.Tap(r.l.id, buf[:n])
			}
			due := time.Now().Add(r.p.cfg.Delay)
			if due.Before(r.notBefore) {
				due = r.notBefore
			}
			if !r.send(segment{due: due, data: append([]byte(nil), buf[:n]...)}) {
				return
			}
		} else {
			<-r.budget
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				r.send(segment{due: time.Now().Add(r.p.cfg.Delay)})
			}
			return
		}
	}
}

func (r *segReader) send(s segment) bool {
	select {
	case r.segs <- s:
		return true
	case <-r.stop:
		return false
	}
}

// count adds n bytes to the direction's total and, going up, counts a
// client turn: its first send, or a send after it was answered. Each
// turn at least one delay after the last round trip starts a new one.
func (r *segReader) count(n int) {
	p, l := r.p, r.l
	if !r.up {
		p.down.Add(int64(n))
		return
	}
	p.up.Add(int64(n))
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.lastDown && l.sentFirst {
		return
	}
	p.turns.Add(1)
	if now := time.Now(); p.cfg.Delay == 0 || now.Sub(l.lastRT) >= p.cfg.Delay {
		p.roundTrips.Add(1)
		l.lastRT = now
	}
	l.lastDown, l.sentFirst = false, true
}

// deliver writes each segment to dst at its due time, in order.
func (p *Proxy) deliver(l *link, r *segReader, dst net.Conn, up bool) {
	timer := time.NewTimer(0)
	<-timer.C
	defer timer.Stop()
	for s := range r.segs {
		if wait := time.Until(s.due); wait > 0 {
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-p.done:
				return
			}
		}
		if s.data == nil {
			// The sender half-closed: pass it on, keep the other way open.
			if tc, ok := dst.(*net.TCPConn); ok {
				_ = tc.CloseWrite()
				return
			}
			l.closeBoth()
			return
		}
		if !up {
			l.mu.Lock()
			l.lastDown = true
			l.mu.Unlock()
		}
		if _, err := dst.Write(s.data); err != nil {
			l.closeBoth()
			return
		}
		<-r.budget
	}
	// The reader stopped on an error other than EOF (reset, closed).
	l.closeBoth()
}
