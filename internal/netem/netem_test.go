package netem

import (
	"bytes"
	"crypto/sha256"
	"io"
	"math/rand/v2"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/patchscan/patchscan/internal/leakcheck"
)

// echoServer answers every read with the same bytes; it stops with the test.
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				_, _ = io.Copy(c, c)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

func start(t *testing.T, cfg Config) *Proxy {
	t.Helper()
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	p, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func TestRoundTripCostsTwiceTheDelay(t *testing.T) {
	target := echoServer(t)
	tests := []struct {
		name  string
		delay time.Duration
		turns int
	}{
		{"0ms", 0, 5},
		{"10ms", 10 * time.Millisecond, 5},
		{"25ms", 25 * time.Millisecond, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := start(t, Config{Target: target, Delay: tt.delay})
			c, err := net.Dial("tcp", p.Addr())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			buf := make([]byte, 16)
			begin := time.Now()
			for i := range tt.turns {
				msg := []byte(strings.Repeat(string(rune('a'+i)), 16))
				if _, err := c.Write(msg); err != nil {
					t.Fatal(err)
				}
				if _, err := io.ReadFull(c, buf); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(buf, msg) {
					t.Fatalf("turn %d: got %q, want %q", i, buf, msg)
				}
			}
			elapsed := time.Since(begin)
			// The handshake's round trip is charged to the first send.
			floor := time.Duration(tt.turns+1) * 2 * tt.delay
			if elapsed < floor {
				t.Fatalf("%d turns took %v, less than the floor %v", tt.turns, elapsed, floor)
			}
			if elapsed > floor+time.Duration(tt.turns)*50*time.Millisecond+time.Second {
				t.Fatalf("%d turns took %v, far above the floor %v", tt.turns, elapsed, floor)
			}
			st := p.Stats()
			want := Stats{Conns: 1, RoundTrips: int64(tt.turns) + 1, Turns: int64(tt.turns) + 1, BytesUp: int64(16 * tt.turns), BytesDown: int64(16 * tt.turns)}
			if st != want {
				t.Fatalf("stats %+v, want %+v", st, want)
			}
			p.Reset()
			if st := p.Stats(); st != (Stats{}) {
				t.Fatalf("after Reset: %+v", st)
			}
		})
	}
}

// Many writes of random sizes arrive intact and in order, both ways, with
// a budget far smaller than the data (flow control, not buffering).
func TestOrderAndBoundedBuffer(t *testing.T) {
	target := echoServer(t)
	p := start(t, Config{Target: target, Delay: 2 * time.Millisecond, MaxInFlight: 64 << 10})
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	data := make([]byte, 4<<20)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	want := sha256.Sum256(data)
	errc := make(chan error, 1)
	go func() {
		rest := data
		for len(rest) > 0 {
			n := min(len(rest), 1+r.IntN(70000))
			if _, err := c.Write(rest[:n]); err != nil {
				errc <- err
				return
			}
			rest = rest[n:]
		}
		errc <- c.(*net.TCPConn).CloseWrite()
	}()
	h := sha256.New()
	n, err := io.Copy(h, c)
	if err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if n != int64(len(data)) || !bytes.Equal(h.Sum(nil), want[:]) {
		t.Fatalf("echoed %d bytes, hash mismatch=%v", n, !bytes.Equal(h.Sum(nil), want[:]))
	}
	if st := p.Stats(); st.BytesUp != int64(len(data)) || st.BytesDown != int64(len(data)) {
		t.Fatalf("stats %+v", st)
	}
}

// A client that never reads: the proxy must stop reading from the server
// once its budget is held, not buffer everything.
func TestSlowReaderBoundsMemory(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var sent int64
	srvDone := make(chan struct{})
	go func() {
		defer close(srvDone)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		chunk := make([]byte, 64<<10)
		for sent < 256<<20 {
			_ = c.SetWriteDeadline(time.Now().Add(300 * time.Millisecond))
			n, err := c.Write(chunk)
			sent += int64(n)
			if err != nil {
				return
			}
		}
	}()
	p := start(t, Config{Target: ln.Addr().String(), MaxInFlight: 256 << 10})
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	<-srvDone // the server's writes stalled
	// Kernel socket buffers on both sides plus the proxy's budget: a few
	// MiB at most, never the 256 MiB the server wanted to send.
	if sent > 32<<20 {
		t.Fatalf("server could push %d bytes into a client that never reads", sent)
	}
	if down := p.Stats().BytesDown; down > 16<<20 {
		t.Fatalf("proxy read %d bytes it could not deliver", down)
	}
}

func TestHalfCloseAndTargetDown(t *testing.T) {
	target := echoServer(t)
	p := start(t, Config{Target: target, Delay: time.Millisecond})
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("last words")); err != nil {
		t.Fatal(err)
	}
	if err := c.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(c)
	if err != nil || string(got) != "last words" {
		t.Fatalf("got %q, %v", got, err)
	}

	// A target that is not listening: the client's connection is closed.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close()
	p2 := start(t, Config{Target: dead})
	c2, err := net.Dial("tcp", p2.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	_ = c2.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := c2.Read(make([]byte, 1)); err == nil || n != 0 {
		t.Fatalf("read %d, %v from a proxy whose target is down", n, err)
	}
}

func TestCloseStopsEverything(t *testing.T) {
	target := echoServer(t)
	base := runtime.NumGoroutine()
	p, err := Start(Config{Listen: "127.0.0.1:0", Target: target, Delay: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var clients []net.Conn
	for range 10 {
		c, err := net.Dial("tcp", p.Addr())
		if err != nil {
			t.Fatal(err)
		}
		clients = append(clients, c)
		// Data in flight when the proxy closes.
		if _, err := c.Write([]byte("pending")); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(20 * time.Millisecond)
	start := time.Now()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("Close took %v", d)
	}
	_ = p.Close() // idempotent
	for _, c := range clients {
		_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
		if _, err := io.ReadAll(c); err != nil && !strings.Contains(err.Error(), "reset") {
			t.Fatalf("client read after Close: %v", err)
		}
		c.Close()
	}
	if _, err := net.DialTimeout("tcp", p.Addr(), time.Second); err == nil {
		t.Fatal("proxy still accepts after Close")
	}
	leakcheck.Settle(t, base)
}

// A client with several requests in flight: each reply makes it turn
// around, but all turns of one flight are one round trip of the link.
//
// The proxy tells flights apart by time (a turn at least one Delay after
// the flight began starts a new one), and whether a follow-up is a turn of
// its own depends on its reply having arrived first: on a loaded machine
// (-race beside the lab tests) the scheduler stretched the follow-ups past
// a 50 ms delay (5 round trips), or the proxy read the four messages at
// once and relayed one echo (one turn). So: a 250 ms delay, messages sent
// one at a time as the tap sees each (never merged), and an attempt
// whose conditions the machine did not give (the follow-ups were not
// several turns, or the proxy read them more than 3/4 of a delay apart)
// is run again. Every attempt that ran as meant must count 4 round trips.
func TestOverlappedTurnsAreOneRoundTrip(t *testing.T) {
	target := echoServer(t)
	const delay, attempts = 250 * time.Millisecond, 10
	seen := make(chan tapped, 64)
	p := start(t, Config{Target: target, Delay: delay, Tap: func(_ int64, up []byte) {
		for _, b := range up {
			seen <- tapped{b, time.Now()}
		}
	}})
	for attempt := 1; attempt <= attempts; attempt++ {
		p.Reset()
		st, spread := overlappedFlights(t, p, seen)
		// Turns: the handshake, '0', 'a', and at least two follow-ups.
		if st.Turns < 5 || spread > delay*3/4 {
			t.Logf("attempt %d did not run as meant (the machine is loaded): stats %+v, follow-ups read within %v", attempt, st, spread)
			continue
		}
		// Handshake, the first exchange and two flights.
		if st.RoundTrips != 4 {
			t.Fatalf("stats %+v, want 4 round trips (the proxy read the follow-ups within %v, the delay is %v)", st, spread, delay)
		}
		return
	}
	t.Fatalf("no attempt of %d gave several turns in one flight", attempts)
}

// tapped is a byte the proxy read, and when.
type tapped struct {
	b  byte
	at time.Time
}

// overlappedFlights makes one connection: a first exchange, then four
// messages in flight at once, each answered by a follow-up as its echo
// arrives. It returns the proxy's counts and how far apart the proxy
// read the follow-ups.
func overlappedFlights(t *testing.T, p *Proxy, seen chan tapped) (Stats, time.Duration) {
	t.Helper()
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	send := func(b byte) time.Time {
		if _, err := c.Write([]byte{b}); err != nil {
			t.Fatal(err)
		}
		for got := range seen { // until the proxy has read it
			if got.b == b {
				return got.at
			}
		}
		return time.Time{}
	}
	buf := make([]byte, 1)
	read := func() {
		if _, err := io.ReadFull(c, buf); err != nil {
			t.Fatal(err)
		}
	}
	// A first exchange, so the handshake's charge (which holds early
	// data back and would merge the messages below) is behind us.
	send('0')
	read()
	// One flight: four messages 25 ms apart. Their echoes come back 25 ms
	// apart and each triggers an immediate follow-up, as concurrent file
	// reads do: the follow-ups are several turns but one more flight.
	for i := range 4 {
		send(byte('a' + i))
		time.Sleep(25 * time.Millisecond)
	}
	var first, last time.Time
	for i := range 4 {
		read()
		last = send(byte('A' + i))
		if i == 0 {
			first = last
		}
	}
	for range 4 {
		read()
	}
	return p.Stats(), last.Sub(first)
}

// The tap sees each connection's bytes in order, numbered by connection,
// before they are relayed: while it holds a send, nothing of it reaches
// the server (no echo comes back), and it goes on when the tap returns.
func TestTapSeesSendsBeforeRelay(t *testing.T) {
	target := echoServer(t)
	var mu sync.Mutex
	seen := map[int64]string{}
	hold, held := make(chan struct{}), make(chan struct{})
	p := start(t, Config{Target: target, Tap: func(conn int64, up []byte) {
		mu.Lock()
		seen[conn] += string(up)
		stop := strings.HasSuffix(seen[conn], "hold")
		mu.Unlock()
		if stop {
			close(held)
			<-hold
		}
	}})
	var cs []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", p.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		cs = append(cs, c)
	}
	buf := make([]byte, 8)
	for i, msg := range []string{"one", "two", "three"} {
		c := cs[i%2]
		if _, err := c.Write([]byte(msg)); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(c, buf[:len(msg)]); err != nil || string(buf[:len(msg)]) != msg {
			t.Fatalf("echo %q, %v", buf[:len(msg)], err)
		}
	}
	if _, err := cs[0].Write([]byte("hold")); err != nil {
		t.Fatal(err)
	}
	<-held
	// Held: no echo can come, however long we wait; 100 ms is enough to
	// catch a relay that does not wait for the tap.
	_ = cs[0].SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if n, err := cs[0].Read(buf); n != 0 || err == nil {
		t.Fatalf("read %q while the tap held it", buf[:n])
	}
	close(hold)
	_ = cs[0].SetReadDeadline(time.Time{})
	if _, err := io.ReadFull(cs[0], buf[:4]); err != nil || string(buf[:4]) != "hold" {
		t.Fatalf("after the tap returned: %q, %v", buf[:4], err)
	}
	mu.Lock()
	defer mu.Unlock()
	// Connection numbers come from their acceptance order; the two
	// connections were accepted in an order the test does not fix.
	want := map[string]bool{"onethreehold": true, "two": true}
	if len(seen) != 2 || !want[seen[1]] || !want[seen[2]] || seen[1] == seen[2] {
		t.Fatalf("tap saw %v", seen)
	}
}

func TestLoopbackOnly(t *testing.T) {
	tests := []struct {
		listen, target string
		ok             bool
	}{
		{"127.0.0.1:0", "127.0.0.1:445", true},
		{"127.9.9.9:0", "[::1]:445", true},
		{"127.0.0.1:0", "192.0.2.1:445", false},
		{"10.0.0.1:0", "127.0.0.1:445", false},
		{"127.0.0.1:0", "example.com:445", false},
		{"127.0.0.1", "127.0.0.1:445", false},
	}
	for _, tt := range tests {
		p, err := Start(Config{Listen: tt.listen, Target: tt.target})
		if p != nil {
			p.Close()
		}
		if (err == nil) != tt.ok {
			t.Errorf("Start(%s → %s): err %v, want ok=%v", tt.listen, tt.target, err, tt.ok)
		}
	}
	if _, err := Start(Config{Listen: "127.0.0.1:0", Target: "127.0.0.1:1", Delay: -time.Second}); err == nil {
		t.Error("negative delay accepted")
	}
}
