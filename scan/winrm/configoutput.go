package winrm

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/patchscan/patchscan/facts"
	"github.com/patchscan/patchscan/internal/textsafe"
)

// The configuration collector's output, parsed as strictly as the registry
// collector's (output.go): a header "PSCAN-CFGOUT 1 <n>", one line per
// request in order, "PSCAN-END <n>". A line is "<i> ok <payload>", "<i>
// nf" (a service the host does not have), "<i> err|denied <message>" or
// "<i> na <setting>" (auditpol in another language: unavailable). The
// payload is base64 of UTF-8 lines of space-separated tokens, strings as
// base64 ("-" empty), numbers in decimal:
//
//	users           u <rid> <sid> <name> <full name> <flags>
//	Administrators  m <sid> <domain> <name> <class>
//	shares          s <name> <type> <path> <remark> <acl 0|1>, then e <sid> <allowed 0|1> <mask> <name> per ACE
//	audit policy    p <enabled 0|1>, then a <subcategory GUID> <0..3> per subcategory
//	volumes         v <root> <file system> -
//	service         svc <name> <display name> <start mode> <state>

// maxConfigLines bounds the records of one answer.
const maxConfigLines = 100000

// ParseConfigOutput parses the configuration collector's stdout for the
// requests sent, in order. max <= 0 means DefaultMaxOutput.
func ParseConfigOutput(out []byte, reqs []facts.Request, max int) ([]facts.Answer, error) {
	if max <= 0 {
		max = DefaultMaxOutput
	}
	if len(out) > max {
		return nil, badOutput("%d bytes exceeds the %d-byte limit", len(out), max)
	}
	text := strings.TrimSuffix(strings.ReplaceAll(strings.TrimPrefix(string(out), "\uFEFF"), "\r\n", "\n"), "\n")
	lines := strings.Split(text, "\n")
	n := len(reqs)
	switch {
	case text == "":
		return nil, badOutput("no output (powershell failed to start, or the output was lost)")
	case lines[0] == "PSCAN-BADINPUT":
		return nil, badOutput("the configuration collector rejected its input")
	case lines[0] != "PSCAN-CFGOUT 1 "+strconv.Itoa(n):
		return nil, badOutput("first line %q, want %q", textsafe.Line(lines[0], maxQuoted), "PSCAN-CFGOUT 1 "+strconv.Itoa(n))
	case len(lines) != n+2:
		return nil, badOutput("%d lines of output for %d requests", len(lines), n)
	case lines[n+1] != "PSCAN-END "+strconv.Itoa(n):
		return nil, badOutput("last line %q, want %q", textsafe.Line(lines[n+1], maxQuoted), "PSCAN-END "+strconv.Itoa(n))
	}
	answers := make([]facts.Answer, n)
	for i := range n {
		a, err := parseConfigLine(lines[i+1], i, reqs[i])
		if err != nil {
			return nil, badOutput("answer %d: %v", i, err)
		}
		answers[i] = a
	}
	return answers, nil
}

func parseConfigLine(line string, i int, req facts.Request) (facts.Answer, error) {
	f := strings.Split(line, " ")
	if f[0] != strconv.Itoa(i) || len(f) < 2 {
		return facts.Answer{}, fmt.Errorf("line %q does not answer request %d", textsafe.Line(line, maxQuoted), i)
	}
	switch {
	case f[1] == "nf" && len(f) == 2 && req.Kind == facts.FactService:
		return facts.Answer{}, nil
	case (f[1] == "err" || f[1] == "denied" || f[1] == "na") && len(f) == 3:
		msg, err := decodeStr(f[2], maxFieldStr)
		if err != nil {
			return facts.Answer{}, err
		}
		msg = textsafe.Line(msg, maxQuoted)
		switch f[1] {
		case "na":
			return facts.Answer{Err: facts.Unavailable("auditpol answers in another language than English (%q): the audit policy is not read over WinRM", msg)}, nil
		case "denied":
			return facts.Answer{Err: fmt.Errorf("%w: %s: %w: %s", ErrHostFact, req.Kind, facts.ErrAccessDenied, msg)}, nil
		}
		return facts.Answer{Err: fmt.Errorf("%w: %s: %s", ErrHostFact, req.Kind, msg)}, nil
	case f[1] == "ok" && len(f) == 3:
		payload, err := decodeBytes(f[2], DefaultMaxOutput)
		if err != nil {
			return facts.Answer{}, err
		}
		if !utf8.Valid(payload) {
			return facts.Answer{}, errors.New("payload is not UTF-8")
		}
		return parsePayload(string(payload), req)
	}
	return facts.Answer{}, fmt.Errorf("malformed answer %q", textsafe.Line(line, maxQuoted))
}

// records splits a payload into lines of tokens, checking each line's
// record type and token count.
func records(payload string, fields map[string]int) ([][]string, error) {
	if payload == "" {
		return nil, nil
	}
	lines := strings.Split(payload, "\n")
	if len(lines) > maxConfigLines {
		return nil, fmt.Errorf("%d records is more than %d", len(lines), maxConfigLines)
	}
	out := make([][]string, 0, len(lines))
	for _, l := range lines {
		t := strings.Split(l, " ")
		if n, ok := fields[t[0]]; !ok || len(t) != n {
			return nil, fmt.Errorf("malformed record %q", textsafe.Line(l, maxQuoted))
		}
		out = append(out, t)
	}
	return out, nil
}

// strs decodes string tokens.
func strs(toks ...string) ([]string, error) {
	out := make([]string, len(toks))
	for i, t := range toks {
		s, err := decodeStr(t, maxFieldStr)
		if err != nil {
			return nil, err
		}
		out[i] = s
	}
	return out, nil
}

func uintTok(t string, bits int) (uint64, error) {
	if t == "" || len(t) > 20 || strings.TrimLeft(t, "0123456789") != "" {
		return 0, fmt.Errorf("%q is not a number", textsafe.Line(t, maxQuoted))
	}
	return strconv.ParseUint(t, 10, bits)
}

func parsePayload(payload string, req facts.Request) (facts.Answer, error) {
	a := facts.Answer{Found: true}
	var err error
	switch req.Kind {
	case facts.FactUsers:
		a.Users, err = parseUsers(payload)
	case facts.FactAdministrators:
		a.Members, err = parseMembers(payload)
	case facts.FactShares:
		a.Shares, err = parseShares(payload)
	case facts.FactAuditPolicy:
		a.Audit, err = parseAudit(payload)
	case facts.FactVolumes:
		a.Volumes, err = parseVolumes(payload)
	case facts.FactService:
		a.Service, err = parseService(payload)
	default:
		err = fmt.Errorf("an answer for a %s request", req.Kind)
	}
	return a, err
}

func parseUsers(p string) ([]facts.Account, error) {
	recs, err := records(p, map[string]int{"u": 6})
	var out []facts.Account
	for _, r := range recs {
		rid, err1 := uintTok(r[1], 32)
		flags, err2 := uintTok(r[5], 32)
		s, err3 := strs(r[2], r[3], r[4])
		if err := errors.Join(err1, err2, err3); err != nil {
			return nil, err
		}
		out = append(out, facts.Account{RID: uint32(rid), SID: s[0], Name: s[1], FullName: s[2], Flags: facts.AccountFlags(flags)})
	}
	return out, err
}

func parseMembers(p string) ([]facts.Principal, error) {
	recs, err := records(p, map[string]int{"m": 5})
	var out []facts.Principal
	for _, r := range recs {
		s, err := strs(r[1], r[2], r[3], r[4])
		if err != nil {
			return nil, err
		}
		out = append(out, facts.Principal{SID: s[0], Domain: s[1], Name: s[2], Kind: strings.ToLower(s[3])})
	}
	return out, err
}
