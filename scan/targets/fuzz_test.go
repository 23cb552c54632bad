package targets

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParse feeds hostile hosts-file content through the reader, the
// parser, the counter and a bounded expansion: no panics, Count agrees
// with what All yields, and every yielded target parses again.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"host1\n10.0.0.1:445\n# c\n", "10.0.0.0/30", "10.0.0.1-3", "10.0.0.1-10.0.0.9",
		"[fe80::1]:445", "2001:db8::/126", "fe80::1%eth0", "10.0.0.1-256", "[", "a:b:c",
		"\xef\xbb\xbf10.0.0.0/31\r\n10.0.0.0/29",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		l := &List{DefaultPort: 445}
		if err := l.ReadHosts(strings.NewReader(in), "fuzz"); err != nil {
			if errors.Is(err, ErrUTF16) {
				return
			}
			if errors.Is(err, ErrBinary) {
				if strings.ContainsAny(err.Error(), "\x00\n") {
					t.Fatalf("binary-file error is not one clean line: %q", err)
				}
				return
			}
			t.Fatalf("ReadHosts: %v", err)
		}
		for _, b := range l.Bad {
			if strings.Contains(b.Error(), "\n") {
				t.Fatalf("multi-line error %q", b.Error())
			}
		}
		n := l.Count()
		if n > 4096 {
			return // too big to expand in a fuzz iteration
		}
		var got uint64
		for tg := range l.All() {
			got++
			if _, err := Parse(tg.String(), "re"); err != nil {
				t.Fatalf("target %q from %q does not parse again: %v", tg, tg.Input, err)
			}
		}
		if got != n {
			t.Fatalf("Count = %d but All yielded %d", n, got)
		}
	})
}
