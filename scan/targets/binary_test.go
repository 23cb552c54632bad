package targets

import (
	"bytes"
	"compress/gzip"
	"errors"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

// TestReadHostsBinary: a file that is not text is refused whole, with one
// error naming it (issue 13.9: the patchscan binary as --hosts-file gave
// 58,957 "bad target" lines and then DNS lookups of junk), while text
// with a few stray bytes is still read line by line.
func TestReadHostsBinary(t *testing.T) {
	self, err := os.Executable() // this test binary: a real ELF program
	if err != nil {
		t.Fatal(err)
	}
	elf, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write([]byte(strings.Repeat("10.0.0.1\n", 1000)))
	_ = zw.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	noNUL := make([]byte, 64<<10)
	for i := range noNUL {
		noNUL[i] = byte(rng.IntN(255) + 1) // every byte but NUL
	}
	textThenNUL := strings.Repeat("10.0.0.1 # a comment long enough to pass the sniffed head\n", 500) + "host\x00name\n"
	textThenJunk := strings.Repeat("10.0.0.2\n", 2000) + strings.Repeat("\xff\xfe\xfdjunk\n", 40)

	binary := map[string][]byte{
		"this test's ELF binary":          elf,
		"a gzip file":                     gz.Bytes(),
		"random bytes without a NUL":      noNUL,
		"text, then a NUL past the head":  []byte(textThenNUL),
		"text, then many non-UTF-8 lines": []byte(textThenJunk),
	}
	for name, data := range binary {
		l := &List{}
		err := l.ReadHosts(bytes.NewReader(data), "hosts.txt")
		if !errors.Is(err, ErrBinary) || !strings.HasPrefix(err.Error(), "hosts.txt: ") {
			t.Errorf("%s: ReadHosts = %v, want ErrBinary naming hosts.txt", name, err)
			continue
		}
		if strings.ContainsAny(err.Error(), "\x00\n") || len(err.Error()) > 200 {
			t.Errorf("%s: error is not one short line: %q", name, err)
		}
		if len(l.Bad) > 100 {
			t.Errorf("%s: %d bad entries recorded before the refusal", name, len(l.Bad))
		}
	}

	// Text in a legacy code page (Windows-1252 accents in comments) and a
	// stray bad byte stay text: each line is judged as a target.
	text := map[string]string{
		"cp1252 comments":       "# Büro M\xfcnchen\n10.0.0.1 # caf\xe9\n10.0.0.2\n",
		"one stray byte":        "10.0.0.1\nho\xffst\n10.0.0.3\n",
		"a few non-UTF-8 lines": strings.Repeat("10.0.0.4\n", 100) + strings.Repeat("# \xe9t\xe9\n", 10),
		"empty":                 "",
		"CRLF with a BOM":       "\xef\xbb\xbf10.0.0.5\r\n",
	}
	for name, data := range text {
		l := &List{}
		if err := l.ReadHosts(strings.NewReader(data), "hosts.txt"); err != nil {
			t.Errorf("%s: ReadHosts = %v, want it read as text", name, err)
		}
	}
}
