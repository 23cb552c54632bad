package catalog

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"
)

// TestInputColumns: at every '<' (where the loader takes an element's
// position), the byte column minus input.cont is the column utf8.RuneCount
// gives, for valid and invalid UTF-8 alike, and reading the '<' itself (the
// decoder's one byte of look-ahead) does not change it.
func TestInputColumns(t *testing.T) {
	pieces := []string{"a", " ", "<", "\n", "\r", "é", "€", "😀", "\xe2\x82", "\xf0\x9f", "\x80", "\xff", "\xc0\xaf", "\xed\xa0\x80", "\xe0\x80\x80", "\xf4\x90\x80\x80"}
	rng := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 300; round++ {
		var b strings.Builder
		for n := rng.IntN(200); n > 0; n-- {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		data := []byte(b.String())
		in := newInput(iotest.OneByteReader(bytes.NewReader(data)), 1<<20)
		lineStart := 0
		for i, c := range data {
			if c == '<' {
				want := utf8.RuneCount(data[lineStart:i])
				if got := i - lineStart - in.cont; got != want {
					t.Fatalf("%q offset %d: column %d, want %d", data, i, got+1, want+1)
				}
			}
			if _, err := in.ReadByte(); err != nil {
				t.Fatal(err)
			}
			if c == '<' && i-lineStart-in.cont != utf8.RuneCount(data[lineStart:i]) {
				t.Fatalf("%q offset %d: reading '<' moved the column", data, i)
			}
			if c == '\n' {
				lineStart = i + 1
			}
		}
		if _, err := in.ReadByte(); err != io.EOF {
			t.Fatalf("after the end: %v", err)
		}
	}
}

// TestInputLimits: exactly maxBytes is fine, one more byte is not; tags are
// counted past the tag limit once drained; a read error is kept.
func TestInputLimits(t *testing.T) {
	readAll := func(in *input) error {
		for {
			if _, err := in.ReadByte(); err != nil {
				return err
			}
		}
	}
	if err := readAll(newInput(strings.NewReader("<a/>"), 4)); err != io.EOF {
		t.Errorf("at the limit: %v", err)
	}
	in := newInput(strings.NewReader("<a/> "), 4)
	if err := readAll(in); !errors.Is(err, errTooLarge) || !errors.Is(in.streamError(), errTooLarge) {
		t.Errorf("over the limit: %v", err)
	}

	many := strings.Repeat("<", maxTags+70000)
	in = newInput(strings.NewReader(many), 64<<20)
	if err := readAll(in); !errors.Is(err, errTooManyTags) {
		t.Errorf("too many tags: %v", err)
	}
	in.drain()
	if in.tags != int64(len(many)) || !errors.Is(in.streamError(), errTooManyTags) {
		t.Errorf("after drain: %d tags (%v), want %d", in.tags, in.streamError(), len(many))
	}

	broken := errors.New("disk on fire")
	in = newInput(io.MultiReader(strings.NewReader("<a>"), iotest.ErrReader(broken)), 1<<20)
	if err := readAll(in); !errors.Is(err, broken) || !errors.Is(in.streamError(), broken) {
		t.Errorf("read error: %v", err)
	}
}
