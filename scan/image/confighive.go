package image

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/patchscan/patchscan/facts"
	"github.com/patchscan/patchscan/internal/msrpc/dtyp"
)

// Parsers of the hive values the configuration facts come from offline
// (issue 16). Their input is outside data: every offset and length is
// checked, and a value that does not add up is an error, never a guess.
//
//	SAM\Domains\Account\Users\<RID> F   a user's flags (ACB, = MS-SAMR's low 16 bits) at 0x38
//	SAM\Domains\Account\Users\<RID> V   its name and full name
//	SAM\Domains\Account V               the machine's SID, at its end
//	SAM\Domains\Builtin\Aliases\<RID> C an alias's member SIDs
//	SECURITY\Policy\PolAdtEv            the audit policy
//	SYSTEM\...\LanmanServer\Shares      a share: "Path=...", "Type=0" lines

// errShort is a value too short for its structure.
var errShort = errors.New("value too short for its structure")

// userFlags reads the ACB flags of a user's F value.
func userFlags(f []byte) (facts.AccountFlags, error) {
	if len(f) < 0x3A {
		return 0, fmt.Errorf("user F value of %d bytes: %w", len(f), errShort)
	}
	return facts.AccountFlags(binary.LittleEndian.Uint16(f[0x38:])), nil
}

// vBase is where the data of a user's V value starts; its header holds
// (offset, length, reserved) triples relative to it.
const vBase = 0xCC

// userNames reads a user's name and full name from its V value.
func userNames(v []byte) (name, full string, err error) {
	if name, err = vString(v, 0x0C); err != nil {
		return "", "", fmt.Errorf("user name: %w", err)
	}
	if full, err = vString(v, 0x18); err != nil {
		return "", "", fmt.Errorf("user full name: %w", err)
	}
	return name, full, nil
}

// vString reads the UTF-16 string whose offset and length are at hdr.
func vString(v []byte, hdr int) (string, error) {
	if len(v) < vBase {
		return "", errShort
	}
	off := uint64(binary.LittleEndian.Uint32(v[hdr:])) + vBase
	n := uint64(binary.LittleEndian.Uint32(v[hdr+4:]))
	if n%2 != 0 || off+n > uint64(len(v)) {
		return "", fmt.Errorf("string at %d+%d past the value's %d bytes", off, n, len(v))
	}
	return utf16String(v[off : off+n]), nil
}

func utf16String(b []byte) string {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u))
}

// machineSID reads the account domain's SID from the end of its V value
// (S-1-5-21 and three sub-authorities: 24 bytes).
func machineSID(v []byte) (dtyp.SID, error) {
	if len(v) < 24 {
		return dtyp.SID{}, errShort
	}
	sid, n, err := dtyp.ParseSIDBinary(v[len(v)-24:])
	if err != nil || n != 24 || !strings.HasPrefix(sid.String(), "S-1-5-21-") {
		return dtyp.SID{}, fmt.Errorf("no machine SID (S-1-5-21-...) at the end of the account domain's V value")
	}
	return sid, nil
}

// aliasCBase is where the data of an alias's C value starts.
const aliasCBase = 0x34

// aliasMembers reads the member SIDs of an alias's C value: their offset
// (0x28), length (0x2C) and count (0x30) are in its header.
func aliasMembers(c []byte) ([]dtyp.SID, error) {
	if len(c) < aliasCBase {
		return nil, fmt.Errorf("alias C value of %d bytes: %w", len(c), errShort)
	}
	off := uint64(binary.LittleEndian.Uint32(c[0x28:])) + aliasCBase
	size := uint64(binary.LittleEndian.Uint32(c[0x2C:]))
	count := binary.LittleEndian.Uint32(c[0x30:])
	if off+size > uint64(len(c)) || uint64(count)*8 > size {
		return nil, fmt.Errorf("alias members (%d in %d bytes at %d) past the value's %d bytes", count, size, off, len(c))
	}
	b := c[off : off+size]
	sids := make([]dtyp.SID, 0, count)
	for range count {
		sid, n, err := dtyp.ParseSIDBinary(b)
		if err != nil {
			return nil, fmt.Errorf("alias member %d: %w", len(sids)+1, err)
		}
		sids = append(sids, sid)
		b = b[n:]
	}
	return sids, nil
}

// auditPolicy reads PolAdtEv. Two layouts exist:
//
//   - Windows XP / Server 2003: the auditing mode in byte 0, then one
//     32-bit option word per category (1 success, 2 failure) and their
//     count, 9: 44 bytes.
//   - Windows Vista and later: a 12-byte header (the number of categories
//     at 4, the offset of a table of per-category subcategory counts at
//     8), then one 16-bit option word per subcategory, category after
//     category. A category audits successes (failures) when any of its
//     subcategories does, as the category-level policy MS-LSAD reports.
func auditPolicy(b []byte) (facts.AuditPolicy, error) {
	if len(b) == 44 && binary.LittleEndian.Uint32(b[40:]) == 9 {
		p := facts.AuditPolicy{Enabled: b[0] != 0}
		for i, name := range facts.AuditCategories {
			o := binary.LittleEndian.Uint32(b[4+4*i:])
			p.Categories = append(p.Categories, facts.AuditSetting{Category: name, Success: o&1 != 0, Failure: o&2 != 0})
		}
		return p, nil
	}
	if len(b) < 12 {
		return facts.AuditPolicy{}, fmt.Errorf("PolAdtEv of %d bytes: %w", len(b), errShort)
	}
	ncat := int(binary.LittleEndian.Uint16(b[4:]))
	table := int(binary.LittleEndian.Uint16(b[8:]))
	if ncat == 0 || ncat > 64 || table < 12 || table+2*ncat > len(b) {
		return facts.AuditPolicy{}, fmt.Errorf("PolAdtEv: %d categories with their counts at %d do not fit its %d bytes", ncat, table, len(b))
	}
	p := facts.AuditPolicy{Enabled: true}
	at := 12
	for i := range ncat {
		n := int(binary.LittleEndian.Uint16(b[table+2*i:]))
		if at+2*n > table {
			return facts.AuditPolicy{}, fmt.Errorf("PolAdtEv: category %d's %d subcategories run past the count table", i, n)
		}
		var set facts.AuditSetting
		for j := range n {
			o := binary.LittleEndian.Uint16(b[at+2*j:])
			set.Success = set.Success || o&1 != 0
			set.Failure = set.Failure || o&2 != 0
		}
		at += 2 * n
		if i < len(facts.AuditCategories) {
			set.Category = facts.AuditCategories[i]
			p.Categories = append(p.Categories, set)
		}
	}
	return p, nil
}

// shareFromLines reads a share's REG_MULTI_SZ under LanmanServer\Shares:
// "Path=C:\Data", "Remark=...", "Type=0" (and MaxUses, Permissions,
// CSCFlags, which the checks do not need).
func shareFromLines(name string, lines []string) (facts.Share, error) {
	s := facts.Share{Name: name, Type: facts.ShareDisk}
	for _, l := range lines {
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			continue
		}
		switch strings.ToLower(k) {
		case "path":
			s.Path = v
		case "remark":
			s.Remark = v
		case "type":
			t, err := strconv.ParseUint(v, 10, 32)
			if err != nil {
				return s, fmt.Errorf("share %s: Type %q is not a number", name, v)
			}
			s.Type, s.Special = facts.ShareTypeOf(uint32(t))
		}
	}
	return s, nil
}
