package targets

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"iter"
	"math"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/patchscan/patchscan/internal/textsafe"
)

// MaxEntries bounds how many entries one List holds (arguments plus hosts
// file lines), so a runaway input fails clearly instead of eating memory.
const MaxEntries = 1 << 20

// ErrTooManyEntries is returned when a List would exceed MaxEntries.
var ErrTooManyEntries = fmt.Errorf("more than %d target entries", MaxEntries)

// ErrUTF16 is returned for hosts files saved as UTF-16.
var ErrUTF16 = errors.New("the file is UTF-16 (Notepad's \"Unicode\"): save it as UTF-8 or ANSI")

// ErrBinary is returned for a hosts file that is not text (a program, an
// archive, an image given by mistake): read line by line it would give
// thousands of "bad targets" and then name lookups of junk.
var ErrBinary = errors.New("not a text file (give a list of targets, one per line)")

// Binary detection: a NUL byte anywhere, or invalid UTF-8 in more than
// one byte in binaryInvalidShare of the first sniffLen bytes (at least
// binaryMinInvalid of them), or in the target part (before '#') of more
// than maxInvalidLines lines. A legacy-codepage file with accented
// comments stays text; a target is never valid outside UTF-8 anyway.
const (
	sniffLen           = 8192
	binaryInvalidShare = 8
	binaryMinInvalid   = 16
	maxInvalidLines    = 16
)

// List is an ordered collection of entries with the bad ones set aside.
//
// Dedupe: a host is scanned once per (host, effective port). Addresses are
// deduplicated through a set of merged address intervals, host names
// through a set of names, so dedupe memory grows with the number of
// entries, never with the number of addresses they expand to: a /16 costs
// one interval, not 65,536 map keys. A name and the address it resolves to
// are not merged (nothing here resolves names).
type List struct {
	// DefaultPort is the transport's default port, so "host" and
	// "host:445" count as one target when it is 445.
	DefaultPort int

	entries []Entry
	// Bad holds every rejected entry, in input order.
	Bad []*EntryError
}

// Add parses one entry and appends it, or records it in Bad and returns
// the error. Only ErrTooManyEntries is not recorded in Bad: it ends input.
func (l *List) Add(s, source string) error {
	if len(l.entries) >= MaxEntries {
		return ErrTooManyEntries
	}
	e, err := Parse(s, source)
	if err != nil {
		var ee *EntryError
		if errors.As(err, &ee) {
			l.Bad = append(l.Bad, ee)
		}
		return err
	}
	l.entries = append(l.entries, e)
	return nil
}

// AddEntry appends an already built entry (e.g. a computer found in AD).
func (l *List) AddEntry(e Entry) error {
	if len(l.entries) >= MaxEntries {
		return ErrTooManyEntries
	}
	l.entries = append(l.entries, e)
	return nil
}

// Entries returns the good entries in input order.
func (l *List) Entries() []Entry { return l.entries }

// ReadHosts reads a hosts file: one target per line, '#' starts a comment,
// blank lines are skipped, a UTF-8 BOM and CRLF line ends are accepted.
// Bad lines go to Bad as "name:line"; the returned error is only for I/O
// failures and ErrTooManyEntries.
func (l *List) ReadHosts(r io.Reader, name string) error {
	br := bufio.NewReaderSize(r, sniffLen)
	// Notepad's "Unicode" is UTF-16; read as bytes every line would be a
	// bad target, so say what the file is instead.
	if b, _ := br.Peek(2); len(b) == 2 && (b[0] == 0xff && b[1] == 0xfe || b[0] == 0xfe && b[1] == 0xff) {
		return fmt.Errorf("%s: %w", name, ErrUTF16)
	}
	if head, _ := br.Peek(sniffLen); len(head) > 0 {
		if err := sniffBinary(head); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	invalidLines := 0
	for lineNo := 1; ; lineNo++ {
		line, tooLong, err := readLine(br)
		if err != nil && err != io.EOF {
			return fmt.Errorf("reading %s at line %d: %w", name, lineNo, err)
		}
		// Past the sniffed head: a NUL, or a run of lines that are not
		// UTF-8, still means the file is not a list of targets.
		if bytes.IndexByte(line, 0) >= 0 {
			return fmt.Errorf("%s: %w: a NUL byte on line %d", name, ErrBinary, lineNo)
		}
		if target, _, _ := bytes.Cut(line, []byte("#")); !utf8.Valid(target) {
			invalidLines++
			if invalidLines > maxInvalidLines {
				return fmt.Errorf("%s: %w: %d lines up to line %d are not UTF-8", name, ErrBinary, invalidLines, lineNo)
			}
		}
		if lineNo == 1 {
			line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
		}
		src := name + ":" + strconv.Itoa(lineNo)
		switch {
		case tooLong:
			l.Bad = append(l.Bad, &EntryError{Source: src, Entry: textsafe.Line(string(line), maxQuoted), Err: ErrTooLong})
		default:
			if i := bytes.IndexByte(line, '#'); i >= 0 {
				line = line[:i]
			}
			s := strings.TrimSpace(string(line))
			if s == "" {
				break
			}
			if strings.ContainsAny(s, " \t") {
				l.Bad = append(l.Bad, &EntryError{Source: src, Entry: textsafe.Line(s, maxQuoted), Err: errors.New("one target per line (found spaces)")})
				break
			}
			if aerr := l.Add(s, src); errors.Is(aerr, ErrTooManyEntries) {
				return fmt.Errorf("%s: %w", src, aerr)
			}
		}
		if err == io.EOF {
			return nil
		}
	}
}

// sniffBinary says why head, the start of a hosts file, is not text.
func sniffBinary(head []byte) error {
	if i := bytes.IndexByte(head, 0); i >= 0 {
		return fmt.Errorf("%w: a NUL byte at offset %d", ErrBinary, i)
	}
	invalid := 0
	for i := 0; i < len(head); {
		r, n := utf8.DecodeRune(head[i:])
		if r == utf8.RuneError && n == 1 && len(head)-i >= utf8.UTFMax {
			invalid++ // a rune cut by the end of head is not counted
		}
		i += n
	}
	if invalid >= binaryMinInvalid && invalid*binaryInvalidShare > len(head) {
		return fmt.Errorf("%w: %d of its first %d bytes are not UTF-8", ErrBinary, invalid, len(head))
	}
	return nil
}

// readLine returns one line without its end; a line longer than the
// buffer is consumed and reported as tooLong (with its start) rather than
// grown without bound.
func readLine(br *bufio.Reader) (line []byte, tooLong bool, err error) {
	b, err := br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		line = append([]byte(nil), b[:64]...)
		for err == bufio.ErrBufferFull {
			_, err = br.ReadSlice('\n')
		}
		return line, true, err
	}
	b = bytes.TrimRight(b, "\r\n")
	if len(b) > MaxEntryLen {
		return b[:64], true, err
	}
	return b, false, err
}

// Count is the number of distinct hosts the list expands to, computed from
// the entries without expanding them; it saturates at math.MaxUint64 (an
// IPv6 /64 is 2^64 hosts). Check it against --max-hosts before calling All.
func (l *List) Count() uint64 {
	var d deduper
	var n uint64
	for _, e := range l.entries {
		if e.Kind == KindHost {
			if d.newName(e, l.DefaultPort) {
				n = satAdd(n, 1)
			}
			continue
		}
		for _, s := range d.newSpans(e, l.DefaultPort) {
			n = satAdd(n, s.size())
		}
	}
	return n
}

// All yields each distinct target once, in input order, lazily.
func (l *List) All() iter.Seq[Target] {
	return func(yield func(Target) bool) {
		var d deduper
		for _, e := range l.entries {
			t := Target{Input: e.Raw, Source: e.Source, Port: e.Port, Domain: e.Domain}
			if e.Kind == KindHost {
				if d.newName(e, l.DefaultPort) {
					t.Host = e.Host
					if !yield(t) {
						return
					}
				}
				continue
			}
			for _, s := range d.newSpans(e, l.DefaultPort) {
				for a := s.lo; ; a = a.Next() {
					t.Host = a.String()
					if !yield(t) {
						return
					}
					if a == s.hi {
						break
					}
				}
			}
		}
	}
}

func satAdd(a, b uint64) uint64 {
	if a > math.MaxUint64-b {
		return math.MaxUint64
	}
	return a + b
}

// span is an inclusive address interval.
type span struct{ lo, hi netip.Addr }

// size is hi-lo+1, saturating.
func (s span) size() uint64 {
	l, h := s.lo.As16(), s.hi.As16()
	var diff [16]byte
	borrow := 0
	for i := 15; i >= 0; i-- {
		v := int(h[i]) - int(l[i]) - borrow
		borrow = 0
		if v < 0 {
			v += 256
			borrow = 1
		}
		diff[i] = byte(v)
	}
	for i := 0; i < 8; i++ {
		if diff[i] != 0 {
			return math.MaxUint64
		}
	}
	var n uint64
	for i := 8; i < 16; i++ {
		n = n<<8 | uint64(diff[i])
	}
	return satAdd(n, 1)
}

type nameKey struct {
	name string
	port int
}

// deduper remembers what was already yielded: names, and per port a
// sorted list of disjoint, non-adjacent address intervals.
type deduper struct {
	names map[nameKey]struct{}
	spans map[int][]span
}

func effPort(p, def int) int {
	if p == 0 {
		return def
	}
	return p
}

func (d *deduper) newName(e Entry, def int) bool {
	if d.names == nil {
		d.names = map[nameKey]struct{}{}
	}
	k := nameKey{e.Host, effPort(e.Port, def)}
	if _, ok := d.names[k]; ok {
		return false
	}
	d.names[k] = struct{}{}
	return true
}

// newSpans returns the parts of e's interval not seen before, in order,
// and records the interval as seen.
func (d *deduper) newSpans(e Entry, def int) []span {
	if d.spans == nil {
		d.spans = map[int][]span{}
	}
	p := effPort(e.Port, def)
	set := d.spans[p]
	in := span{e.First, e.Last}
	// First interval that ends at or after in.lo.
	i, _ := slices.BinarySearchFunc(set, in.lo, func(s span, a netip.Addr) int { return s.hi.Compare(a) })
	var fresh []span
	cur := in.lo
	done := false
	for j := i; j < len(set) && !done; j++ {
		s := set[j]
		if in.hi.Less(s.lo) {
			break
		}
		if cur.Less(s.lo) {
			fresh = append(fresh, span{cur, s.lo.Prev()})
		}
		if !s.hi.Less(in.hi) {
			done = true
			break
		}
		cur = s.hi.Next()
	}
	if !done {
		fresh = append(fresh, span{cur, in.hi})
	}
	d.spans[p] = insertSpan(set, in)
	return fresh
}

// insertSpan adds in to a sorted disjoint set, merging overlapping and
// adjacent intervals.
func insertSpan(set []span, in span) []span {
	lo := in.lo
	if p := lo.Prev(); p.IsValid() && p.BitLen() == lo.BitLen() {
		lo = p
	}
	hi := in.hi
	if n := hi.Next(); n.IsValid() {
		hi = n
	}
	// Intervals touching [lo, hi] (widened by one for adjacency) merge.
	i, _ := slices.BinarySearchFunc(set, lo, func(s span, a netip.Addr) int { return s.hi.Compare(a) })
	j := i
	merged := in
	for j < len(set) && !hi.Less(set[j].lo) {
		if set[j].lo.Less(merged.lo) {
			merged.lo = set[j].lo
		}
		if merged.hi.Less(set[j].hi) {
			merged.hi = set[j].hi
		}
		j++
	}
	return slices.Replace(set, i, j, merged)
}
