// Package dtyp holds the [MS-DTYP] data types the RPC interfaces share:
// SIDs (as RPC_SID in NDR and in their binary form), NTSTATUS codes, and
// self-relative security descriptors with their ACLs. Every decoder here
// sees data from the server and is bounded.
package dtyp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/patchscan/patchscan/internal/msrpc/ndr"
)

// MaxSubAuthorities is the most a SID can have ([MS-DTYP] 2.4.2).
const MaxSubAuthorities = 15

// SID is a security identifier.
type SID struct {
	Revision  uint8
	Authority [6]byte // big-endian identifier authority
	Sub       []uint32
}

// Well-known SIDs the interfaces meet.
var (
	BuiltinDomain  = MustParseSID("S-1-5-32")
	Administrators = MustParseSID("S-1-5-32-544")
	Everyone       = MustParseSID("S-1-1-0")
)

// ParseSID parses the S-1-5-21-... form.
func ParseSID(s string) (SID, error) {
	parts := strings.Split(s, "-")
	if len(parts) < 3 || parts[0] != "S" || len(parts)-3 > MaxSubAuthorities {
		return SID{}, fmt.Errorf("bad SID %q", s)
	}
	rev, err := strconv.ParseUint(parts[1], 10, 8)
	if err != nil {
		return SID{}, fmt.Errorf("bad SID %q: revision", s)
	}
	auth, err := strconv.ParseUint(parts[2], 10, 48)
	if err != nil {
		return SID{}, fmt.Errorf("bad SID %q: authority", s)
	}
	sid := SID{Revision: uint8(rev)}
	for i := range 6 {
		sid.Authority[5-i] = byte(auth >> (8 * i))
	}
	for _, p := range parts[3:] {
		v, err := strconv.ParseUint(p, 10, 32)
		if err != nil {
			return SID{}, fmt.Errorf("bad SID %q: sub-authority %q", s, p)
		}
		sid.Sub = append(sid.Sub, uint32(v))
	}
	return sid, nil
}

// MustParseSID is ParseSID for constants.
func MustParseSID(s string) SID {
	sid, err := ParseSID(s)
	if err != nil {
		panic(err)
	}
	return sid
}

// String is the S-R-I-S-S... form ([MS-DTYP] 2.4.2.1).
func (s SID) String() string {
	var auth uint64
	for _, b := range s.Authority {
		auth = auth<<8 | uint64(b)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "S-%d-%d", s.Revision, auth)
	for _, v := range s.Sub {
		b.WriteString("-" + strconv.FormatUint(uint64(v), 10))
	}
	return b.String()
}

// Equal reports whether s and o are the same SID.
func (s SID) Equal(o SID) bool {
	if s.Revision != o.Revision || s.Authority != o.Authority || len(s.Sub) != len(o.Sub) {
		return false
	}
	for i := range s.Sub {
		if s.Sub[i] != o.Sub[i] {
			return false
		}
	}
	return true
}

// Split returns the SID's domain (all but the last sub-authority) and its
// RID; ok is false for a SID without sub-authorities.
func (s SID) Split() (domain SID, rid uint32, ok bool) {
	if len(s.Sub) == 0 {
		return SID{}, 0, false
	}
	d := s
	d.Sub = append([]uint32(nil), s.Sub[:len(s.Sub)-1]...)
	return d, s.Sub[len(s.Sub)-1], true
}

// Child is the SID of rid in domain s.
func (s SID) Child(rid uint32) SID {
	c := s
	c.Sub = append(append([]uint32(nil), s.Sub...), rid)
	return c
}

// NDR codes an RPC_SID ([MS-DTYP] 2.4.2.3): a conformant structure, so the
// count of its SubAuthority array comes first.
func (s *SID) NDR(c *ndr.Coder) {
	c.Struct(4, func() {
		n := uint32(len(s.Sub))
		c.Uint32(&n)
		c.Uint8(&s.Revision)
		count := uint8(len(s.Sub))
		c.Uint8(&count)
		c.ByteArray(s.Authority[:])
		if c.Decoding() {
			if uint32(count) != n || n > MaxSubAuthorities {
				c.Failf("RPC_SID with %d sub-authorities and a conformance of %d (at most %d)", count, n, MaxSubAuthorities)
				return
			}
			s.Sub = make([]uint32, n)
		}
		for i := range s.Sub {
			c.Uint32(&s.Sub[i])
		}
	})
}

// SIDInformation is a structure of one [unique] PRPC_SID: the element of
// the SID arrays of MS-SAMR (SAMPR_SID_INFORMATION) and MS-LSAT
// (LSAPR_SID_INFORMATION), which bound their arrays each on their own.
type SIDInformation struct{ SID *SID }

// NDR codes the structure and, deferred, the SID.
func (s *SIDInformation) NDR(c *ndr.Coder) { c.Struct(4, func() { ndr.Unique(c, &s.SID) }) }

// ErrBadSID is a binary SID that does not parse.
var ErrBadSID = errors.New("malformed SID")

// ParseSIDBinary reads a SID in its binary form ([MS-DTYP] 2.4.2.2) at the
// start of b and returns it and its length.
func ParseSIDBinary(b []byte) (SID, int, error) {
	if len(b) < 8 {
		return SID{}, 0, fmt.Errorf("%w: %d bytes", ErrBadSID, len(b))
	}
	n := int(b[1])
	if n > MaxSubAuthorities || len(b) < 8+4*n {
		return SID{}, 0, fmt.Errorf("%w: %d sub-authorities in %d bytes", ErrBadSID, n, len(b))
	}
	s := SID{Revision: b[0], Sub: make([]uint32, n)}
	copy(s.Authority[:], b[2:8])
	for i := range s.Sub {
		s.Sub[i] = binary.LittleEndian.Uint32(b[8+4*i:])
	}
	return s, 8 + 4*n, nil
}

// Binary is the SID's binary form.
func (s SID) Binary() []byte {
	b := append([]byte{s.Revision, byte(len(s.Sub))}, s.Authority[:]...)
	for _, v := range s.Sub {
		b = binary.LittleEndian.AppendUint32(b, v)
	}
	return b
}
