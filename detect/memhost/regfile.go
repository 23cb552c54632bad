package memhost

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/patchscan/patchscan/facts"
	"github.com/patchscan/patchscan/internal/textsafe"
)

// MaxRegFile bounds a .reg file LoadReg accepts (the lab's exports are a
// few kilobytes; a real full HKLM export is far below this).
const MaxRegFile = 64 << 20

// maxRegLine bounds one logical line (after joining continuations).
const maxRegLine = 8 << 20

// LoadReg applies a regedit export ("Windows Registry Editor Version 5.00",
// usually UTF-16LE with a BOM, or "REGEDIT4", ANSI) to the host. It
// understands [KEY] sections, "name"=... and @=... with string, dword:,
// hex:, hex(N): data (hex(2)/hex(7) in REGEDIT4 files hold ANSI text and are
// converted to UTF-16LE like regedit does), "name"=- deletions, lines
// continued with a trailing backslash and ; comments. Key deletions
// ([-KEY]) are rejected: a lab fixture describes a host, not a change.
//
// The file is parsed completely before anything is applied, so a broken
// file leaves the host unchanged. Errors name the line.
func (h *Host) LoadReg(r io.Reader) error {
	ops, err := ParseReg(r)
	if err != nil {
		return err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, op := range ops {
		switch {
		case op.Name == nil:
			h.setKey(op.Key)
		case op.Delete:
			if kk, ok := h.keys[normKey(op.Key)]; ok {
				delete(kk.values, strings.ToLower(*op.Name))
			}
		default:
			h.setKey(op.Key).values[strings.ToLower(*op.Name)] = namedValue{name: *op.Name, v: op.Value}
		}
	}
	return nil
}

// RegOp is one statement of a .reg file: a key (Name nil), a value to set,
// or a value to delete.
type RegOp struct {
	Line   int
	Key    string  // canonical (HKLM\...)
	Name   *string // nil: the key line itself; "" = default value (@)
	Value  facts.RegValue
	Delete bool
}

// ParseReg parses a regedit export into its statements (see LoadReg).
func ParseReg(r io.Reader) ([]RegOp, error) {
	raw, err := io.ReadAll(io.LimitReader(r, MaxRegFile+1))
	if err != nil {
		return nil, fmt.Errorf("reading .reg file: %w", err)
	}
	if len(raw) > MaxRegFile {
		return nil, fmt.Errorf(".reg file is larger than %d MiB; refusing it", MaxRegFile>>20)
	}
	text, err := decodeRegText(raw)
	if err != nil {
		return nil, err
	}
	lines := strings.Split(text, "\n")
	p := regParser{}
	i, err := p.header(lines)
	if err != nil {
		return nil, err
	}
	for i < len(lines) {
		start := i
		line := strings.TrimRight(lines[i], " \t\r")
		i++
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || trimmed[0] == ';' {
			continue
		}
		if trimmed[0] == '"' || trimmed[0] == '@' {
			if line, i, err = joinContinuations(lines, line, i, start); err != nil {
				return nil, err
			}
		}
		if line = strings.TrimSpace(line); line == "" {
			continue // a continuation that joined to nothing
		}
		if err := p.line(line, start+1); err != nil {
			return nil, err
		}
	}
	return p.ops, nil
}

// header checks the first non-blank line and returns the index of the line
// after it.
func (p *regParser) header(lines []string) (int, error) {
	i := 0
	for i < len(lines) && strings.TrimSpace(lines[i]) == "" {
		i++
	}
	if i == len(lines) {
		return 0, errors.New(".reg file is empty: expected a \"Windows Registry Editor Version 5.00\" or \"REGEDIT4\" header")
	}
	switch hdr := strings.TrimSpace(lines[i]); hdr {
	case "Windows Registry Editor Version 5.00":
	case "REGEDIT4":
		p.v4 = true
	default:
		return 0, fmt.Errorf(".reg line %d: expected a \"Windows Registry Editor Version 5.00\" or \"REGEDIT4\" header, found %q", i+1, textsafe.Line(hdr, maxQuoted))
	}
	return i + 1, nil
}

// joinContinuations joins a value line with its continuations: regedit
// wraps hex data as "aa,bb,\" + newline + indented "cc,...". next is the
// index of the line after line (which started at index start); it returns
// the joined line and the index after the last continuation.
func joinContinuations(lines []string, line string, next, start int) (string, int, error) {
	if !strings.HasSuffix(line, `\`) || next >= len(lines) {
		return line, next, nil
	}
	var b strings.Builder
	b.WriteString(line[:len(line)-1])
	for next < len(lines) {
		cont := strings.TrimSpace(lines[next])
		next++
		if b.Len()+len(cont) > maxRegLine {
			return "", next, fmt.Errorf(".reg line %d: value is longer than %d MiB", start+1, maxRegLine>>20)
		}
		if !strings.HasSuffix(cont, `\`) {
			b.WriteString(cont)
			break
		}
		b.WriteString(cont[:len(cont)-1])
	}
	return b.String(), next, nil
}

type regParser struct {
	v4  bool
	key string
	ops []RegOp
}

func (p *regParser) line(s string, n int) error {
	if s[0] == '[' {
		if !strings.HasSuffix(s, "]") {
			return fmt.Errorf(".reg line %d: key line %q has no closing ]", n, textsafe.Line(s, maxQuoted))
		}
		k := strings.TrimSpace(s[1 : len(s)-1])
		if strings.HasPrefix(k, "-") {
			return fmt.Errorf(".reg line %d: key deletions ([-%s]) are not supported in a host fixture", n, textsafe.Line(k[1:], maxQuoted))
		}
		hive, _, _ := strings.Cut(k, `\`)
		if _, ok := hives[strings.ToLower(hive)]; !ok {
			if _, short := shortHives[strings.ToUpper(hive)]; !short {
				return fmt.Errorf(".reg line %d: key %q does not start with a registry hive such as HKEY_LOCAL_MACHINE", n, textsafe.Line(k, maxQuoted))
			}
		}
		p.key = CanonicalKey(k)
		p.ops = append(p.ops, RegOp{Line: n, Key: p.key})
		return nil
	}
	if p.key == "" {
		return fmt.Errorf(".reg line %d: value before any [KEY] line", n)
	}
	var name, rest string
	if s[0] == '@' {
		rest = s[1:]
	} else {
		var err error
		name, rest, err = quoted(s)
		if err != nil {
			return fmt.Errorf(".reg line %d: value name: %v", n, err)
		}
	}
	rest = strings.TrimLeft(rest, " \t")
	if !strings.HasPrefix(rest, "=") {
		return fmt.Errorf(".reg line %d: expected = after the value name", n)
	}
	data := strings.TrimSpace(rest[1:])
	op := RegOp{Line: n, Key: p.key, Name: &name}
	v, del, err := p.data(data)
	if err != nil {
		return fmt.Errorf(".reg line %d: value %q: %v", n, textsafe.Line(name, maxQuoted), err)
	}
	op.Value, op.Delete = v, del
	p.ops = append(p.ops, op)
	return nil
}

var shortHives = map[string]bool{"HKLM": true, "HKCU": true, "HKU": true, "HKCR": true, "HKCC": true}

// quoted reads a "..." string with regedit's escapes (\\ and \") from the
// start of s and returns it and what follows.
func quoted(s string) (string, string, error) {
	if s == "" || s[0] != '"' {
		return "", "", errors.New("expected a quoted string")
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			if i+1 == len(s) {
				return "", "", errors.New("string ends with a lone backslash")
			}
			i++
			b.WriteByte(s[i])
		case '"':
			return b.String(), s[i+1:], nil
		default:
			b.WriteByte(c)
		}
	}
	return "", "", errors.New("unterminated string (missing closing quote)")
}

func (p *regParser) data(d string) (facts.RegValue, bool, error) {
	low := strings.ToLower(d)
	switch {
	case d == "-":
		return facts.RegValue{}, true, nil
	case strings.HasPrefix(d, `"`):
		s, rest, err := quoted(d)
		if err != nil {
			return facts.RegValue{}, false, err
		}
		if strings.TrimSpace(rest) != "" {
			return facts.RegValue{}, false, fmt.Errorf("unexpected text %q after the string", textsafe.Line(rest, maxQuoted))
		}
		return facts.SZ(s), false, nil
	case strings.HasPrefix(low, "dword:"):
		h := strings.TrimSpace(d[len("dword:"):])
		if h == "" || len(h) > 8 {
			return facts.RegValue{}, false, fmt.Errorf("dword %q must have 1 to 8 hex digits", textsafe.Line(h, maxQuoted))
		}
		n, err := strconv.ParseUint(h, 16, 32)
		if err != nil {
			return facts.RegValue{}, false, fmt.Errorf("dword %q is not hexadecimal", textsafe.Line(h, maxQuoted))
		}
		return facts.DWORD(uint32(n)), false, nil
	case strings.HasPrefix(low, "hex:"):
		b, err := hexList(d[len("hex:"):])
		return facts.RegValue{Type: facts.RegBinary, Data: b}, false, err
	case strings.HasPrefix(low, "hex("):
		end := strings.Index(d, "):")
		if end < 0 {
			return facts.RegValue{}, false, errors.New(`hex( type must be followed by "):"`)
		}
		t, err := strconv.ParseUint(strings.TrimSpace(d[4:end]), 16, 32)
		if err != nil {
			return facts.RegValue{}, false, fmt.Errorf("hex(%s) is not a hexadecimal value type", textsafe.Line(d[4:end], maxQuoted))
		}
		b, err := hexList(d[end+2:])
		if err != nil {
			return facts.RegValue{}, false, err
		}
		vt := facts.ValueType(t)
		if p.v4 && (vt == facts.RegExpandSZ || vt == facts.RegMultiSZ) {
			b = ansiToUTF16(b)
		}
		return facts.RegValue{Type: vt, Data: b}, false, nil
	}
	return facts.RegValue{}, false, fmt.Errorf("unknown data %q: expected \"string\", dword:, hex:, hex(N): or -", textsafe.Line(d, maxQuoted))
}

// hexList parses "aa,bb, cc" (continuations already joined). A trailing
// comma is tolerated. It scans in place: a hostile multi-megabyte list
// costs one output buffer, not a string per byte.
func hexList(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	out := make([]byte, 0, (len(s)+1)/3)
	pos := 0
	for s != "" {
		pos++
		part, rest, more := strings.Cut(s, ",")
		part = strings.TrimSpace(part)
		s = strings.TrimSpace(rest)
		if part == "" {
			return nil, fmt.Errorf("empty byte at position %d in hex data", pos)
		}
		if len(part) > 2 {
			return nil, fmt.Errorf("byte %q at position %d in hex data has more than 2 digits", textsafe.Line(part, maxQuoted), pos)
		}
		n, err := strconv.ParseUint(part, 16, 8)
		if err != nil {
			return nil, fmt.Errorf("byte %q at position %d in hex data is not hexadecimal", textsafe.Line(part, maxQuoted), pos)
		}
		out = append(out, byte(n))
		if !more {
			break
		}
	}
	return out, nil
}

// ansiToUTF16 converts REGEDIT4's single-byte strings (read as Latin-1) to
// UTF-16LE.
func ansiToUTF16(b []byte) []byte {
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, c, 0)
	}
	return out
}

// decodeRegText turns the file's bytes into text: UTF-16LE with a BOM
// (regedit's default), UTF-8 with or without a BOM, else Latin-1 (ANSI
// REGEDIT4 files). CRLF becomes LF.
func decodeRegText(raw []byte) (string, error) {
	var s string
	switch {
	case bytes.HasPrefix(raw, []byte{0xff, 0xfe}):
		b := raw[2:]
		u := make([]uint16, len(b)/2)
		for i := range u {
			u[i] = binary.LittleEndian.Uint16(b[2*i:])
		}
		s = string(utf16.Decode(u))
	case bytes.HasPrefix(raw, []byte{0xfe, 0xff}):
		return "", errors.New(".reg file is UTF-16 big-endian; regedit writes little-endian: re-export it")
	case bytes.HasPrefix(raw, []byte{0xef, 0xbb, 0xbf}):
		s = string(raw[3:])
	case utf8.Valid(raw):
		s = string(raw)
	default:
		r := make([]rune, len(raw))
		for i, c := range raw {
			r[i] = rune(c)
		}
		s = string(r)
	}
	return strings.ReplaceAll(s, "\r\n", "\n"), nil
}

// maxQuoted bounds, in runes, .reg text quoted in an error.
const maxQuoted = 60
