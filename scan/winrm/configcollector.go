package winrm

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/patchscan/patchscan/facts"
	"github.com/patchscan/patchscan/internal/textsafe"
)

// The configuration collector (issue 16) answers the configuration facts
// (local users, Administrators, shares, audit policy, volumes, services)
// in a second PowerShell command, run only for batches that have them. It
// is sent the way the registry collector is: the script as
// -EncodedCommand, the requests on stdin, so nothing from a baseline or a
// host is ever part of a command.
//
// It reads, with what every Windows PowerShell since 2.0 has:
//
//	users          Win32_UserAccount (LocalAccount=True): SID, name, full name; the flags from Disabled, PasswordRequired, PasswordExpires, Lockout
//	Administrators the group of SID S-1-5-32-544 through ADSI WinNT://: each member's objectSid, ADsPath and class
//	shares         Win32_Share; ACLs from Win32_LogicalShareSecuritySetting (none for the administrative shares)
//	audit policy   auditpol /get /category:* /r: one line per subcategory GUID and its setting; the categories are made from the GUIDs here (auditGUIDs)
//	volumes        Win32_LogicalDisk DriveType=3 (fixed): file system name (no FILE_PERSISTENT_ACLS: the name decides)
//	services       Win32_Service by name: StartMode, State
//
// auditpol words its settings in the host's language; an answer that is
// not English makes the audit policy unavailable (the checks say so), not
// guessed.
//
// Input: "PSCAN-CFG 1 <n>", then one request a line: U, A, S, P, V, or
// "C <name>" (base64). Output: see ParseConfigOutput.
const configScript = `
$ErrorActionPreference = 'Stop'
$o = [Console]::Out
$u8 = [Text.Encoding]::UTF8
function B([byte[]]$b) { if ($null -eq $b -or $b.Length -eq 0) { '-' } else { [Convert]::ToBase64String($b) } }
function S($s) { B ($u8.GetBytes("$s")) }
function E($r) { $e = $r.Exception; while ($e.InnerException) { $e = $e.InnerException }; $e }
function W($c, $f) { Get-WmiObject $c -Filter $f }
function U { foreach ($a in @(W Win32_UserAccount 'LocalAccount=True')) {
  $f=16;if($a.Disabled){$f+=1};if(!$a.PasswordRequired){$f+=4};if(!$a.PasswordExpires){$f+=512};if($a.Lockout){$f+=1024}
  "u $($a.SID.Split('-')[-1]) $(S $a.SID) $(S $a.Name) $(S $a.FullName) $f" } }
function A {
  $n = (New-Object Security.Principal.SecurityIdentifier 'S-1-5-32-544').Translate([Security.Principal.NTAccount]).Value.Split('\')[-1]
  foreach ($m in @(([ADSI]"WinNT://./$n,group").Invoke('Members'))) {
    $t = $m.GetType()
    $g = { param($p) $t.InvokeMember($p, 'GetProperty', $null, $m, $null) }
    $i = (New-Object Security.Principal.SecurityIdentifier((& $g 'objectSid'), 0)).Value
    $p = (& $g 'ADsPath').Split('/')
    "m $(S $i) $(S $p[-2]) $(S $p[-1]) $(S (& $g 'Class'))" } }
function H { $ls = @(Get-WmiObject Win32_LogicalShareSecuritySetting)
  foreach ($s in @(Get-WmiObject Win32_Share)) {
    $d=$null;foreach($l in $ls){if($l.Name -eq $s.Name){$d=$l.GetSecurityDescriptor().Descriptor}}
    "s $(S $s.Name) $($s.Type) $(S $s.Path) $(S $s.Description) $([int]($null -ne $d))"
    if ($d) { foreach ($x in @($d.DACL)) { $t = $x.Trustee; "e $(S $t.SIDString) $([int]($x.AceType -eq 0)) $($x.AccessMask) $(S ($t.Domain + '\' + $t.Name))" } } } }
function P { $r = @(auditpol /get /category:* /r | ? { $_ })
  if ($LASTEXITCODE -or $r.Count -lt 2) { throw 'auditpol' }
  'p 1'; foreach ($x in @($r[1..($r.Count - 1)] | ConvertFrom-Csv -Header a,b,c,g,i,x)) {
    $v=@{'No Auditing'=0;'Success'=1;'Failure'=2;'Success and Failure'=3}[$x.i]
    if ($null -eq $v) { throw ('NA ' + $x.i) }
    "a $(S $x.g) $v" } }
function V { foreach ($v in @(W Win32_LogicalDisk 'DriveType=3')) { "v $(S ($v.DeviceID + '\')) $(S $v.FileSystem) -" } }
function C($n) { $s = W Win32_Service "Name='$n'"; if (!$s) { return }
  "svc $(S $s.Name) $(S $s.DisplayName) $(S $s.StartMode) $(S $s.State)" }
function Q($f) { $k = $f[0]
  $l=@(switch($k){'U'{U}'A'{A}'S'{H}'P'{P}'V'{V}'C'{C ($u8.GetString([Convert]::FromBase64String($f[1])))}default{throw 'bad request'}})
  if ($k -eq 'C' -and $l.Count -eq 0) { return 'nf' }
  'ok ' + (S ($l -join "` + "`" + `n")) }
$q = @($input | % { "$_".Trim() } | ? { $_ })
$n = $q.Count - 1
if ($n -lt 0 -or $q[0] -ne "PSCAN-CFG 1 $n") { $o.WriteLine('PSCAN-BADINPUT'); exit 3 }
$o.WriteLine("PSCAN-CFGOUT 1 $n")
for ($j = 1; $j -le $n; $j++) {
  try { $r = Q ($q[$j].Split(' ')) } catch {
    $e = E $_; $m = $e.Message; $r = 'err '
    if ($m -like 'NA *') { $r = 'na '; $m = $m.Substring(3) }
    if ($e -is [UnauthorizedAccessException]) { $r = 'denied ' }
    $r += (S $m)
  }
  $o.WriteLine("$($j - 1) $r")
}
$o.WriteLine("PSCAN-END $n")
$o.Flush()
exit 0
`

var compactConfig = compactScript(configScript)

// ConfigScript returns the configuration collector as the remote
// powershell.exe runs it.
func ConfigScript() string { return compactConfig }

// ConfigCommandLine is the command that runs the configuration collector.
func ConfigCommandLine() string { return commandPrefix + EncodeCommand(compactConfig) }

// serviceName is what a service request may name: service key names are
// letters, digits and a few marks, never quotes or path separators (the
// collector puts the name in a WMI filter).
var serviceName = regexp.MustCompile(`^[A-Za-z0-9_.$ -]{1,256}$`)

// isConfigKind reports the kinds the configuration collector answers.
func isConfigKind(k facts.FactKind) bool {
	switch k {
	case facts.FactUsers, facts.FactAdministrators, facts.FactShares, facts.FactAuditPolicy, facts.FactVolumes, facts.FactService:
		return true
	}
	return false
}

var configTokens = map[facts.FactKind]string{
	facts.FactUsers: "U", facts.FactAdministrators: "A", facts.FactShares: "S",
	facts.FactAuditPolicy: "P", facts.FactVolumes: "V",
}

// EncodeConfigRequests builds the configuration collector's stdin, as
// EncodeRequests does for the registry collector.
func EncodeConfigRequests(reqs []facts.Request) (data []byte, sent []int, local []facts.Answer) {
	local = make([]facts.Answer, len(reqs))
	var lines []string
	for i, r := range reqs {
		line, err := encodeConfigRequest(r)
		if err != nil {
			local[i] = facts.Answer{Err: err}
			continue
		}
		sent = append(sent, i)
		lines = append(lines, line)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "PSCAN-CFG 1 %d\n", len(lines))
	for _, l := range lines {
		b.WriteString(l + "\n")
	}
	return b.Bytes(), sent, local
}

func encodeConfigRequest(r facts.Request) (string, error) {
	if t, ok := configTokens[r.Kind]; ok {
		return t, nil
	}
	if r.Kind != facts.FactService {
		return "", fmt.Errorf("unsupported fact kind %d", r.Kind)
	}
	if !serviceName.MatchString(r.Name) {
		return "", fmt.Errorf("%q is not a service name", textsafe.Line(r.Name, maxQuoted))
	}
	return "C " + tok(r.Name), nil
}

// DecodeConfigRequests parses the configuration collector's stdin back
// into requests (for the test server); strict and bounded.
func DecodeConfigRequests(data []byte) ([]facts.Request, error) {
	lines := strings.Split(strings.TrimRight(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n"), "\n")
	var n int
	if _, err := fmt.Sscanf(lines[0], "PSCAN-CFG 1 %d", &n); err != nil || lines[0] != fmt.Sprintf("PSCAN-CFG 1 %d", n) {
		return nil, fmt.Errorf("config request block: bad header %q", textsafe.Line(lines[0], maxQuoted))
	}
	if n < 0 || n > maxRequests || len(lines)-1 != n {
		if n == 0 && len(lines) == 1 {
			return nil, nil
		}
		return nil, fmt.Errorf("config request block: header says %d requests, found %d lines", n, len(lines)-1)
	}
	reqs := make([]facts.Request, 0, n)
	for i, line := range lines[1:] {
		r, err := decodeConfigRequest(line)
		if err != nil {
			return nil, fmt.Errorf("config request block line %d: %w", i+2, err)
		}
		reqs = append(reqs, r)
	}
	return reqs, nil
}

func decodeConfigRequest(line string) (facts.Request, error) {
	for k, t := range configTokens {
		if line == t {
			return facts.Request{Kind: k}, nil
		}
	}
	name, ok := strings.CutPrefix(line, "C ")
	if !ok {
		return facts.Request{}, fmt.Errorf("malformed request %q", textsafe.Line(line, maxQuoted))
	}
	s, err := untok(name)
	if err != nil {
		return facts.Request{}, err
	}
	if !serviceName.MatchString(s) {
		return facts.Request{}, errors.New("not a service name")
	}
	return facts.Request{Kind: facts.FactService, Name: s}, nil
}
