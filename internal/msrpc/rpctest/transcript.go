// Package rpctest records and replays what a DCE/RPC client and a real
// server said to each other over a pipe, so that clients are tested
// against replies a real server (Samba, in the lab) produced, not only
// against their own encoders.
//
// A transcript is a text file: "#" lines are comments, "> HEX" is one
// write by the client (a PDU), "< HEX" is one read's worth of bytes from
// the server. Replaying gives the client the same reads, and checks that
// it writes the same requests.
package rpctest

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
)

// Entry is one write (FromClient) or read.
type Entry struct {
	FromClient bool
	Data       []byte
}

// Transcript is a conversation, in order.
type Transcript struct {
	Comments []string
	Entries  []Entry
}

// Server returns every read of the transcript (fuzzing seeds).
func (t *Transcript) Server() [][]byte {
	var out [][]byte
	for _, e := range t.Entries {
		if !e.FromClient {
			out = append(out, e.Data)
		}
	}
	return out
}

// Load reads a transcript file.
func Load(path string) (*Transcript, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	t := &Transcript{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case line == "":
		case strings.HasPrefix(line, "#"):
			t.Comments = append(t.Comments, strings.TrimSpace(line[1:]))
		case strings.HasPrefix(line, "> "), strings.HasPrefix(line, "< "):
			b, err := hex.DecodeString(line[2:])
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %v", path, n, err)
			}
			t.Entries = append(t.Entries, Entry{FromClient: line[0] == '>', Data: b})
		default:
			return nil, fmt.Errorf("%s:%d: line starts with neither #, > nor <", path, n)
		}
	}
	return t, sc.Err()
}

// Save writes the transcript.
func (t *Transcript) Save(path string) error {
	var b bytes.Buffer
	for _, c := range t.Comments {
		fmt.Fprintf(&b, "# %s\n", c)
	}
	for _, e := range t.Entries {
		dir := "<"
		if e.FromClient {
			dir = ">"
		}
		fmt.Fprintf(&b, "%s %x\n", dir, e.Data)
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

// Recorder is a pipe that records what passes through it.
type Recorder struct {
	RW io.ReadWriter
	mu sync.Mutex
	T  Transcript
}

func (r *Recorder) Write(b []byte) (int, error) {
	r.mu.Lock()
	r.T.Entries = append(r.T.Entries, Entry{FromClient: true, Data: append([]byte(nil), b...)})
	r.mu.Unlock()
	return r.RW.Write(b)
}

func (r *Recorder) Read(b []byte) (int, error) {
	n, err := r.RW.Read(b)
	if n > 0 {
		r.mu.Lock()
		r.T.Entries = append(r.T.Entries, Entry{Data: append([]byte(nil), b[:n]...)})
		r.mu.Unlock()
	}
	return n, err
}

// ErrDiverged is a replayed client that wrote something else than the
// recorded one, or read past the transcript.
var ErrDiverged = errors.New("client diverged from the transcript")

// Replay is a pipe that plays the server's side of a transcript.
type Replay struct {
	mu   sync.Mutex
	t    *Transcript
	next int
	// Err is the first divergence.
	Err error
}

// NewReplay replays t.
func NewReplay(t *Transcript) *Replay { return &Replay{t: t} }

func (r *Replay) fail(format string, a ...any) error {
	if r.Err == nil {
		r.Err = fmt.Errorf("%w: %s", ErrDiverged, fmt.Sprintf(format, a...))
	}
	return r.Err
}

func (r *Replay) Write(b []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.next >= len(r.t.Entries) || !r.t.Entries[r.next].FromClient {
		return 0, r.fail("unexpected write of %d bytes at entry %d", len(b), r.next)
	}
	if want := r.t.Entries[r.next].Data; !bytes.Equal(b, want) {
		return 0, r.fail("entry %d: wrote\n%x\nrecorded\n%x", r.next, b, want)
	}
	r.next++
	return len(b), nil
}

func (r *Replay) Read(b []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.next >= len(r.t.Entries) {
		return 0, io.EOF
	}
	e := r.t.Entries[r.next]
	if e.FromClient {
		return 0, r.fail("read at entry %d, where the client wrote", r.next)
	}
	if len(b) < len(e.Data) {
		return 0, r.fail("entry %d: read buffer of %d bytes for %d recorded", r.next, len(b), len(e.Data))
	}
	r.next++
	return copy(b, e.Data), nil
}

// Done reports whether the whole transcript was played, and the first
// divergence.
func (r *Replay) Done() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.Err != nil {
		return r.Err
	}
	if r.next != len(r.t.Entries) {
		return fmt.Errorf("%w: %d of %d entries played", ErrDiverged, r.next, len(r.t.Entries))
	}
	return nil
}
