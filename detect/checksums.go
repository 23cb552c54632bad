package detect

import (
	"fmt"
	"strings"
)

// ChecksumMode says when FileCheck checksums are verified (--checksums).
type ChecksumMode uint8

const (
	// ChecksumAuto verifies a FileCheck's SHA256 only where the checksum
	// applies to the host: when the FileCheck's Language is empty (the
	// catalog says the file is language-neutral, e.g. a driver) or equals
	// the host's install language (decimal LCID). A host whose install
	// language can't be read only gets language-neutral checksums
	// verified. This is MBSA's behaviour and avoids its complaint of false
	// "invalid checksum" results on non-English hosts (see
	// docs/mbsa-semantics.md, "Checksums and language").
	ChecksumAuto ChecksumMode = iota
	// ChecksumOn verifies every FileCheck that has a SHA256 (MBSA's /sum).
	ChecksumOn
	// ChecksumOff never verifies checksums (MBSA's /nosum); files are judged
	// by version alone.
	ChecksumOff
)

// ParseChecksumMode parses a --checksums flag value: auto, on or off.
func ParseChecksumMode(s string) (ChecksumMode, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "auto", "":
		return ChecksumAuto, nil
	case "on":
		return ChecksumOn, nil
	case "off":
		return ChecksumOff, nil
	}
	return ChecksumAuto, fmt.Errorf("invalid checksum mode %q: use auto, on or off", clean(s))
}

func (m ChecksumMode) String() string {
	switch m {
	case ChecksumOn:
		return "on"
	case ChecksumOff:
		return "off"
	}
	return "auto"
}

// templateChecksum says whether any checksum on this path will be
// verified on this host.
func (s *scanner) templateChecksum(t int32) bool {
	for _, fc := range s.e.templates[t].shaChecks {
		if s.checksum(fc) {
			return true
		}
	}
	return false
}

// checksum says whether a FileCheck's checksum is verified on this host
// (see ChecksumMode).
func (s *scanner) checksum(fc *preparedFileCheck) bool {
	if fc.sha256 == "" {
		return false
	}
	switch s.e.opts.Checksums {
	case ChecksumOn:
		return true
	case ChecksumOff:
		return false
	}
	if fc.languageInvalid {
		return false
	}
	return fc.language == 0 || (s.lang != 0 && fc.language == s.lang)
}
