package winrm

import (
	"encoding/base64"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/facts"
)

var outReqs = []facts.Request{
	{Kind: facts.FactRegKey, Key: `HKLM\SOFTWARE\A`},
	{Kind: facts.FactRegValue, Key: `HKLM\SOFTWARE\A`, Name: "V"},
	{Kind: facts.FactFile, Path: `C:\Windows\x.dll`},
	{Kind: facts.FactFile, Path: `C:\Windows\y.dll`, SHA256: true},
	{Kind: facts.FactRegValue, Key: `HKLM\SOFTWARE\B`, Name: "W"},
}

const sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func outputOf(lines ...string) []byte {
	return []byte(strings.Join(lines, "\r\n") + "\r\n")
}

func TestParseOutputGood(t *testing.T) {
	out := outputOf(
		"PSCAN-OUT 1 5",
		"0 ok",
		"1 ok 4 "+base64.StdEncoding.EncodeToString([]byte{1, 0, 0, 0}),
		"2 ok 12345 6.1.7601.23689 "+b64("6.1.7601.23689 (win7sp1_ldr.170209-0600)")+" -",
		"3 ok 0 - - "+sha,
		"4 denied "+b64("Requested registry access is not allowed."),
		"PSCAN-END 5",
	)
	got, err := ParseOutput(out, outReqs, 0)
	if err != nil {
		t.Fatal(err)
	}
	withBOM, err := ParseOutput(append([]byte("\xef\xbb\xbf"), out...), outReqs, 0)
	if err != nil || !reflect.DeepEqual(withBOM[:4], got[:4]) {
		t.Errorf("output with a UTF-8 BOM: %v", err)
	}
	want := []facts.Answer{
		{Found: true},
		{Found: true, Value: facts.RegValue{Type: facts.RegDWORD, Data: []byte{1, 0, 0, 0}}},
		{Found: true, File: facts.FileInfo{Size: 12345, Version: "6.1.7601.23689", StringVersion: "6.1.7601.23689 (win7sp1_ldr.170209-0600)"}},
		{Found: true, File: facts.FileInfo{Size: 0, SHA256: sha}},
	}
	if !reflect.DeepEqual(got[:4], want) {
		t.Errorf("got %+v\nwant %+v", got[:4], want)
	}
	if !errors.Is(got[4].Err, facts.ErrAccessDenied) || !strings.Contains(got[4].Err.Error(), `HKLM\SOFTWARE\B\W`) {
		t.Errorf("denied answer: %v", got[4].Err)
	}
}

func TestParseOutputPerFact(t *testing.T) {
	reqs := outReqs[:2]
	tests := []struct {
		line   string
		found  bool
		errIs  error
		errHas string
	}{
		{"1 nf", false, nil, ""},
		{"1 err " + b64("The handle is invalid.\nsecond line"), false, ErrHostFact, "The handle is invalid. second line"},
		{"1 ok 1 -", true, nil, ""},
	}
	for _, tc := range tests {
		got, err := ParseOutput(outputOf("PSCAN-OUT 1 2", "0 nf", tc.line, "PSCAN-END 2"), reqs, 0)
		if err != nil {
			t.Fatalf("%q: %v", tc.line, err)
		}
		a := got[1]
		if a.Found != tc.found || (tc.errIs == nil) != (a.Err == nil) {
			t.Errorf("%q: got %+v", tc.line, a)
		}
		if tc.errIs != nil && (!errors.Is(a.Err, tc.errIs) || !strings.Contains(a.Err.Error(), tc.errHas)) {
			t.Errorf("%q: error %v, want %v containing %q", tc.line, a.Err, tc.errIs, tc.errHas)
		}
	}
}

func TestParseOutputRejects(t *testing.T) {
	one := []facts.Request{outReqs[3]} // file with SHA-256
	val := []facts.Request{outReqs[1]}
	key := []facts.Request{outReqs[0]}
	tests := []struct {
		name string
		reqs []facts.Request
		out  []byte
		max  int
		msg  string
	}{
		{"empty", one, nil, 0, "no output"},
		{"bad input marker", one, outputOf("PSCAN-BADINPUT"), 0, "rejected its input"},
		{"garbage", one, outputOf("hello", "world"), 0, "first line"},
		{"truncated", one, outputOf("PSCAN-OUT 1 1"), 0, "truncated"},
		{"truncated mid", one, outputOf("PSCAN-OUT 1 1", "0 ok 1 1.2.3.4 - "+sha), 0, "truncated"},
		{"wrong count", one, outputOf("PSCAN-OUT 1 2", "0 nf", "1 nf", "PSCAN-END 2"), 0, "first line"},
		{"extra lines", one, outputOf("PSCAN-OUT 1 1", "0 nf", "0 nf", "PSCAN-END 1"), 0, "lines of output"},
		{"bad trailer", one, outputOf("PSCAN-OUT 1 1", "0 nf", "PSCAN-END 2"), 0, "last line"},
		{"wrong index", one, outputOf("PSCAN-OUT 1 1", "1 nf", "PSCAN-END 1"), 0, "index"},
		{"unknown status", one, outputOf("PSCAN-OUT 1 1", "0 maybe", "PSCAN-END 1"), 0, "unknown status"},
		{"too big", one, outputOf("PSCAN-OUT 1 1", "0 nf", "PSCAN-END 1"), 10, "limit"},
		{"missing hash", one, outputOf("PSCAN-OUT 1 1", "0 ok 1 1.2.3.4 - -", "PSCAN-END 1"), 0, "SHA-256"},
		{"upper hash", one, outputOf("PSCAN-OUT 1 1", "0 ok 1 1.2.3.4 - "+strings.ToUpper(sha), "PSCAN-END 1"), 0, "SHA-256"},
		{"unasked hash", []facts.Request{outReqs[2]}, outputOf("PSCAN-OUT 1 1", "0 ok 1 1.2.3.4 - "+sha, "PSCAN-END 1"), 0, "nobody asked"},
		{"negative size", one, outputOf("PSCAN-OUT 1 1", "0 ok -1 1.2.3.4 - "+sha, "PSCAN-END 1"), 0, "size"},
		{"version 3 parts", one, outputOf("PSCAN-OUT 1 1", "0 ok 1 1.2.3 - "+sha, "PSCAN-END 1"), 0, "four parts"},
		{"version overflow", one, outputOf("PSCAN-OUT 1 1", "0 ok 1 1.2.3.65536 - "+sha, "PSCAN-END 1"), 0, "16-bit"},
		{"value no data", val, outputOf("PSCAN-OUT 1 1", "0 ok 4", "PSCAN-END 1"), 0, "type and data"},
		{"value bad b64", val, outputOf("PSCAN-OUT 1 1", "0 ok 4 ***", "PSCAN-END 1"), 0, "base64"},
		{"value bad type", val, outputOf("PSCAN-OUT 1 1", "0 ok x AAAA", "PSCAN-END 1"), 0, "type"},
		{"key extra", key, outputOf("PSCAN-OUT 1 1", "0 ok 1 AAAA", "PSCAN-END 1"), 0, "extra"},
		{"err no msg", key, outputOf("PSCAN-OUT 1 1", "0 err", "PSCAN-END 1"), 0, "message"},
		{"nf extra", key, outputOf("PSCAN-OUT 1 1", "0 nf x", "PSCAN-END 1"), 0, "extra"},
		{"empty b64", val, outputOf("PSCAN-OUT 1 1", "0 ok 1 ", "PSCAN-END 1"), 0, "value data"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseOutput(tc.out, tc.reqs, tc.max)
			if err == nil {
				t.Fatalf("ParseOutput = %+v, want an error", got)
			}
			if !errors.Is(err, ErrBadOutput) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q, want ErrBadOutput mentioning %q", err, tc.msg)
			}
		})
	}
}

// TestEncodeParseRoundTrip checks the Go twin of the script's output half
// (used by the test server) against the parser.
func TestEncodeParseRoundTrip(t *testing.T) {
	answers := []facts.Answer{
		{Found: true},
		{Found: true, Value: facts.RegValue{Type: facts.RegSZ, Data: []byte{'6', 0, '.', 0, '1', 0, 0, 0}}},
		{Found: true, File: facts.FileInfo{Size: 7, Version: "1.2.3.4", StringVersion: "1.2.3.4 (x)"}},
		{Found: false},
		{Err: fmt.Errorf("wrapped: %w", facts.ErrAccessDenied)},
	}
	got, err := ParseOutput(EncodeOutput(outReqs, answers), outReqs, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got[:4], answers[:4]) {
		t.Errorf("round trip: got %+v\nwant %+v", got[:4], answers[:4])
	}
	if !errors.Is(got[4].Err, facts.ErrAccessDenied) {
		t.Errorf("access denied lost: %v", got[4].Err)
	}
}

func FuzzParseOutput(f *testing.F) {
	f.Add(EncodeOutput(outReqs, []facts.Answer{{Found: true}, {Found: true, Value: facts.RegValue{Type: 4, Data: []byte{1, 0, 0, 0}}}, {Found: true, File: facts.FileInfo{Size: 1, Version: "1.2.3.4"}}, {Found: true, File: facts.FileInfo{SHA256: sha}}, {Err: errors.New("x")}}))
	f.Add(outputOf("PSCAN-OUT 1 5", "0 nf", "1 nf", "2 nf", "3 nf", "4 nf", "PSCAN-END 5"))
	f.Add([]byte("PSCAN-BADINPUT"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, out []byte) {
		answers, err := ParseOutput(out, outReqs, 1<<16)
		if err != nil {
			if !errors.Is(err, ErrBadOutput) {
				t.Fatalf("error %v does not wrap ErrBadOutput", err)
			}
			return
		}
		if len(answers) != len(outReqs) {
			t.Fatalf("%d answers for %d requests", len(answers), len(outReqs))
		}
		for i, a := range answers {
			if a.Found && a.Err != nil {
				t.Fatalf("answer %d both found and failed", i)
			}
		}
	})
}

func FuzzDecodeRequests(f *testing.F) {
	data, _, _ := EncodeRequests(outReqs)
	f.Add(data)
	f.Add([]byte("PSCAN-REQ 1 0\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		reqs, err := DecodeRequests(in)
		if err != nil {
			return
		}
		// What decodes must re-encode to an equivalent block.
		again, sent, _ := EncodeRequests(reqs)
		if len(sent) != len(reqs) {
			t.Fatalf("decoded requests that cannot be re-sent: %+v", reqs)
		}
		back, err := DecodeRequests(again)
		if err != nil || !reflect.DeepEqual(back, reqs) {
			t.Fatalf("re-encoding changed the requests: %+v vs %+v (%v)", back, reqs, err)
		}
	})
}
