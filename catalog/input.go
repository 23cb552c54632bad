package catalog

import (
	"bytes"
	"errors"
	"io"
)

// input is the byte stream the XML decoder reads: the catalog after gzip
// decompression. It enforces the size and tag limits while the document
// streams through, so nothing but a small buffer of the document is ever
// held in memory, and it keeps what a column in characters needs.
//
// encoding/xml reads an io.ByteReader byte by byte without buffering it
// again, so input sees exactly what the decoder consumed (at most one byte
// more, which the decoder has put back: always a '<' when the decoder stops
// before a tag).
type input struct {
	src      io.Reader
	buf      []byte
	r, w     int
	err      error // the first error from src, or io.EOF
	maxBytes int64
	size     int64 // bytes read from src
	tags     int64 // '<' bytes read from src
	// cont counts the bytes since the last line feed that do not start a
	// character (the continuation bytes of valid UTF-8 sequences): a byte
	// column minus cont is a column in characters, counted as
	// utf8.RuneCount does (a byte of invalid UTF-8 is one character).
	cont int
	// The UTF-8 sequence being read: bytes seen, bytes still needed, and
	// the range the next one must be in.
	seqLen, seqNeed int
	seqLo, seqHi    byte
}

// Errors that end reading early; the loader turns them into problems.
var (
	errTooLarge    = errors.New("catalog too large")
	errTooManyTags = errors.New("catalog has too many tags")
)

func newInput(src io.Reader, maxBytes int64) *input {
	return &input{src: src, buf: make([]byte, 64<<10), maxBytes: maxBytes}
}

// tooLarge says the document is over maxBytes. Reading stops one byte past
// the limit, which tells "exactly at the limit" from "over it".
func (in *input) tooLarge() bool { return in.size > in.maxBytes }

// readBlock reads the next block from src into buf and counts its tags.
func (in *input) readBlock() {
	want := int64(len(in.buf))
	if left := in.maxBytes + 1 - in.size; left < want {
		want = left
	}
	n := 0
	for n == 0 && in.err == nil {
		n, in.err = in.src.Read(in.buf[:want])
	}
	in.r, in.w = 0, n
	in.size += int64(n)
	in.tags += int64(bytes.Count(in.buf[:n], []byte{'<'}))
}

// fill refills buf for the decoder, or says why it cannot.
func (in *input) fill() error {
	if err := in.limitError(); err != nil {
		return err
	}
	if in.err != nil {
		return in.err
	}
	in.readBlock()
	if err := in.limitError(); err != nil {
		in.r, in.w = 0, 0
		return err
	}
	if in.r == in.w {
		return in.err
	}
	return nil
}

func (in *input) limitError() error {
	switch {
	case in.tooLarge():
		return errTooLarge
	case in.tags > maxTags:
		return errTooManyTags
	}
	return nil
}

// ReadByte is what encoding/xml reads with.
func (in *input) ReadByte() (byte, error) {
	if in.r == in.w {
		if err := in.fill(); err != nil {
			return 0, err
		}
	}
	b := in.buf[in.r]
	in.r++
	if b < 0x80 {
		in.seqNeed = 0 // a sequence cut short: each of its bytes is a character
		if b == '\n' {
			in.cont = 0
		}
	} else {
		in.utf8Byte(b)
	}
	return b, nil
}

// utf8Byte follows UTF-8 sequences the way utf8.DecodeRune reads them, so
// that a valid sequence counts as one character and any other byte as one.
func (in *input) utf8Byte(b byte) {
	if in.seqNeed > 0 && b >= in.seqLo && b <= in.seqHi {
		in.seqLen++
		in.seqNeed--
		in.seqLo, in.seqHi = 0x80, 0xBF
		if in.seqNeed == 0 {
			in.cont += in.seqLen - 1
		}
		return
	}
	in.seqLen, in.seqLo, in.seqHi = 1, 0x80, 0xBF
	switch {
	case b >= 0xC2 && b <= 0xDF:
		in.seqNeed = 1
	case b == 0xE0:
		in.seqNeed, in.seqLo = 2, 0xA0
	case b == 0xED:
		in.seqNeed, in.seqHi = 2, 0x9F
	case b >= 0xE1 && b <= 0xEF:
		in.seqNeed = 2
	case b == 0xF0:
		in.seqNeed, in.seqLo = 3, 0x90
	case b == 0xF4:
		in.seqNeed, in.seqHi = 3, 0x8F
	case b >= 0xF1 && b <= 0xF3:
		in.seqNeed = 3
	default: // a stray continuation byte or one that never starts a sequence
		in.seqNeed = 0
	}
}

// Read is for a CharsetReader, which gets the input back unchanged.
func (in *input) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		b, err := in.ReadByte()
		if err != nil {
			if n > 0 {
				return n, nil
			}
			return 0, err
		}
		p[n] = b
		n++
	}
	return n, nil
}

// drain reads the rest of the document without parsing it, after parsing
// stopped early, so that a limit or a read error further on is reported as
// it would be had the whole document been read first (those say more about
// the file than the first syntax error in it does), and so that the
// message about too many tags gives their number.
func (in *input) drain() {
	for in.err == nil && !in.tooLarge() {
		in.readBlock()
	}
	in.r, in.w = 0, 0
}

// streamError returns the problem with the stream itself, if any: a limit
// exceeded or a read error. io.EOF is not one.
func (in *input) streamError() error {
	if err := in.limitError(); err != nil {
		return err
	}
	if in.err != nil && in.err != io.EOF {
		return in.err
	}
	return nil
}
