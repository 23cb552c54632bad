package winrm

import (
	"bytes"
	"encoding/base64"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/facts"
	"github.com/patchscan/patchscan/internal/textsafe"
)

var update = flag.Bool("update", false, "rewrite golden files")

// smallBatch is the golden test's batch: one of each request kind.
var smallBatch = []facts.Request{
	{Kind: facts.FactRegKey, Key: `HKLM\SOFTWARE\Microsoft\Updates\Windows 7\SP2\KB958644`},
	{Kind: facts.FactRegValue, Key: `HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion`, Name: "CurrentBuildNumber"},
	{Kind: facts.FactRegValue, Key: `HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\ProductOptions`, Name: ""},
	{Kind: facts.FactFile, Path: `C:\Windows\System32\drivers\srv.sys`},
	{Kind: facts.FactFile, Path: `C:\Windows\System32\win32k.sys`, SHA256: true},
}

func TestCollectorGolden(t *testing.T) {
	data, sent, local := EncodeRequests(smallBatch)
	if len(sent) != len(smallBatch) {
		t.Fatalf("sent %v, want all %d requests (local answers: %+v)", sent, len(smallBatch), local)
	}
	var got bytes.Buffer
	got.WriteString("# command line\n" + CommandLine() + "\n# script\n" + CollectorScript() + "# stdin\n")
	got.Write(data)
	golden := filepath.Join("testdata", "collector.golden")
	if *update {
		if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./scan/winrm -run TestCollectorGolden -update to create it)", err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Errorf("generated collector differs from %s; if the change is intended, rerun with -update and review the diff\n--- got ---\n%s", golden, got.String())
	}
}

func TestCommandLineFitsCmdExe(t *testing.T) {
	// WinRS starts commands with cmd.exe /c, limited to 8191 characters.
	if n := len(CommandLine()); n >= maxCommandLine {
		t.Fatalf("command line is %d characters, cmd.exe allows %d: shorten the collector", n, maxCommandLine)
	}
	script, err := DecodeCommandLine(CommandLine())
	if err != nil || script != CollectorScript() {
		t.Fatalf("DecodeCommandLine(CommandLine()) = %q, %v; want the collector", script, err)
	}
}

// TestCollectorPowerShell2 guards against constructs that need PowerShell 3
// or later, or .NET 4 (Windows 7 / 2008 R2 ship PowerShell 2.0 on CLR 2).
func TestCollectorPowerShell2(t *testing.T) {
	forbidden := []string{
		"ConvertTo-Json", "ConvertFrom-Json", "Get-FileHash", "OpenBaseKey", "::new(",
		"[ordered]", "$PSItem", " -in ", " -notin ", "[pscustomobject]", "-shl", "-shr",
		"Invoke-Expression", "iex ", "& $", "Add-Type",
	}
	for _, f := range forbidden {
		if strings.Contains(strings.ToLower(collectorScript), strings.ToLower(f)) {
			t.Errorf("collector uses %q, which Windows PowerShell 2.0 lacks or which would run code from data", f)
		}
	}
	// The script must be pure ASCII: it is compared byte for byte after
	// the UTF-16 round trip, and non-ASCII would hint at pasted data.
	for i, r := range collectorScript {
		if r > 0x7e || (r < 0x20 && r != '\n') {
			t.Fatalf("collector has non-ASCII or control character %U at %d", r, i)
		}
	}
}

var hostilePaths = []string{
	`C:\Program Files\it's "quoted"\x.dll`,
	`C:\$(Remove-Item -Recurse C:\)\y.dll`,
	"C:\\back`tick`$env:windir\\z.dll",
	"C:\\new\nline\r\nhere\\a.dll",
	`C:\Ünïcödé\日本語\файл.dll`,
	`C:\semi;colon & amp | pipe > gt < lt\b.dll`,
	"C:\\tab\there\\ PSCAN-END 1 \\c.dll",
	`C:\'; exit 0; '\d.dll`,
	"C:\\emoji\U0001F600\\e.dll",
}

// TestHostilePathsAreData checks that hostile paths and names travel as
// data: they never appear in the script, and the data block decodes back
// to exactly the requests sent.
func TestHostilePathsAreData(t *testing.T) {
	var reqs []facts.Request
	for _, p := range hostilePaths {
		reqs = append(reqs,
			facts.Request{Kind: facts.FactFile, Path: p, SHA256: true},
			facts.Request{Kind: facts.FactRegValue, Key: `HKLM\SOFTWARE\` + strings.ReplaceAll(p, `C:\`, ""), Name: p},
			facts.Request{Kind: facts.FactRegKey, Key: `HKLM\` + strings.ReplaceAll(p, `C:\`, "")},
		)
	}
	data, sent, _ := EncodeRequests(reqs)
	if len(sent) != len(reqs) {
		t.Fatalf("only %d of %d requests sent", len(sent), len(reqs))
	}
	for _, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		if !regexp.MustCompile(`^(PSCAN-REQ 1 \d+|[KRF]( [A-Za-z0-9+/=-]+)+)$`).MatchString(line) {
			t.Errorf("data line %q is not tokens of base64", line)
		}
	}
	for _, p := range hostilePaths {
		if strings.Contains(CollectorScript(), p) || strings.Contains(string(data), p) {
			t.Errorf("path %q appears verbatim in the script or data block", p)
		}
	}
	got, err := DecodeRequests(data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, reqs) {
		t.Errorf("decoded requests differ:\n got %+v\nwant %+v", got, reqs)
	}
}

func TestEncodeRequestsLocalErrors(t *testing.T) {
	reqs := []facts.Request{
		{Kind: facts.FactRegKey, Key: `HKCU\Software`}, // HKCU is the WinRM user's, never meant
		{Kind: facts.FactFile, Path: ""},
		{Kind: facts.FactRegKey, Key: `HKLM`},
		{Kind: 99},
		{Kind: facts.FactRegValue, Key: `HKLMX\Software`, Name: "x"},
	}
	data, sent, local := EncodeRequests(reqs)
	if !reflect.DeepEqual(sent, []int{2}) {
		t.Fatalf("sent = %v, want [2]", sent)
	}
	for _, i := range []int{0, 1, 3, 4} {
		if local[i].Err == nil {
			t.Errorf("request %d: want a local error", i)
		}
	}
	got, err := DecodeRequests(data)
	if err != nil || len(got) != 1 || got[0].Key != "HKLM" {
		t.Errorf("DecodeRequests = %+v, %v", got, err)
	}
}

func TestDecodeRequestsRejects(t *testing.T) {
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	tests := []struct{ name, in string }{
		{"empty", ""},
		{"no header", "K LM " + b64("x") + "\n"},
		{"count mismatch", "PSCAN-REQ 1 2\nK LM " + b64("x") + "\n"},
		{"bad hive", "PSCAN-REQ 1 1\nK HKXX " + b64("x") + "\n"},
		{"not base64", "PSCAN-REQ 1 1\nK LM !!!\n"},
		{"empty token", "PSCAN-REQ 1 1\nR LM " + b64("x") + " \n"},
		{"bad sha flag", "PSCAN-REQ 1 1\nF " + b64("C:\\x") + " 2\n"},
		{"empty path", "PSCAN-REQ 1 1\nF - 0\n"},
		{"unknown kind", "PSCAN-REQ 1 1\nX LM " + b64("x") + "\n"},
		{"huge count", "PSCAN-REQ 1 999999999\n"},
		{"not utf8", "PSCAN-REQ 1 1\nK LM " + base64.StdEncoding.EncodeToString([]byte{0xff, 0xfe}) + "\n"},
		{"header with junk", "PSCAN-REQ 1 01\nK LM -\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got, err := DecodeRequests([]byte(tc.in)); err == nil {
				t.Errorf("DecodeRequests(%q) = %+v, want an error", tc.in, got)
			}
		})
	}
}

func TestClip(t *testing.T) {
	got := textsafe.Line("a\x00b\nc"+strings.Repeat("x", 300), maxQuoted)
	if strings.ContainsAny(got, "\x00\n") || len(got) > 210 || !strings.HasSuffix(got, textsafe.Cut) {
		t.Errorf("quoted = %q", got)
	}
	if !errors.Is(badOutput("x"), ErrBadOutput) {
		t.Error("badOutput does not wrap ErrBadOutput")
	}
}
