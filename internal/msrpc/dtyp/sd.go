package dtyp

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Security descriptor control bits ([MS-DTYP] 2.4.6).
const (
	SEDACLPresent  = 0x0004
	SESelfRelative = 0x8000
)

// ACE types ([MS-DTYP] 2.4.4.1) this package reads the SID of.
const (
	AccessAllowedACEType       = 0x00
	AccessDeniedACEType        = 0x01
	SystemAuditACEType         = 0x02
	AccessAllowedObjectACEType = 0x05
	AccessDeniedObjectACEType  = 0x06
)

// ACE flags.
const (
	InheritOnlyACE = 0x08
	InheritedACE   = 0x10
)

// ErrBadSecurityDescriptor is a security descriptor that does not parse.
var ErrBadSecurityDescriptor = errors.New("malformed security descriptor")

// SecurityDescriptor is a parsed self-relative SECURITY_DESCRIPTOR.
type SecurityDescriptor struct {
	Control      uint16
	Owner, Group *SID
	// DACL is nil when the descriptor has none (SE_DACL_PRESENT clear, or
	// a NULL DACL): Windows then grants every access to everyone. An
	// empty DACL grants nothing.
	DACL *ACL
}

// ACL is an access control list.
type ACL struct {
	Revision uint8
	ACEs     []ACE
}

// ACE is one access control entry. SID is set for the allowed, denied and
// audit types (plain and object); other types keep their type and mask.
type ACE struct {
	Type, Flags uint8
	Mask        uint32
	SID         SID
	HasSID      bool
}

// ParseSecurityDescriptor reads a self-relative SECURITY_DESCRIPTOR
// ([MS-DTYP] 2.4.6). The SACL is not read.
func ParseSecurityDescriptor(b []byte) (*SecurityDescriptor, error) {
	if len(b) < 20 {
		return nil, fmt.Errorf("%w: %d bytes", ErrBadSecurityDescriptor, len(b))
	}
	if b[0] != 1 {
		return nil, fmt.Errorf("%w: revision %d", ErrBadSecurityDescriptor, b[0])
	}
	sd := &SecurityDescriptor{Control: binary.LittleEndian.Uint16(b[2:])}
	if sd.Control&SESelfRelative == 0 {
		return nil, fmt.Errorf("%w: not self-relative", ErrBadSecurityDescriptor)
	}
	owner, group := binary.LittleEndian.Uint32(b[4:]), binary.LittleEndian.Uint32(b[8:])
	dacl := binary.LittleEndian.Uint32(b[16:])
	var err error
	if sd.Owner, err = sidAt(b, owner, "owner"); err != nil {
		return nil, err
	}
	if sd.Group, err = sidAt(b, group, "group"); err != nil {
		return nil, err
	}
	if sd.Control&SEDACLPresent != 0 && dacl != 0 {
		if int64(dacl) >= int64(len(b)) {
			return nil, fmt.Errorf("%w: DACL offset %d past %d bytes", ErrBadSecurityDescriptor, dacl, len(b))
		}
		if sd.DACL, err = parseACL(b[dacl:]); err != nil {
			return nil, err
		}
	}
	return sd, nil
}

func sidAt(b []byte, off uint32, what string) (*SID, error) {
	if off == 0 {
		return nil, nil
	}
	if int64(off) >= int64(len(b)) {
		return nil, fmt.Errorf("%w: %s offset %d past %d bytes", ErrBadSecurityDescriptor, what, off, len(b))
	}
	s, _, err := ParseSIDBinary(b[off:])
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrBadSecurityDescriptor, what, err)
	}
	return &s, nil
}

// parseACL reads an ACL ([MS-DTYP] 2.4.5) and its ACEs.
func parseACL(b []byte) (*ACL, error) {
	if len(b) < 8 {
		return nil, fmt.Errorf("%w: ACL header truncated", ErrBadSecurityDescriptor)
	}
	size := int(binary.LittleEndian.Uint16(b[2:]))
	count := int(binary.LittleEndian.Uint16(b[4:]))
	if size < 8 || size > len(b) {
		return nil, fmt.Errorf("%w: ACL of %d bytes in %d", ErrBadSecurityDescriptor, size, len(b))
	}
	// Every ACE takes at least its 4-byte header and a mask.
	if count > (size-8)/8 {
		return nil, fmt.Errorf("%w: %d ACEs cannot fit in an ACL of %d bytes", ErrBadSecurityDescriptor, count, size)
	}
	acl := &ACL{Revision: b[0], ACEs: make([]ACE, 0, count)}
	rest := b[8:size]
	for i := range count {
		if len(rest) < 8 {
			return nil, fmt.Errorf("%w: ACE %d truncated", ErrBadSecurityDescriptor, i)
		}
		aceSize := int(binary.LittleEndian.Uint16(rest[2:]))
		if aceSize < 8 || aceSize > len(rest) {
			return nil, fmt.Errorf("%w: ACE %d of %d bytes in %d", ErrBadSecurityDescriptor, i, aceSize, len(rest))
		}
		ace, err := parseACE(rest[:aceSize])
		if err != nil {
			return nil, fmt.Errorf("%w: ACE %d: %w", ErrBadSecurityDescriptor, i, err)
		}
		acl.ACEs = append(acl.ACEs, ace)
		rest = rest[aceSize:]
	}
	return acl, nil
}

func parseACE(b []byte) (ACE, error) {
	a := ACE{Type: b[0], Flags: b[1], Mask: binary.LittleEndian.Uint32(b[4:])}
	body := b[8:]
	switch a.Type {
	case AccessAllowedACEType, AccessDeniedACEType, SystemAuditACEType:
	case AccessAllowedObjectACEType, AccessDeniedObjectACEType:
		// Flags, then the GUIDs they announce.
		if len(body) < 4 {
			return a, errors.New("object ACE truncated")
		}
		flags := binary.LittleEndian.Uint32(body)
		body = body[4:]
		for _, bit := range []uint32{1, 2} {
			if flags&bit != 0 {
				if len(body) < 16 {
					return a, errors.New("object ACE GUID truncated")
				}
				body = body[16:]
			}
		}
	default:
		return a, nil
	}
	s, _, err := ParseSIDBinary(body)
	if err != nil {
		return a, err
	}
	a.SID, a.HasSID = s, true
	return a, nil
}
