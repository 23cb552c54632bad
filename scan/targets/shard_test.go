package targets

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestParseShard(t *testing.T) {
	for in, want := range map[string]string{"0/4": "0/4", " 3/4 ": "3/4", "0/1": "", "4095/4096": "4095/4096"} {
		s, err := ParseShard(in)
		if err != nil || s.String() != want {
			t.Errorf("ParseShard(%q) = %q, %v; want %q", in, s, err, want)
		}
	}
	for in, wantErr := range map[string]string{
		"4/4": "I must be from 0 to 3", "-1/4": "I must be from 0 to 3", "1/0": "N must be from 1", "0/5000": "N must be from 1 to 4096",
		"1": "want I/N", "a/b": "want I/N", "1/4/2": "want I/N", "": "want I/N", "0x1/4": "want I/N",
	} {
		if _, err := ParseShard(in); err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Errorf("ParseShard(%q): %v, want %q", in, err, wantErr)
		}
	}
}

// fleetList is a list of names, a /22 and a range, with duplicates and
// one name written twice with different case and an explicit default port.
func fleetList(t *testing.T, order []string) *List {
	l := &List{DefaultPort: 445}
	for _, e := range order {
		if err := l.Add(e, "test"); err != nil {
			t.Fatal(err)
		}
	}
	if len(l.Bad) > 0 {
		t.Fatal(l.Bad)
	}
	return l
}

// TestShardsPartitionTheTargets: N shards together cover every target
// exactly once, whatever the order and form of the input, in roughly equal
// parts.
func TestShardsPartitionTheTargets(t *testing.T) {
	entries := []string{"10.1.0.0/22", "10.2.0.1-10.2.0.200", "ws01.corp.example", "WS01.corp.example:445", "ws02.corp.example:4445", "[fd00::1]:445", "fd00::2"}
	for i := 0; i < 300; i++ {
		entries = append(entries, fmt.Sprintf("host%03d.corp.example", i))
	}
	want := map[string]bool{}
	for tg := range fleetList(t, entries).All() {
		want[Key(tg, 445)] = true
	}
	if len(want) != 1022+200+2+2+300 {
		t.Fatalf("%d distinct targets", len(want))
	}
	shuffled := append([]string(nil), entries...)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	for _, n := range []int{1, 2, 4, 7} {
		seen := map[string]int{}
		for i := 0; i < n; i++ {
			// Each scanner expands the list itself, in its own order.
			input := entries
			if i%2 == 1 {
				input = shuffled
			}
			l := fleetList(t, input)
			sh := Shard{Index: i, Count: n}
			got := 0
			for tg := range sh.Filter(l.All(), 445) {
				seen[Key(tg, 445)]++
				got++
			}
			if c := sh.CountOf(l.All(), 445); c != uint64(got) {
				t.Errorf("shard %s: CountOf %d, Filter %d", sh, c, got)
			}
			if n > 1 && (got < len(want)/n*8/10 || got > len(want)/n*12/10) {
				t.Errorf("shard %s has %d of %d targets: not about 1/%d", sh, got, len(want), n)
			}
		}
		for k := range want {
			if seen[k] != 1 {
				t.Errorf("%d shards: %s scanned %d times", n, k, seen[k])
			}
		}
		if len(seen) != len(want) {
			t.Errorf("%d shards: %d targets scanned, want %d", n, len(seen), len(want))
		}
	}
}

// TestShardIsStable pins the hash: a target's shard never changes from
// one release to the next (scanners of different versions share a fleet).
func TestShardIsStable(t *testing.T) {
	for host, want := range map[string]int{"10.1.0.1": 1, "ws01.corp.example": 2, "fd00::1": 2} {
		got := -1
		for i := 0; i < 4; i++ {
			if (Shard{Index: i, Count: 4}).Owns(Target{Host: host}, 445) {
				got = i
			}
		}
		if got != want {
			t.Errorf("%s is in shard %d of 4, want %d", host, got, want)
		}
	}
}
