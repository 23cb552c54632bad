// Package winrm reads a host's facts over WS-Management (WinRM): the
// engine's whole batch of fact requests is answered by one PowerShell
// command per Facts call, run in a remote shell through
// github.com/masterzen/winrm's SOAP messages.
//
// The collector is a fixed PowerShell script passed with -EncodedCommand.
// The requests themselves (registry paths, value names, file paths) travel
// as data on the command's stdin, base64-encoded, one request a line: they
// are never spliced into the script text, so a hostile catalog or host path
// cannot inject PowerShell. Stdin (rather than a data block inside the
// script) also keeps the command line short: WinRS runs commands through
// cmd.exe, whose command line is limited to 8191 characters, and a batch of
// a few hundred file paths would not fit.
package winrm

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/patchscan/patchscan/facts"
	"github.com/patchscan/patchscan/internal/textsafe"
)

// collectorScript is the readable source of the collector. It must run on
// Windows PowerShell 2.0 (CLR 2: no ConvertTo-Json, no Get-FileHash, no
// RegistryKey.OpenBaseKey, no ::new()) through 5.1 and PowerShell 7.
// Lines starting with '#' and leading indentation are stripped before it is
// encoded (see compactScript), so comments here cost nothing on the wire.
//
// Input (stdin), one token-separated line each, every string base64(UTF-8)
// or "-" for empty:
//
//	PSCAN-REQ 1 <n>
//	K <hive> <key>              registry key exists?
//	R <hive> <key> <name>       registry value (type + raw bytes)
//	F <path> <0|1>              file size, version, optional SHA-256
//
// Output (stdout), see ParseOutput for the grammar:
//
//	PSCAN-OUT 1 <n>
//	<i> ok|nf|err <msg>|denied <msg> [fields...]
//	PSCAN-END <n>
const collectorScript = `
$ErrorActionPreference = 'Stop'
$o = [Console]::Out
$u8 = [Text.Encoding]::UTF8
# Hive tokens -> base keys (the native registry view: WinRM starts the
# native powershell.exe).
$hv = @{ LM = [Microsoft.Win32.Registry]::LocalMachine; U = [Microsoft.Win32.Registry]::Users; CR = [Microsoft.Win32.Registry]::ClassesRoot }
# B: bytes -> base64 token ("-" when empty). S: string -> base64(UTF-8).
# D: token -> string.
function B([byte[]]$b) { if ($null -eq $b -or $b.Length -eq 0) { '-' } else { [Convert]::ToBase64String($b) } }
function S([string]$s) { B ($u8.GetBytes("$s")) }
function D([string]$t) { if ($t -eq '-') { '' } else { $u8.GetString([Convert]::FromBase64String($t)) } }
# E: innermost exception of an error record.
function E($r) { $e = $r.Exception; while ($e.InnerException) { $e = $e.InnerException }; $e }
# K: open a subkey read-only; $null when absent.
function K($f) { $h = $hv[$f[1]]; if (!$h) { throw 'bad hive' }; $h.OpenSubKey((D $f[2])) }
# V: registry value -> "<type> <base64 raw data>", laid out as the registry
# stores it (strings UTF-16LE with their NUL, numbers little-endian).
function V($k, $n) {
  $v = $k.GetValue($n, $null, 'DoNotExpandEnvironmentNames')
  $t = [int]$k.GetValueKind($n)
  $b = $null
  if ($t -eq 1 -or $t -eq 2) { $v = "$v" + [char]0 }
  if ($t -eq 7) { $m = ''; foreach ($x in $v) { $m += "$x" + [char]0 }; $v = $m + [char]0 }
  if ($v -is [string]) { $b = [Text.Encoding]::Unicode.GetBytes($v) }
  elseif ($t -eq 4) { $b = [BitConverter]::GetBytes([int]$v) }
  elseif ($t -eq 11) { $b = [BitConverter]::GetBytes([long]$v) }
  elseif ($v -is [byte[]]) { $b = $v }
  if ($t -lt 0 -or $t -gt 11) { $t = 0 }
  "$t " + (B $b)
}
# Q: answer one request, already split into tokens.
function Q($f) {
  $c = $f[0] + $f.Length
  if ($c -eq 'K3') { $k = K $f; if (!$k) { return 'nf' }; $k.Close(); return 'ok' }
  if ($c -eq 'R4') {
    $k = K $f
    if (!$k) { return 'nf' }
    try { $n = D $f[3]; if (@($k.GetValueNames()) -notcontains $n) { return 'nf' }; return 'ok ' + (V $k $n) } finally { $k.Close() }
  }
  if ($c -ne 'F3') { throw 'bad request' }
  $p = D $f[1]
  try { $a = [IO.File]::GetAttributes($p) } catch {
    $e = E $_
    if ($e -is [IO.FileNotFoundException] -or $e -is [IO.DirectoryNotFoundException]) { return 'nf' }
    throw
  }
  if (([int]$a -band 16) -ne 0) { return 'nf' }
  $i = [Diagnostics.FileVersionInfo]::GetVersionInfo($p)
  $v = '-'
  if ($i.FileMajorPart -or $i.FileMinorPart -or $i.FileBuildPart -or $i.FilePrivatePart -or $i.FileVersion) {
    $v = '{0}.{1}.{2}.{3}' -f $i.FileMajorPart, $i.FileMinorPart, $i.FileBuildPart, $i.FilePrivatePart
  }
  $h = '-'
  if ($f[2] -eq '1') {
    $s = [IO.File]::Open($p, 'Open', 'Read', 'ReadWrite')
    # The CNG/CSP class works under the FIPS policy, where SHA256Managed
    # (what Create() returns on .NET Framework) refuses to run.
    try { $x = New-Object Security.Cryptography.SHA256CryptoServiceProvider } catch { $x = [Security.Cryptography.SHA256]::Create() }
    try { $h = ([BitConverter]::ToString($x.ComputeHash($s)) -replace '-', '').ToLower() } finally { $s.Close() }
  }
  'ok ' + (New-Object IO.FileInfo $p).Length + " $v " + (S $i.FileVersion) + " $h"
}
$q = @($input | % { "$_".Trim() } | ? { $_ })
$n = $q.Count - 1
if ($n -lt 0 -or $q[0] -ne "PSCAN-REQ 1 $n") { $o.WriteLine('PSCAN-BADINPUT'); exit 3 }
$o.WriteLine("PSCAN-OUT 1 $n")
for ($j = 1; $j -le $n; $j++) {
  try { $r = Q ($q[$j].Split(' ')) } catch {
    $e = E $_
    $r = 'err '
    if ($e -is [UnauthorizedAccessException] -or $e -is [Security.SecurityException]) { $r = 'denied ' }
    $r += (S $e.Message)
  }
  $o.WriteLine("$($j - 1) $r")
}
$o.WriteLine("PSCAN-END $n")
$o.Flush()
exit 0
`

// compactScript drops comment lines, blank lines and indentation. The script
// has no here-strings or multi-line string literals, so this is safe.
func compactScript(s string) string {
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.String()
}

var compactCollector = compactScript(collectorScript)

// CollectorScript returns the exact script text the remote powershell.exe
// runs (the test server compares a decoded command against it).
func CollectorScript() string { return compactCollector }

// maxCommandLine is cmd.exe's command-line limit; WinRS runs commands
// through cmd.exe (WINRS_SKIP_CMD_SHELL=FALSE), so the collector's encoded
// command must stay below it.
const maxCommandLine = 8191

// commandPrefix is how the collector is started. -NonInteractive makes a
// prompt (which would hang the shell) an error instead.
const commandPrefix = "powershell -NoProfile -NonInteractive -EncodedCommand "

// CommandLine is the command run in the remote shell.
func CommandLine() string { return commandPrefix + EncodeCommand(compactCollector) }

// EncodeCommand encodes a script for powershell -EncodedCommand:
// base64 of its UTF-16LE text.
func EncodeCommand(script string) string {
	u := utf16.Encode([]rune(script))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		b[2*i] = byte(c)
		b[2*i+1] = byte(c >> 8)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// DecodeCommandLine is EncodeCommand's inverse for a full command line; it
// returns an error unless the line is exactly how CommandLine starts the
// collector (the test server uses it to check what it was asked to run).
func DecodeCommandLine(cmd string) (string, error) {
	enc, ok := strings.CutPrefix(cmd, commandPrefix)
	if !ok {
		return "", fmt.Errorf("command does not start with %q", commandPrefix)
	}
	raw, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		return "", fmt.Errorf("encoded command is not base64: %w", err)
	}
	if len(raw)%2 != 0 {
		return "", errors.New("encoded command is not UTF-16LE (odd length)")
	}
	u := make([]uint16, len(raw)/2)
	for i := range u {
		u[i] = uint16(raw[2*i]) | uint16(raw[2*i+1])<<8
	}
	return string(utf16.Decode(u)), nil
}

// Limits on the request data block, so DecodeRequests (fed by whoever talks
// to the test server) stays bounded.
const (
	maxRequests   = 100000
	maxRequestLen = 64 << 10 // one decoded key, name or path
)

// hives maps the hive prefixes the engine may use to the collector's tokens.
var hives = []struct{ prefix, token string }{
	{"HKEY_LOCAL_MACHINE", "LM"},
	{"HKLM", "LM"},
	{"HKEY_USERS", "U"},
	{"HKU", "U"},
	{"HKEY_CLASSES_ROOT", "CR"},
	{"HKCR", "CR"},
}

// canonicalHive is the prefix DecodeRequests gives back for each token.
var canonicalHive = map[string]string{"LM": "HKLM", "U": "HKU", "CR": "HKCR"}

// splitKey splits "HKLM\SOFTWARE\X" into the hive token and the subkey path.
func splitKey(key string) (hive, sub string, err error) {
	for _, h := range hives {
		if len(key) >= len(h.prefix) && strings.EqualFold(key[:len(h.prefix)], h.prefix) {
			rest := key[len(h.prefix):]
			if rest == "" {
				return h.token, "", nil
			}
			if rest[0] == '\\' {
				return h.token, strings.Trim(rest, `\`), nil
			}
		}
	}
	return "", "", fmt.Errorf("registry key %q has no supported hive prefix (HKLM, HKU, HKCR)", key)
}

func tok(s string) string {
	if s == "" {
		return "-"
	}
	return base64.StdEncoding.EncodeToString([]byte(s))
}

func untok(t string) (string, error) {
	if t == "-" {
		return "", nil
	}
	if base64.StdEncoding.DecodedLen(len(t)) > maxRequestLen {
		return "", fmt.Errorf("field of %d characters is longer than %d bytes", len(t), maxRequestLen)
	}
	b, err := base64.StdEncoding.Strict().DecodeString(t)
	if err != nil {
		return "", fmt.Errorf("field is not base64: %w", err)
	}
	if len(b) == 0 {
		return "", errors.New("empty field must be written as -")
	}
	if !utf8.Valid(b) {
		return "", errors.New("field is not UTF-8")
	}
	return string(b), nil
}

// EncodeRequests builds the collector's stdin for a batch. Requests that
// cannot be sent (unknown hive, empty path, unknown kind) are not sent:
// their answers are returned in local, with a nil entry for every request
// that was sent; sent lists the indexes of the sent requests in order.
func EncodeRequests(reqs []facts.Request) (data []byte, sent []int, local []facts.Answer) {
	var b bytes.Buffer
	local = make([]facts.Answer, len(reqs))
	var lines []string
	for i, r := range reqs {
		line, err := encodeRequest(r)
		if err != nil {
			local[i] = facts.Answer{Err: err}
			continue
		}
		sent = append(sent, i)
		lines = append(lines, line)
	}
	fmt.Fprintf(&b, "PSCAN-REQ 1 %d\n", len(lines))
	for _, l := range lines {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.Bytes(), sent, local
}

func encodeRequest(r facts.Request) (string, error) {
	switch r.Kind {
	case facts.FactRegKey, facts.FactRegValue:
		hive, sub, err := splitKey(r.Key)
		if err != nil {
			return "", err
		}
		if r.Kind == facts.FactRegKey {
			return "K " + hive + " " + tok(sub), nil
		}
		return "R " + hive + " " + tok(sub) + " " + tok(r.Name), nil
	case facts.FactFile:
		if r.Path == "" {
			return "", errors.New("file request with an empty path")
		}
		h := "0"
		if r.SHA256 {
			h = "1"
		}
		return "F " + tok(r.Path) + " " + h, nil
	}
	return "", fmt.Errorf("unsupported fact kind %d", r.Kind)
}

// DecodeRequests parses a collector stdin block back into requests, exactly
// as the script reads it. The test server uses it; it is strict and bounded
// because its input comes from the network.
func DecodeRequests(data []byte) ([]facts.Request, error) {
	lines := strings.Split(strings.TrimRight(string(data), "\r\n"), "\n")
	for i := range lines {
		lines[i] = strings.TrimSuffix(lines[i], "\r")
	}
	var n int
	if _, err := fmt.Sscanf(lines[0], "PSCAN-REQ 1 %d", &n); err != nil || lines[0] != "PSCAN-REQ 1 "+strconv.Itoa(n) {
		return nil, fmt.Errorf("request block: bad header %q", textsafe.Line(lines[0], maxQuoted))
	}
	if n < 0 || n > maxRequests {
		return nil, fmt.Errorf("request block: %d requests is out of range (0..%d)", n, maxRequests)
	}
	if len(lines)-1 != n {
		if n == 0 && len(lines) == 1 {
			return nil, nil
		}
		return nil, fmt.Errorf("request block: header says %d requests, found %d lines", n, len(lines)-1)
	}
	reqs := make([]facts.Request, 0, n)
	for i, line := range lines[1:] {
		r, err := decodeRequest(line)
		if err != nil {
			return nil, fmt.Errorf("request block line %d: %w", i+2, err)
		}
		reqs = append(reqs, r)
	}
	return reqs, nil
}

func decodeRequest(line string) (facts.Request, error) {
	f := strings.Split(line, " ")
	switch {
	case f[0] == "K" && len(f) == 3, f[0] == "R" && len(f) == 4:
		prefix, ok := canonicalHive[f[1]]
		if !ok {
			return facts.Request{}, fmt.Errorf("unknown hive %q", textsafe.Line(f[1], maxQuoted))
		}
		sub, err := untok(f[2])
		if err != nil {
			return facts.Request{}, fmt.Errorf("key: %w", err)
		}
		if strings.HasPrefix(sub, `\`) || strings.HasSuffix(sub, `\`) {
			return facts.Request{}, fmt.Errorf("key %q is not canonical (leading or trailing backslash)", textsafe.Line(sub, maxQuoted))
		}
		key := prefix
		if sub != "" {
			key += `\` + sub
		}
		if f[0] == "K" {
			return facts.Request{Kind: facts.FactRegKey, Key: key}, nil
		}
		name, err := untok(f[3])
		if err != nil {
			return facts.Request{}, fmt.Errorf("value name: %w", err)
		}
		return facts.Request{Kind: facts.FactRegValue, Key: key, Name: name}, nil
	case f[0] == "F" && len(f) == 3:
		p, err := untok(f[1])
		if err != nil {
			return facts.Request{}, fmt.Errorf("path: %w", err)
		}
		if p == "" || (f[2] != "0" && f[2] != "1") {
			return facts.Request{}, errors.New("malformed file request")
		}
		return facts.Request{Kind: facts.FactFile, Path: p, SHA256: f[2] == "1"}, nil
	}
	return facts.Request{}, fmt.Errorf("malformed request %q", textsafe.Line(line, maxQuoted))
}

// maxQuoted bounds, in runes, the outside text an error quotes.
const maxQuoted = 200
