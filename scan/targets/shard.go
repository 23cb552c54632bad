package targets

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"iter"
	"strconv"
	"strings"

	"github.com/patchscan/patchscan/internal/textsafe"
)

// MaxShards bounds N in --shard I/N.
const MaxShards = 4096

// Shard selects a deterministic 1/Count of the targets, so that Count
// scanners (cron on N machines, a Kubernetes Indexed Job with
// --shard $JOB_COMPLETION_INDEX/N) cover a fleet together, each target
// exactly once. A target belongs to shard SHA-256(its normalised form) mod
// Count: the same target lands in the same shard whatever the order or the
// form of the input ("WS01" and "ws01:445" alike, with 445 the default
// port) and whichever scanner expands the list. The zero Shard selects
// everything.
type Shard struct {
	Index, Count int
}

// ParseShard reads "I/N" with 0 <= I < N <= MaxShards.
func ParseShard(s string) (Shard, error) {
	i, n, ok := strings.Cut(strings.TrimSpace(s), "/")
	idx, err1 := strconv.Atoi(i)
	cnt, err2 := strconv.Atoi(n)
	switch {
	case !ok || err1 != nil || err2 != nil:
		return Shard{}, fmt.Errorf("--shard %q: want I/N, e.g. 0/4 for the first of 4 shards", textsafe.Line(s, maxQuoted))
	case cnt < 1 || cnt > MaxShards:
		return Shard{}, fmt.Errorf("--shard %q: N must be from 1 to %d", textsafe.Line(s, maxQuoted), MaxShards)
	case idx < 0 || idx >= cnt:
		return Shard{}, fmt.Errorf("--shard %q: I must be from 0 to %d (shards are numbered from 0, as $JOB_COMPLETION_INDEX is)", textsafe.Line(s, maxQuoted), cnt-1)
	}
	return Shard{Index: idx, Count: cnt}, nil
}

// String writes "I/N", or "" for the zero Shard.
func (s Shard) String() string {
	if s.Count <= 1 {
		return ""
	}
	return strconv.Itoa(s.Index) + "/" + strconv.Itoa(s.Count)
}

// Key is the normalised form of a target that decides its shard: its
// host, lower-cased, and its effective port (defPort when it has none).
// Addresses come from netip and names from Parse, both already canonical.
func Key(t Target, defPort int) string {
	return strings.ToLower(t.Addr(defPort))
}

// Owns reports whether the target belongs to this shard.
func (s Shard) Owns(t Target, defPort int) bool {
	if s.Count <= 1 {
		return true
	}
	sum := sha256.Sum256([]byte(Key(t, defPort)))
	return binary.BigEndian.Uint64(sum[:8])%uint64(s.Count) == uint64(s.Index)
}

// Filter yields the targets of seq this shard owns.
func (s Shard) Filter(seq iter.Seq[Target], defPort int) iter.Seq[Target] {
	if s.Count <= 1 {
		return seq
	}
	return func(yield func(Target) bool) {
		for t := range seq {
			if s.Owns(t, defPort) && !yield(t) {
				return
			}
		}
	}
}

// CountOf counts the targets of seq this shard owns.
func (s Shard) CountOf(seq iter.Seq[Target], defPort int) uint64 {
	var n uint64
	for range s.Filter(seq, defPort) {
		n++
	}
	return n
}
