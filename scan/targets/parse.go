// Package targets parses scan targets — host names, IPv4/IPv6 addresses,
// CIDR blocks and address ranges, each with an optional port — from the
// command line and from hosts files, and expands them lazily.
//
// Nothing here resolves names or touches the network. Expansion is an
// iterator: a /16 is never materialised as 65,536 values, and the host count
// that --max-hosts is checked against is computed from the entries alone
// (see List.Count), so a /8 is refused without allocating anything.
package targets

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/patchscan/patchscan/internal/textsafe"
)

// MaxEntryLen bounds one target entry (a line of a hosts file). A DNS name
// is at most 253 bytes; anything much longer is not a target.
const MaxEntryLen = 1024

// Kind says which form an Entry was written in.
type Kind uint8

const (
	KindHost  Kind = iota + 1 // a DNS or NetBIOS name
	KindAddr                  // one IP address
	KindCIDR                  // a prefix, e.g. 10.1.0.0/22
	KindRange                 // first-last, e.g. 10.0.0.1-10.0.0.50 or 10.0.0.1-50
)

func (k Kind) String() string {
	switch k {
	case KindHost:
		return "host"
	case KindAddr:
		return "address"
	case KindCIDR:
		return "cidr"
	case KindRange:
		return "range"
	}
	return "unknown"
}

// Entry is one parsed target entry. It stands for one or more hosts.
type Entry struct {
	Raw    string // the entry as written, trimmed
	Source string // where it came from: "hosts.txt:12" or "argument 3"
	Kind   Kind
	Host   string // KindHost: the name, lower-cased, without a trailing dot
	// First and Last bound the addresses of KindAddr, KindCIDR and
	// KindRange, inclusive. For IPv4 CIDRs larger than /31 they already
	// exclude the network and broadcast addresses.
	First, Last netip.Addr
	Port        int // 0: the transport's default port
	// Domain is the AD domain the entry was enumerated from, if any.
	Domain string
}

// Target is one host to scan.
type Target struct {
	Input  string // the entry it came from, as written ("10.0.0.0/24")
	Source string // where that entry came from ("hosts.txt:3")
	Host   string // a host name or an IP address (IPv6 without brackets)
	Port   int    // 0: the transport's default port
	// Domain is the AD domain the target was enumerated from, if any.
	Domain string
}

// String is the target as a report names it: host, host:port or [v6]:port.
func (t Target) String() string {
	if t.Port == 0 {
		return t.Host
	}
	return joinHostPort(t.Host, t.Port)
}

// Addr returns the host and port to dial, using def when the target has
// no port of its own.
func (t Target) Addr(def int) string {
	p := t.Port
	if p == 0 {
		p = def
	}
	return joinHostPort(t.Host, p)
}

func joinHostPort(h string, p int) string {
	if strings.Contains(h, ":") {
		return "[" + h + "]:" + strconv.Itoa(p)
	}
	return h + ":" + strconv.Itoa(p)
}

// EntryError is a bad entry, with where it was found.
type EntryError struct {
	Source string // "hosts.txt:12", "argument 2"
	Entry  string // the offending text, truncated for display
	Err    error
}

func (e *EntryError) Error() string {
	return fmt.Sprintf("%s: bad target %q: %v", e.Source, e.Entry, e.Err)
}

func (e *EntryError) Unwrap() error { return e.Err }

// Errors reported by Parse, for errors.Is.
var (
	ErrEmpty     = errors.New("empty target")
	ErrTooLong   = fmt.Errorf("longer than %d bytes", MaxEntryLen)
	ErrPort      = errors.New("port must be a number from 1 to 65535")
	ErrAddress   = errors.New("not a valid IP address")
	ErrCIDR      = errors.New("not a valid CIDR block (want e.g. 10.1.0.0/22)")
	ErrRange     = errors.New("not a valid address range (want 10.0.0.1-10.0.0.50 or 10.0.0.1-50)")
	ErrRangeDesc = errors.New("range ends before it starts")
	ErrHostname  = errors.New("not a valid host name (letters, digits, '-', '_' and '.', labels up to 63 bytes, 253 in all)")
)

// Parse parses one entry. source says where it came from, for messages.
func Parse(s, source string) (Entry, error) {
	raw := strings.TrimSpace(s)
	e := Entry{Raw: raw, Source: source}
	fail := func(err error) (Entry, error) {
		return Entry{}, &EntryError{Source: source, Entry: textsafe.Line(raw, maxQuoted), Err: err}
	}
	if raw == "" {
		return fail(ErrEmpty)
	}
	if len(raw) > MaxEntryLen {
		return fail(ErrTooLong)
	}
	body, port, err := splitPort(raw)
	if err != nil {
		return fail(err)
	}
	e.Port = port
	if err := e.parseBody(body); err != nil {
		return fail(err)
	}
	return e, nil
}

// splitPort separates an optional port. "[v6...]:port" and "[v6...]" carry
// IPv6 forms; an unbracketed entry with more than one colon is IPv6 without a
// port (so "::1:445" is the address ::1:445, as RFC 5952 says to bracket).
func splitPort(s string) (body string, port int, err error) {
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return "", 0, errors.New("missing ']' after a bracketed IPv6 address")
		}
		body, rest := s[1:end], s[end+1:]
		if body == "" {
			return "", 0, ErrEmpty
		}
		if !strings.Contains(body, ":") {
			return "", 0, errors.New("brackets are only for IPv6 addresses")
		}
		if rest == "" {
			return body, 0, nil
		}
		if !strings.HasPrefix(rest, ":") {
			return "", 0, fmt.Errorf("unexpected %q after ']'", textsafe.Line(rest, maxQuoted))
		}
		p, err := parsePort(rest[1:])
		return body, p, err
	}
	switch strings.Count(s, ":") {
	case 0:
		return s, 0, nil
	case 1:
		i := strings.IndexByte(s, ':')
		p, err := parsePort(s[i+1:])
		return s[:i], p, err
	}
	return s, 0, nil
}

func parsePort(s string) (int, error) {
	if s == "" || len(s) > 5 {
		return 0, ErrPort
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, ErrPort
		}
	}
	p, _ := strconv.Atoi(s)
	if p < 1 || p > 65535 {
		return 0, ErrPort
	}
	return p, nil
}

func (e *Entry) parseBody(s string) error {
	if s == "" {
		return ErrEmpty
	}
	if strings.ContainsRune(s, '/') {
		return e.parseCIDR(s)
	}
	if a, b, ok := strings.Cut(s, "-"); ok {
		if first, err := netip.ParseAddr(a); err == nil {
			return e.parseRange(first, b)
		} else if looksNumeric(a) {
			return ErrRange
		}
	}
	if looksNumeric(s) || strings.Contains(s, ":") {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return ErrAddress
		}
		if a.Zone() != "" {
			// A zoned link-local address names one interface's
			// neighbour; it can't be a range bound, so keep it
			// as a name-like single target.
			e.Kind, e.Host = KindHost, a.String()
			return nil
		}
		e.Kind, e.First, e.Last = KindAddr, a.Unmap(), a.Unmap()
		return nil
	}
	h, err := parseHostname(s)
	if err != nil {
		return err
	}
	e.Kind, e.Host = KindHost, h
	return nil
}

// looksNumeric reports whether s is made of digits and dots only: such an
// entry is meant as an IPv4 address, never as a host name ("10.0.0.300"
// must be an error, not a DNS lookup).
func looksNumeric(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && c != '.' {
			return false
		}
	}
	return true
}

func (e *Entry) parseCIDR(s string) error {
	p, err := netip.ParsePrefix(s)
	if err != nil || p.Addr().Zone() != "" {
		return ErrCIDR
	}
	if p.Addr().Is4In6() {
		return fmt.Errorf("%w: write IPv4-mapped blocks in IPv4 form", ErrCIDR)
	}
	p = p.Masked()
	first := p.Addr()
	last := lastOf(p)
	if first.Is4() && p.Bits() < 31 {
		// Network and broadcast addresses are not hosts.
		first, last = first.Next(), last.Prev()
	}
	e.Kind, e.First, e.Last = KindCIDR, first, last
	return nil
}

// lastOf is the highest address of a prefix.
func lastOf(p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	bits := p.Bits()
	for i := range b {
		for j := 0; j < 8; j++ {
			if i*8+j >= bits {
				b[i] |= 0x80 >> j
			}
		}
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

func (e *Entry) parseRange(first netip.Addr, end string) error {
	if first.Zone() != "" {
		return ErrRange
	}
	first = first.Unmap()
	var last netip.Addr
	if first.Is4() && end != "" && len(end) <= 3 && looksNumeric(end) && !strings.Contains(end, ".") {
		n, _ := strconv.Atoi(end)
		if n > 255 {
			return fmt.Errorf("%w: last octet %d is above 255", ErrRange, n)
		}
		b := first.As4()
		b[3] = byte(n)
		last = netip.AddrFrom4(b)
	} else {
		a, err := netip.ParseAddr(end)
		if err != nil || a.Zone() != "" {
			return ErrRange
		}
		last = a.Unmap()
	}
	if first.Is4() != last.Is4() {
		return fmt.Errorf("%w: mixes IPv4 and IPv6", ErrRange)
	}
	if last.Less(first) {
		return ErrRangeDesc
	}
	e.Kind, e.First, e.Last = KindRange, first, last
	return nil
}

// parseHostname accepts DNS names and NetBIOS-style names ('_' is common in
// Windows networks), case-folded, without a trailing dot.
func parseHostname(s string) (string, error) {
	s = strings.TrimSuffix(s, ".")
	if s == "" || len(s) > 253 {
		return "", ErrHostname
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return "", ErrHostname
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return "", ErrHostname
			}
		}
	}
	return strings.ToLower(s), nil
}

// maxQuoted bounds, in runes, the input an error quotes: one readable
// line, whatever the input held.
const maxQuoted = 80
