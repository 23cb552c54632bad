package winrm

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/patchscan/patchscan/facts"
	"github.com/patchscan/patchscan/internal/textsafe"
)

// DefaultMaxOutput bounds the collector's stdout. A fully answered batch of
// thousands of facts is well under 1 MiB; anything near this limit is a host
// (or something in between) misbehaving.
const DefaultMaxOutput = 16 << 20

// Per-field bounds, so one absurd line cannot allocate more than the host's
// whole output allowance suggests.
const (
	maxRegData  = 1 << 20 // registry values are limited to ~1 MB by Windows guidance
	maxFieldStr = 64 << 10
)

// ErrBadOutput marks a collector output that cannot be trusted: garbage,
// truncation, or answers that do not match the requests. The whole host is
// then an error, never a half-read set of facts.
var ErrBadOutput = errors.New("malformed collector output")

// ErrHostFact marks a fact the collector could not read on the host (the
// message the host gave follows).
var ErrHostFact = errors.New("host could not read the fact")

func badOutput(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrBadOutput, fmt.Sprintf(format, a...))
}

// ParseOutput parses the collector's stdout for the given sent requests
// (in the order they were sent). It is strict: the header, one line per
// request in order, and the trailer must all be there, every field must be
// well formed and fit its bounds. max <= 0 means DefaultMaxOutput.
func ParseOutput(out []byte, reqs []facts.Request, max int) ([]facts.Answer, error) {
	if max <= 0 {
		max = DefaultMaxOutput
	}
	if len(out) > max {
		return nil, badOutput("%d bytes exceeds the %d-byte limit", len(out), max)
	}
	text := string(out)
	// The shell runs with code page 65001 (masterzen/winrm's Create asks
	// for it); some .NET console writers then start stdout with a UTF-8
	// byte order mark.
	text = strings.TrimPrefix(text, "\uFEFF")
	// PowerShell on Windows ends lines with CRLF; accept LF too.
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.TrimSuffix(text, "\n")
	if text == "" {
		return nil, badOutput("no output (powershell failed to start, or the output was lost)")
	}
	lines := strings.Split(text, "\n")
	n := len(reqs)
	if lines[0] == "PSCAN-BADINPUT" {
		return nil, badOutput("the collector rejected its input (stdin lost or altered on the way)")
	}
	if want := "PSCAN-OUT 1 " + strconv.Itoa(n); lines[0] != want {
		return nil, badOutput("first line %q, want %q", textsafe.Line(lines[0], maxQuoted), want)
	}
	if len(lines) < n+2 {
		return nil, badOutput("truncated: %d of %d answers and no end marker", len(lines)-1, n) // lines[0] is the header
	}
	if len(lines) > n+2 {
		return nil, badOutput("%d lines of output for %d requests", len(lines), n)
	}
	if want := "PSCAN-END " + strconv.Itoa(n); lines[n+1] != want {
		return nil, badOutput("last line %q, want %q", textsafe.Line(lines[n+1], maxQuoted), want)
	}
	answers := make([]facts.Answer, n)
	for i := 0; i < n; i++ {
		a, err := parseAnswer(lines[i+1], i, reqs[i])
		if err != nil {
			return nil, badOutput("answer %d: %v", i, err)
		}
		answers[i] = a
	}
	return answers, nil
}

func parseAnswer(line string, i int, req facts.Request) (facts.Answer, error) {
	f := strings.Split(line, " ")
	if f[0] != strconv.Itoa(i) {
		return facts.Answer{}, fmt.Errorf("line %q does not start with index %d", textsafe.Line(line, maxQuoted), i)
	}
	if len(f) < 2 {
		return facts.Answer{}, fmt.Errorf("line %q has no status", textsafe.Line(line, maxQuoted))
	}
	status, rest := f[1], f[2:]
	switch status {
	case "nf":
		if len(rest) != 0 {
			return facts.Answer{}, errors.New("extra fields after nf")
		}
		return facts.Answer{Found: false}, nil
	case "err", "denied":
		if len(rest) != 1 {
			return facts.Answer{}, fmt.Errorf("%s needs exactly one message field", status)
		}
		msg, err := decodeStr(rest[0], maxFieldStr)
		if err != nil {
			return facts.Answer{}, fmt.Errorf("message: %w", err)
		}
		msg = textsafe.Line(msg, maxQuoted)
		if msg == "" {
			msg = "no message"
		}
		if status == "denied" {
			return facts.Answer{Err: fmt.Errorf("%w: %s: %s", facts.ErrAccessDenied, describe(req), msg)}, nil
		}
		return facts.Answer{Err: fmt.Errorf("%w: %s: %s", ErrHostFact, describe(req), msg)}, nil
	case "ok":
	default:
		return facts.Answer{}, fmt.Errorf("unknown status %q", textsafe.Line(status, maxQuoted))
	}
	switch req.Kind {
	case facts.FactRegKey:
		if len(rest) != 0 {
			return facts.Answer{}, errors.New("key answer with extra fields")
		}
		return facts.Answer{Found: true}, nil
	case facts.FactRegValue:
		if len(rest) != 2 {
			return facts.Answer{}, errors.New("value answer needs type and data")
		}
		t, err := strconv.ParseUint(rest[0], 10, 32)
		if err != nil {
			return facts.Answer{}, fmt.Errorf("value type %q: not a number", textsafe.Line(rest[0], maxQuoted))
		}
		data, err := decodeBytes(rest[1], maxRegData)
		if err != nil {
			return facts.Answer{}, fmt.Errorf("value data: %w", err)
		}
		return facts.Answer{Found: true, Value: facts.RegValue{Type: facts.ValueType(t), Data: data}}, nil
	case facts.FactFile:
		if len(rest) != 4 {
			return facts.Answer{}, errors.New("file answer needs size, version, string version and hash")
		}
		size, err := strconv.ParseInt(rest[0], 10, 64)
		if err != nil || size < 0 || rest[0] != strconv.FormatInt(size, 10) {
			return facts.Answer{}, fmt.Errorf("file size %q is not a non-negative integer", textsafe.Line(rest[0], maxQuoted))
		}
		var fi facts.FileInfo
		fi.Size = size
		if rest[1] != "-" {
			if err := checkFileVersion(rest[1]); err != nil {
				return facts.Answer{}, err
			}
			fi.Version = rest[1]
		}
		if fi.StringVersion, err = decodeStr(rest[2], maxFieldStr); err != nil {
			return facts.Answer{}, fmt.Errorf("string version: %w", err)
		}
		switch {
		case req.SHA256 && !isSHA256Hex(rest[3]):
			return facts.Answer{}, fmt.Errorf("SHA-256 %q is not 64 lower-case hex digits", textsafe.Line(rest[3], maxQuoted))
		case !req.SHA256 && rest[3] != "-":
			return facts.Answer{}, errors.New("a hash nobody asked for")
		case req.SHA256:
			fi.SHA256 = rest[3]
		}
		return facts.Answer{Found: true, File: fi}, nil
	}
	return facts.Answer{}, fmt.Errorf("answer for an unsupported request kind %d", req.Kind)
}

// checkFileVersion accepts exactly four dotted 16-bit decimal parts, the
// shape of VS_FIXEDFILEINFO's FILEVERSION.
func checkFileVersion(v string) error {
	parts := strings.Split(v, ".")
	if len(parts) != 4 {
		return fmt.Errorf("file version %q does not have four parts", textsafe.Line(v, maxQuoted))
	}
	for _, p := range parts {
		n, err := strconv.ParseUint(p, 10, 16)
		if err != nil || p != strconv.FormatUint(n, 10) {
			return fmt.Errorf("file version %q: part %q is not a 16-bit number", textsafe.Line(v, maxQuoted), textsafe.Line(p, maxQuoted))
		}
	}
	return nil
}

func isSHA256Hex(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func decodeBytes(t string, max int) ([]byte, error) {
	if t == "-" {
		return []byte{}, nil
	}
	if base64.StdEncoding.DecodedLen(len(t)) > max+2 {
		return nil, fmt.Errorf("%d base64 characters exceeds the %d-byte limit", len(t), max)
	}
	b, err := base64.StdEncoding.Strict().DecodeString(t)
	if err != nil {
		return nil, fmt.Errorf("not base64: %v", err)
	}
	if len(b) == 0 || len(b) > max {
		return nil, fmt.Errorf("decoded length %d out of range 1..%d", len(b), max)
	}
	return b, nil
}

func decodeStr(t string, max int) (string, error) {
	b, err := decodeBytes(t, max)
	if err != nil {
		return "", err
	}
	return strings.ToValidUTF8(string(b), "\uFFFD"), nil
}

// describe names a request in per-fact error messages.
func describe(r facts.Request) string {
	switch r.Kind {
	case facts.FactRegValue:
		return fmt.Sprintf("registry value %s\\%s", r.Key, r.Name)
	case facts.FactRegKey:
		return "registry key " + r.Key
	case facts.FactFile:
		return "file " + r.Path
	}
	return r.Kind.String()
}

// EncodeOutput writes what the collector prints for the given answers. It
// is the Go twin of the PowerShell script's output half, used by the test
// server (scan/winrm/winrmtest) to answer as a Windows host would.
func EncodeOutput(reqs []facts.Request, answers []facts.Answer) []byte {
	return encodeFramed("PSCAN-OUT", reqs, answers, encodeAnswer)
}

// encodeFramed writes the framing both collectors print: "<header> 1 <n>",
// one "<i> <answer>" line per request in order (an answer missing from
// answers is the zero Answer), and "PSCAN-END <n>", each line ending CRLF.
func encodeFramed(header string, reqs []facts.Request, answers []facts.Answer, encode func(facts.Request, facts.Answer) string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s 1 %d\r\n", header, len(reqs))
	for i, r := range reqs {
		var a facts.Answer
		if i < len(answers) {
			a = answers[i]
		}
		fmt.Fprintf(&b, "%d %s\r\n", i, encode(r, a))
	}
	fmt.Fprintf(&b, "PSCAN-END %d\r\n", len(reqs))
	return b.Bytes()
}

func encodeAnswer(r facts.Request, a facts.Answer) string {
	if a.Err != nil {
		status := "err"
		if errors.Is(a.Err, facts.ErrAccessDenied) {
			status = "denied"
		}
		return status + " " + tokBytes([]byte(a.Err.Error()))
	}
	if !a.Found {
		return "nf"
	}
	switch r.Kind {
	case facts.FactRegKey:
		return "ok"
	case facts.FactRegValue:
		return fmt.Sprintf("ok %d %s", a.Value.Type, tokBytes(a.Value.Data))
	case facts.FactFile:
		v := a.File.Version
		if v == "" {
			v = "-"
		}
		h := "-"
		if r.SHA256 {
			h = a.File.SHA256
		}
		return fmt.Sprintf("ok %d %s %s %s", a.File.Size, v, tokBytes([]byte(a.File.StringVersion)), h)
	}
	return "err " + tokBytes([]byte("unsupported request"))
}

func tokBytes(b []byte) string {
	if len(b) == 0 {
		return "-"
	}
	return base64.StdEncoding.EncodeToString(b)
}
