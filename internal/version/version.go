// Package version parses and compares dotted Windows version strings
// ("6.1.7601.23689"). Missing trailing parts compare as 0, so "6.1" equals
// "6.1.0.0". It is shared by the catalog (validation) and the engine
// (comparison) so both agree on what a valid version is.
package version

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/patchscan/patchscan/internal/textsafe"
)

// MaxParts bounds how many dotted parts a version may have; Windows file
// versions have four, a few product versions fewer. More is hostile input.
const MaxParts = 8

// Version is a parsed dotted version. The zero value is "0".
type Version struct {
	parts [MaxParts]uint64
	n     int
}

// Parse parses a dotted numeric version: 1 to MaxParts decimal parts, each
// fitting in 64 bits. Surrounding spaces are trimmed; nothing else is tolerated.
func Parse(s string) (Version, error) {
	var v Version
	t := strings.TrimSpace(s)
	if t == "" {
		return v, fmt.Errorf("empty version")
	}
	for _, p := range strings.Split(t, ".") {
		if v.n == MaxParts {
			return Version{}, fmt.Errorf("version %q has more than %d parts", textsafe.Line(s, maxQuoted), MaxParts)
		}
		if p == "" {
			return Version{}, fmt.Errorf("version %q has an empty part", textsafe.Line(s, maxQuoted))
		}
		for _, c := range p {
			if c < '0' || c > '9' {
				return Version{}, fmt.Errorf("version %q: part %q is not a decimal number", textsafe.Line(s, maxQuoted), textsafe.Line(p, maxQuoted))
			}
		}
		x, err := strconv.ParseUint(p, 10, 64)
		if err != nil {
			return Version{}, fmt.Errorf("version %q: part %q is out of range", textsafe.Line(s, maxQuoted), textsafe.Line(p, maxQuoted))
		}
		v.parts[v.n] = x
		v.n++
	}
	return v, nil
}

// MustParse is Parse for constants in tests and tables; it panics on error.
func MustParse(s string) Version {
	v, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return v
}

// FromParts builds a version from numeric parts (e.g. VS_FIXEDFILEINFO's
// four 16-bit fields).
func FromParts(p ...uint64) Version {
	var v Version
	for i, x := range p {
		if i == MaxParts {
			break
		}
		v.parts[i] = x
		v.n++
	}
	return v
}

// Compare returns -1, 0 or +1. Missing parts are 0.
func (v Version) Compare(w Version) int {
	for i := 0; i < MaxParts; i++ {
		switch {
		case v.parts[i] < w.parts[i]:
			return -1
		case v.parts[i] > w.parts[i]:
			return 1
		}
	}
	return 0
}

// String renders the version with the parts it was given (at least one).
func (v Version) String() string {
	n := v.n
	if n == 0 {
		n = 1
	}
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(strconv.FormatUint(v.parts[i], 10))
	}
	return b.String()
}

// Len is the number of parts the version was given (0 for the zero value,
// which callers use as "no version").
func (v Version) Len() int { return v.n }

// Part returns part i (0-based); parts past Len are 0, as in Compare.
func (v Version) Part(i int) uint64 {
	if i < 0 || i >= MaxParts {
		return 0
	}
	return v.parts[i]
}

// maxQuoted bounds, in runes, the text a parse error quotes.
const maxQuoted = 40
