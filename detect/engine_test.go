package detect_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/patchscan/patchscan/catalog"
	"github.com/patchscan/patchscan/detect"
	"github.com/patchscan/patchscan/detect/memhost"
	"github.com/patchscan/patchscan/facts"
)

const updKey = `HKLM\SOFTWARE\Microsoft\Updates\Windows Server 2008 R2\SP1\KB821557`

func TestVerdicts(t *testing.T) {
	sum := strings.Repeat("a", 64)
	bad := strings.Repeat("b", 64)
	withSum := func(c catalog.FileCheck, sha, lang string) catalog.FileCheck {
		c.SHA256, c.Language = sha, lang
		return c
	}
	tests := []struct {
		name      string
		bulletins []catalog.Bulletin
		host      func(h *memhost.Host)
		opts      detect.Options
		want      map[string]detect.Status
		reasons   map[string]string // KB -> a reason that must be present verbatim
		superBy   map[string]string
	}{
		{
			name:      "installed: file at exactly the expected version",
			bulletins: []catalog.Bulletin{bulletin("MS17-010", patch("KB1", fc(srvSys, "6.1.7601.17514")))},
			want:      map[string]detect.Status{"KB1": detect.StatusInstalled},
		},
		{
			name:      "missing: older file, MBSA wording",
			bulletins: []catalog.Bulletin{bulletin("MS17-010", patch("KB4012212", fc(srvSys, "6.1.7601.23689")))},
			want:      map[string]detect.Status{"KB4012212": detect.StatusMissing},
			reasons:   map[string]string{"KB4012212": `File C:\Windows\System32\drivers\srv.sys has version 6.1.7601.17514; 6.1.7601.23689 or later is required.`},
		},
		{
			name:      "warning: newer file",
			bulletins: []catalog.Bulletin{bulletin("MS03-023", patch("KB823559", fc(srvSys, "6.1.7601.1")))},
			want:      map[string]detect.Status{"KB823559": detect.StatusWarning},
			reasons:   map[string]string{"KB823559": `File C:\Windows\System32\drivers\srv.sys has a file version [6.1.7601.17514] greater than what is expected [6.1.7601.1].`},
		},
		{
			name:      "missing: file absent",
			bulletins: []catalog.Bulletin{bulletin("MS1", patch("KB1", fc(`%SystemRoot%\System32\nothere.dll`, "1.0")))},
			want:      map[string]detect.Status{"KB1": detect.StatusMissing},
			reasons:   map[string]string{"KB1": `File C:\Windows\System32\nothere.dll does not exist; version 1.0 or later is required.`},
		},
		{
			name:      "missing: registry key absent, MBSA wording",
			bulletins: []catalog.Bulletin{bulletin("MS03-027", patch("KB821557", regKey(updKey, catalog.OpExists)))},
			want:      map[string]detect.Status{"KB821557": detect.StatusMissing},
			reasons:   map[string]string{"KB821557": `The registry key ` + updKey + ` does not exist. It is required for this patch to be considered installed.`},
		},
		{
			name:      "installed: registry key present (different case)",
			bulletins: []catalog.Bulletin{bulletin("MS03-027", patch("KB821557", regKey(updKey, catalog.OpExists)))},
			host:      func(h *memhost.Host) { h.SetKey(strings.ToUpper(updKey)) },
			want:      map[string]detect.Status{"KB821557": detect.StatusInstalled},
		},
		{
			name:      "missing: registry value has the wrong value",
			bulletins: []catalog.Bulletin{bulletin("MS1", patch("KB1", regValue(updKey, "Installed", catalog.OpEquals, "1")))},
			host:      func(h *memhost.Host) { h.SetValue(updKey, "Installed", facts.DWORD(0)) },
			want:      map[string]detect.Status{"KB1": detect.StatusMissing},
			reasons:   map[string]string{"KB1": `The registry value ` + updKey + `\Installed has value [0]; [1] is required for this patch to be considered installed.`},
		},
		{
			name: "installed: registry value operators",
			bulletins: []catalog.Bulletin{bulletin("MS1", patch("KB1",
				regValue(updKey, "Installed", catalog.OpEquals, "1"),
				regValue(updKey, "Type", catalog.OpEquals, "update"),
				regValue(updKey, "Type", catalog.OpNotEquals, "hotfix"),
				regValue(updKey, "Ver", catalog.OpVersionGE, "6.1.2"),
				regValue(updKey, "Ver", catalog.OpVersionLT, "6.2"),
				regValue(updKey, "Count", catalog.OpNumberGE, "5"),
				regValue(updKey, "Count", catalog.OpNumberLE, "0x10"),
				regValue(updKey, "Big", catalog.OpNumberGE, "4294967296"),
				regValue(updKey, "Str", catalog.OpNumberLE, "12"),
				regValue(updKey, "Multi", catalog.OpMatches, `^KB\d+$`),
				regValue(updKey, "Gone", catalog.OpAbsent, ""),
				regKey(updKey+`\Nope`, catalog.OpAbsent),
			))},
			host: func(h *memhost.Host) {
				h.SetValue(updKey, "Installed", facts.DWORD(1))
				h.SetValue(updKey, "Type", facts.SZ("UPDATE"))
				h.SetValue(updKey, "Ver", facts.SZ("6.1.7601"))
				h.SetValue(updKey, "Count", facts.DWORD(7))
				h.SetValue(updKey, "Big", facts.QWORD(1<<33))
				h.SetValue(updKey, "Str", facts.SZ(" 12 "))
				h.SetValue(updKey, "Multi", facts.MultiSZ("x", "KB42"))
			},
			want: map[string]detect.Status{"KB1": detect.StatusInstalled},
		},
		{
			name:      "note: no detection criteria",
			bulletins: []catalog.Bulletin{bulletin("MS02-008", patch("KB1"))},
			want:      map[string]detect.Status{"KB1": detect.StatusNote},
		},
		{
			name: "note: two patches of one bulletin for one product disagree",
			bulletins: []catalog.Bulletin{bulletin("MS03-030",
				patch("KB1", fc(srvSys, "6.1.7601.17514")),
				patch("KB2", fc(srvSys, "6.1.7601.23689")))},
			want:    map[string]detect.Status{"KB1": detect.StatusInstalled, "KB2": detect.StatusNote},
			reasons: map[string]string{"KB2": "The patch cannot be confirmed: several patches of MS03-030 apply to Windows Server 2008 R2 and disagree (KB1 is installed)."},
		},
		{
			name: "missing: two patches of one bulletin agree",
			bulletins: []catalog.Bulletin{bulletin("MS1",
				patch("KB1", fc(srvSys, "6.1.7601.23689")),
				patch("KB2", fc(srvSys, "6.1.7601.23690")))},
			want: map[string]detect.Status{"KB1": detect.StatusMissing, "KB2": detect.StatusMissing},
		},
		{
			name: "not-applicable: product absent",
			bulletins: []catalog.Bulletin{bulletin("MS1",
				patch("KB1", fc(srvSys, "9.9"), catalog.AffectedProduct{ProductID: pWin7}))},
			want:    map[string]detect.Status{"KB1": detect.StatusNotApplicable},
			reasons: map[string]string{"KB1": "No product affected by this patch was detected on this host."},
		},
		{
			name: "not-applicable: host SP is at FixedInSP",
			bulletins: []catalog.Bulletin{bulletin("MS1",
				patch("KB1", fc(srvSys, "9.9"), catalog.AffectedProduct{ProductID: pServer, FixedInSP: 1}))},
			want:    map[string]detect.Status{"KB1": detect.StatusNotApplicable},
			reasons: map[string]string{"KB1": "Windows Server 2008 R2 is at service pack level 1, which includes this fix (fixed in service pack level 1)."},
		},
		{
			name: "applicable: host SP below FixedInSP",
			bulletins: []catalog.Bulletin{bulletin("MS1",
				patch("KB1", fc(srvSys, "9.9"), catalog.AffectedProduct{ProductID: pServer, FixedInSP: 2}))},
			want: map[string]detect.Status{"KB1": detect.StatusMissing},
		},
		{
			name: "not-applicable: host SP not among AffectedServicePack",
			bulletins: []catalog.Bulletin{bulletin("MS1",
				patch("KB1", fc(srvSys, "9.9"), catalog.AffectedProduct{ProductID: pServer, ServicePackIDs: []int{spGold, spSP2}}))},
			want:    map[string]detect.Status{"KB1": detect.StatusNotApplicable},
			reasons: map[string]string{"KB1": "The patch applies to Windows Server 2008 R2 only at service pack level(s) 0, 2; this host is at level 1."},
		},
		{
			name: "applicable: host SP among AffectedServicePack, second affected product",
			bulletins: []catalog.Bulletin{bulletin("MS1",
				patch("KB1", fc(srvSys, "9.9"), []catalog.AffectedProduct{
					{ProductID: pWin7},
					{ProductID: pServer, ServicePackIDs: []int{spSP1}},
				}))},
			want: map[string]detect.Status{"KB1": detect.StatusMissing},
		},
		{
			name:      "error: file access denied is never missing",
			bulletins: []catalog.Bulletin{bulletin("MS1", patch("KB1", fc(srvSys, "9.9")))},
			host: func(h *memhost.Host) {
				h.SetError(facts.Request{Kind: facts.FactFile, Path: srvPath}, fmt.Errorf("open ADMIN$: %w", facts.ErrAccessDenied))
			},
			want:    map[string]detect.Status{"KB1": detect.StatusError},
			reasons: map[string]string{"KB1": `File C:\Windows\System32\drivers\srv.sys could not be read: open ADMIN$: access denied.`},
		},
		{
			name:      "error: registry value unreadable",
			bulletins: []catalog.Bulletin{bulletin("MS1", patch("KB1", regValue(updKey, "Installed", catalog.OpEquals, "1")))},
			host: func(h *memhost.Host) {
				h.SetError(facts.Request{Kind: facts.FactRegValue, Key: updKey, Name: "Installed"}, errors.New("timeout"))
			},
			want:    map[string]detect.Status{"KB1": detect.StatusError},
			reasons: map[string]string{"KB1": `The registry value ` + updKey + `\Installed could not be read: timeout.`},
		},
		{
			name: "missing: a failing check wins over an unreadable one",
			bulletins: []catalog.Bulletin{bulletin("MS1", patch("KB1",
				regKey(updKey, catalog.OpExists), fc(srvSys, "1.0")))},
			host: func(h *memhost.Host) {
				h.SetError(facts.Request{Kind: facts.FactFile, Path: srvPath}, facts.ErrAccessDenied)
			},
			want: map[string]detect.Status{"KB1": detect.StatusMissing},
		},
		{
			name: "superseded: chain A <- B <- C, only C installed",
			bulletins: []catalog.Bulletin{
				bulletin("MS-A", patch("KBA", fc(srvSys, "6.1.7601.20000"), catalog.Supersedence{BulletinID: "MS-B", SQNumber: "KBB"})),
				bulletin("MS-B", patch("KBB", fc(srvSys, "6.1.7601.21000"), catalog.Supersedence{SQNumber: "kbc"})),
				bulletin("MS-C", patch("KBC", regKey(updKey, catalog.OpExists))),
			},
			host:    func(h *memhost.Host) { h.SetKey(updKey) },
			want:    map[string]detect.Status{"KBA": detect.StatusSuperseded, "KBB": detect.StatusSuperseded, "KBC": detect.StatusInstalled},
			superBy: map[string]string{"KBA": "MS-C KBC", "KBB": "MS-C KBC"},
			reasons: map[string]string{"KBA": "Superseded by MS-C KBC, which is installed."},
		},
		{
			name: "superseded: a warning (newer file) explained by an installed superseding patch",
			bulletins: []catalog.Bulletin{
				bulletin("MS17-010", patch("KB4012212", fc(srvSys, "6.1.7601.17000"), catalog.Supersedence{SQNumber: "KB4012215"})),
				bulletin("MS17-011", patch("KB4012215", fc(srvSys, "6.1.7601.17514"))),
			},
			want:    map[string]detect.Status{"KB4012212": detect.StatusSuperseded, "KB4012215": detect.StatusInstalled},
			superBy: map[string]string{"KB4012212": "MS17-011 KB4012215"},
		},
		{
			name: "warning stays a warning when no superseding patch is installed",
			bulletins: []catalog.Bulletin{
				bulletin("MS17-010", patch("KB4012212", fc(srvSys, "6.1.7601.17000"), catalog.Supersedence{SQNumber: "KB4012215"})),
				bulletin("MS17-011", patch("KB4012215", regKey(updKey, catalog.OpExists))),
			},
			want: map[string]detect.Status{"KB4012212": detect.StatusWarning, "KB4012215": detect.StatusMissing},
		},
		{
			name: "superseded by bulletin ID only",
			bulletins: []catalog.Bulletin{
				bulletin("MS-A", patch("KBA", fc(srvSys, "6.1.7601.20000"), catalog.Supersedence{BulletinID: "ms-c"})),
				bulletin("MS-C", patch("KBC", regKey(updKey, catalog.OpExists))),
			},
			host: func(h *memhost.Host) { h.SetKey(updKey) },
			want: map[string]detect.Status{"KBA": detect.StatusSuperseded, "KBC": detect.StatusInstalled},
		},
		{
			name: "supersedence: superseding patch missing too, so missing",
			bulletins: []catalog.Bulletin{
				bulletin("MS-A", patch("KBA", fc(srvSys, "6.1.7601.20000"), catalog.Supersedence{SQNumber: "KBB"})),
				bulletin("MS-B", patch("KBB", fc(srvSys, "6.1.7601.21000"))),
			},
			want: map[string]detect.Status{"KBA": detect.StatusMissing, "KBB": detect.StatusMissing},
		},
		{
			name: "supersedence cycle terminates",
			bulletins: []catalog.Bulletin{
				bulletin("MS-A", patch("KBA", fc(srvSys, "6.1.7601.20000"), catalog.Supersedence{SQNumber: "KBB"})),
				bulletin("MS-B", patch("KBB", fc(srvSys, "6.1.7601.21000"), catalog.Supersedence{SQNumber: "KBA"}, catalog.Supersedence{SQNumber: "KBB"})),
			},
			want: map[string]detect.Status{"KBA": detect.StatusMissing, "KBB": detect.StatusMissing},
		},
		{
			name:      "checksum on: equal version, wrong checksum is missing",
			bulletins: []catalog.Bulletin{bulletin("MS03-037", patch("KB822150", withSum(fc(srvSys, "6.1.7601.17514"), bad, "1031")))},
			opts:      detect.Options{Checksums: detect.ChecksumOn},
			want:      map[string]detect.Status{"KB822150": detect.StatusMissing},
			reasons:   map[string]string{"KB822150": `File C:\Windows\System32\drivers\srv.sys has an invalid checksum and its file version [6.1.7601.17514] is equal to what is expected [6.1.7601.17514].`},
		},
		{
			name:      "checksum on: matching checksum is installed",
			bulletins: []catalog.Bulletin{bulletin("MS1", patch("KB1", withSum(fc(srvSys, "6.1.7601.17514"), strings.ToUpper(sum), "")))},
			opts:      detect.Options{Checksums: detect.ChecksumOn},
			want:      map[string]detect.Status{"KB1": detect.StatusInstalled},
		},
		{
			name:      "checksum off: wrong checksum ignored",
			bulletins: []catalog.Bulletin{bulletin("MS1", patch("KB1", withSum(fc(srvSys, "6.1.7601.17514"), bad, "1033")))},
			opts:      detect.Options{Checksums: detect.ChecksumOff},
			want:      map[string]detect.Status{"KB1": detect.StatusInstalled},
		},
		{
			name:      "checksum auto: language matches host (0409 = 1033), verified",
			bulletins: []catalog.Bulletin{bulletin("MS1", patch("KB1", withSum(fc(srvSys, "6.1.7601.17514"), bad, "1033")))},
			want:      map[string]detect.Status{"KB1": detect.StatusMissing},
		},
		{
			name:      "checksum auto: other language, not verified",
			bulletins: []catalog.Bulletin{bulletin("MS1", patch("KB1", withSum(fc(srvSys, "6.1.7601.17514"), bad, "1031")))},
			want:      map[string]detect.Status{"KB1": detect.StatusInstalled},
		},
		{
			name:      "checksum auto: no Language means language-neutral, verified",
			bulletins: []catalog.Bulletin{bulletin("MS1", patch("KB1", withSum(fc(srvSys, "6.1.7601.17514"), bad, "")))},
			want:      map[string]detect.Status{"KB1": detect.StatusMissing},
		},
		{
			name:      "checksum auto: host language unknown, language-specific sum not verified",
			bulletins: []catalog.Bulletin{bulletin("MS1", patch("KB1", withSum(fc(srvSys, "6.1.7601.17514"), bad, "1033")))},
			host:      func(h *memhost.Host) { h.DeleteValue(nlsLang, "InstallLanguage") },
			want:      map[string]detect.Status{"KB1": detect.StatusInstalled},
		},
		{
			name:      "path variable unresolvable: error, never a guess",
			bulletins: []catalog.Bulletin{bulletin("MS1", patch("KB1", fc(`%ProgramFiles%\App\a.dll`, "1.0")))},
			host:      func(h *memhost.Host) { h.DeleteValue(winCV, "ProgramFilesDir") },
			want:      map[string]detect.Status{"KB1": detect.StatusError},
			reasons:   map[string]string{"KB1": `cannot resolve %ProgramFiles% on this host: ProgramFilesDir (HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion) not readable (the value does not exist).`},
		},
		{
			name:      "path variable: %SystemDrive% from SystemRoot, case-insensitive names",
			bulletins: []catalog.Bulletin{bulletin("MS1", patch("KB1", fc(`%systemdrive%\Windows\System32\drivers\srv.sys`, "6.1.7601.17514")))},
			host:      func(h *memhost.Host) { h.SetValue(ntCV, "SystemRoot", facts.SZ(`c:\windows\`)) },
			want:      map[string]detect.Status{"KB1": detect.StatusInstalled},
		},
		{
			name: "path variable: REG_EXPAND_SZ ProgramFilesDir with %SystemDrive%",
			bulletins: []catalog.Bulletin{bulletin("MS1", patch("KB1",
				fc(`%ProgramFiles%\App\a.dll`, "1.0"), fc(`%CommonProgramFiles%\b.dll`, "1.0"), fc(`%ProgramFiles(x86)%\c.dll`, "1.0")))},
			host: func(h *memhost.Host) {
				h.SetValue(winCV, "ProgramFilesDir", facts.ExpandSZ(`%SystemDrive%\Program Files`))
				h.SetFile(`C:\Program Files\App\a.dll`, facts.FileInfo{Version: "1.0.0.0"})
				h.SetFile(`C:\Program Files\Common Files\b.dll`, facts.FileInfo{Version: "1.0"})
				h.SetFile(`C:\Program Files (x86)\c.dll`, facts.FileInfo{Version: "1.0"})
			},
			want: map[string]detect.Status{"KB1": detect.StatusInstalled},
		},
		{
			name:      "path variable: hostile UNC SystemRoot is refused",
			bulletins: []catalog.Bulletin{bulletin("MS1", patch("KB1", fc(srvSys, "1.0")))},
			host:      func(h *memhost.Host) { h.SetValue(ntCV, "SystemRoot", facts.SZ(`\\evil\share`)) },
			want:      map[string]detect.Status{"KB1": detect.StatusError},
			reasons:   map[string]string{"KB1": `cannot resolve %SystemRoot% on this host: SystemRoot (HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion) has an unusable value "\\\\evil\\share" (not an absolute path like C:\Windows).`},
		},
		{
			name:      "path variable: unknown variable in the catalog",
			bulletins: []catalog.Bulletin{bulletin("MS1", patch("KB1", fc(`%Temp%\x.dll`, "1.0")))},
			want:      map[string]detect.Status{"KB1": detect.StatusError},
			reasons:   map[string]string{"KB1": `path "%Temp%\\x.dll" uses the unknown variable %Temp%.`},
		},
		{
			name:      "file-detected product: present (phase b)",
			bulletins: []catalog.Bulletin{bulletin("MS1", patch("KB1", fc(`%ProgramFiles%\TestApp\app.exe`, "2.5"), catalog.AffectedProduct{ProductID: pApp}))},
			host: func(h *memhost.Host) {
				h.SetKey(`HKLM\SOFTWARE\TestApp`)
				h.SetFile(`C:\Program Files\TestApp\app.exe`, facts.FileInfo{Version: "2.1"})
			},
			want: map[string]detect.Status{"KB1": detect.StatusMissing},
		},
		{
			name:      "file-detected product: too old, absent",
			bulletins: []catalog.Bulletin{bulletin("MS1", patch("KB1", fc(`%ProgramFiles%\TestApp\app.exe`, "2.5"), catalog.AffectedProduct{ProductID: pApp}))},
			host: func(h *memhost.Host) {
				h.SetKey(`HKLM\SOFTWARE\TestApp`)
				h.SetFile(`C:\Program Files\TestApp\app.exe`, facts.FileInfo{Version: "1.9"})
			},
			want: map[string]detect.Status{"KB1": detect.StatusNotApplicable},
		},
		{
			name:      "product detection unreadable: error, not missing or not-applicable",
			bulletins: []catalog.Bulletin{bulletin("MS1", patch("KB1", fc(srvSys, "9.9")))},
			host: func(h *memhost.Host) {
				h.SetError(facts.Request{Kind: facts.FactRegValue, Key: prodOpt, Name: "ProductType"}, facts.ErrAccessDenied)
			},
			want:    map[string]detect.Status{"KB1": detect.StatusError},
			reasons: map[string]string{"KB1": `Cannot tell whether Windows Server 2008 R2 is installed: The registry value ` + prodOpt + `\ProductType could not be read: access denied.`},
		},
		{
			name: "product detection: a failing rule wins over an unreadable one",
			bulletins: []catalog.Bulletin{bulletin("MS1",
				patch("KB1", fc(srvSys, "9.9"), catalog.AffectedProduct{ProductID: pOld}))},
			host: func(h *memhost.Host) {
				h.SetError(facts.Request{Kind: facts.FactRegValue, Key: prodOpt, Name: "ProductType"}, facts.ErrAccessDenied)
			},
			want: map[string]detect.Status{"KB1": detect.StatusNotApplicable},
		},
		{
			name: "service pack unreadable: SP-dependent patch is an error",
			bulletins: []catalog.Bulletin{bulletin("MS1",
				patch("KB1", fc(srvSys, "9.9"), catalog.AffectedProduct{ProductID: pServer, FixedInSP: 1}),
				patch("KB2", fc(srvSys, "9.9")))},
			host: func(h *memhost.Host) {
				h.SetError(facts.Request{Kind: facts.FactRegValue, Key: ntCV, Name: "CSDVersion"}, facts.ErrAccessDenied)
			},
			want: map[string]detect.Status{"KB1": detect.StatusError, "KB2": detect.StatusMissing},
		},
		{
			name:      "missing service pack",
			bulletins: nil,
			host:      func(h *memhost.Host) { h.DeleteValue(ntCV, "CSDVersion") },
			want:      map[string]detect.Status{"SP:Service Pack 1": detect.StatusMissing},
			reasons:   map[string]string{"SP:Service Pack 1": "Windows Server 2008 R2 is at service pack level 0; Service Pack 1 (level 1) is the current service pack."},
		},
		{
			name:      "baseline: only baseline bulletins",
			bulletins: []catalog.Bulletin{{ID: "MS1", Baseline: true, Patches: []catalog.Patch{patch("KB1", fc(srvSys, "9.9"))}}, bulletin("MS2", patch("KB2", fc(srvSys, "9.9")))},
			opts:      detect.Options{Baseline: true},
			want:      map[string]detect.Status{"KB1": detect.StatusMissing},
		},
		{
			name: "suppress by bulletin and by KB number without prefix",
			bulletins: []catalog.Bulletin{
				bulletin("MS1", patch("KB1", fc(srvSys, "9.9"))),
				bulletin("MS2", patch("KB2", fc(srvSys, "9.9"))),
				bulletin("MS3", patch("KB3", fc(srvSys, "9.9")))},
			opts: detect.Options{Suppress: []string{"ms1", "3"}},
			want: map[string]detect.Status{"KB2": detect.StatusMissing},
		},
		{
			name: "approved: only approved KBs, superseding unapproved patch still counts",
			bulletins: []catalog.Bulletin{
				bulletin("MS1", patch("KB1", fc(srvSys, "9.9"), catalog.Supersedence{SQNumber: "KB3"})),
				bulletin("MS2", patch("KB2", fc(srvSys, "9.9"))),
				bulletin("MS3", patch("KB3", fc(srvSys, "6.1.7601.17514"))),
			},
			opts: detect.Options{Approved: []string{"kb1"}},
			want: map[string]detect.Status{"KB1": detect.StatusSuperseded},
		},
		{
			name:      "approved: empty non-nil list approves nothing",
			bulletins: []catalog.Bulletin{bulletin("MS1", patch("KB1", fc(srvSys, "9.9")))},
			opts:      detect.Options{Approved: []string{}},
			want:      map[string]detect.Status{},
		},
		{
			name: "skip not-applicable",
			bulletins: []catalog.Bulletin{bulletin("MS1",
				patch("KB1", fc(srvSys, "9.9"), catalog.AffectedProduct{ProductID: pWin7}),
				patch("KB2", fc(srvSys, "9.9")))},
			opts: detect.Options{SkipNotApplicable: true},
			want: map[string]detect.Status{"KB2": detect.StatusMissing},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := serverHost()
			if tt.host != nil {
				tt.host(h)
			}
			rep := scan(t, testCatalog(tt.bulletins...), tt.opts, h)
			got := byKB(rep)
			gotStatus := map[string]detect.Status{}
			for k, r := range got {
				gotStatus[k] = r.Status
			}
			if fmt.Sprint(gotStatus) != fmt.Sprint(tt.want) {
				t.Errorf("statuses = %v, want %v", gotStatus, tt.want)
				for _, r := range rep.Results {
					t.Logf("  %s %s: %v", r.KB, r.Status, r.Reasons)
				}
			}
			for kb, reason := range tt.reasons {
				if !slices.Contains(got[kb].Reasons, reason) {
					t.Errorf("%s reasons = %q\nwant one to be %q", kb, got[kb].Reasons, reason)
				}
			}
			for kb, by := range tt.superBy {
				if got[kb].SupersededBy != by {
					t.Errorf("%s SupersededBy = %q, want %q", kb, got[kb].SupersededBy, by)
				}
			}
			for _, r := range rep.Results {
				if r.Kind == detect.KindPatch && r.Status != detect.StatusNotApplicable && r.Status != detect.StatusNote && r.Status != detect.StatusError && len(r.Checks) == 0 && r.Status != detect.StatusSuperseded {
					t.Errorf("%s %s has no checks recorded", r.KB, r.Status)
				}
			}
			if h.Stats().Calls > 3 || rep.Batches != h.Stats().Calls {
				t.Errorf("batches: report %d, host saw %d calls; want equal and <= 3", rep.Batches, h.Stats().Calls)
			}
			if rep := h.Repeated(); len(rep) > 0 {
				t.Errorf("facts asked more than once: %v", rep)
			}
		})
	}
}

func TestChecksEvidence(t *testing.T) {
	cat := testCatalog(bulletin("MS1", patch("KB1",
		regKey(updKey, catalog.OpExists),
		regValue(updKey, "", catalog.OpEquals, "x"),
		fc(srvSys, "6.1.7601.23689"),
		fc(`%ProgramFiles%\gone.dll`, "1.0"),
	)))
	h := serverHost()
	h.SetValue(updKey, "", facts.SZ("x"))
	h.SetError(facts.Request{Kind: facts.FactFile, Path: `C:\Program Files\gone.dll`}, errors.New("timeout"))
	rep := scan(t, cat, detect.Options{}, h)
	want := []detect.Check{
		{Kind: detect.CheckRegistry, Path: updKey, Expected: "exists", Found: "(exists)", Result: detect.CheckPass},
		{Kind: detect.CheckRegistry, Path: updKey + `\(Default)`, Expected: "equals x", Found: "x", Result: detect.CheckPass},
		{Kind: detect.CheckFile, Path: srvPath, Expected: "6.1.7601.23689", Found: "6.1.7601.17514", Result: detect.CheckFail},
		{Kind: detect.CheckFile, Path: `C:\Program Files\gone.dll`, Expected: "1.0", Found: "(unreadable)", Result: detect.CheckUnreadable},
	}
	r := byKB(rep)["KB1"]
	if !slices.Equal(r.Checks, want) {
		t.Errorf("checks:\n got %+v\nwant %+v", r.Checks, want)
	}
	if r.Status != detect.StatusMissing || r.ProductID != pServer || r.Severity != "Critical" || r.Title != "MS1 title" || r.PatchName != "KB1.msu" {
		t.Errorf("result = %+v", r)
	}
}

func TestIdentity(t *testing.T) {
	tests := []struct {
		name string
		host func(h *memhost.Host)
		want detect.OS
	}{
		{
			name: "full server",
			host: func(h *memhost.Host) { h.SetValue(ntCV, "UBR", facts.DWORD(4830)) },
			want: detect.OS{Product: "Windows Server 2008 R2 Standard", Name: "Windows Server 2008 R2 Standard", Version: "6.1", Build: "7601", UBR: "4830",
				CSDVersion: "Service Pack 1", ServicePack: 1, EditionID: "ServerStandard", ProductType: "ServerNT",
				Language: "1033", SystemRoot: `C:\Windows`, ProgramFiles: `C:\Program Files`},
		},
		{
			name: "Samba: only CurrentVersion and SystemRoot, CurrentBuild fallback",
			host: func(h *memhost.Host) {
				for _, n := range []string{"CurrentBuildNumber", "ProductName", "CSDVersion", "EditionID"} {
					h.DeleteValue(ntCV, n)
				}
				h.DeleteKey(winCV)
				h.DeleteKey(prodOpt)
				h.DeleteKey(nlsLang)
				h.SetValue(ntCV, "CurrentBuild", facts.SZ("7600"))
			},
			want: detect.OS{Version: "6.1", Build: "7600", SystemRoot: `C:\Windows`},
		},
		{
			name: "hostile: bad language, SP text, numeric ProductName",
			host: func(h *memhost.Host) {
				h.SetValue(nlsLang, "InstallLanguage", facts.SZ("zz"))
				h.SetValue(ntCV, "CSDVersion", facts.SZ("Service Pack 3, v.3244"))
				h.SetValue(ntCV, "ProductName", facts.DWORD(7))
				h.SetValue(ntCV, "UBR", facts.SZ("not a number"))
			},
			want: detect.OS{Product: "7", Name: "7", Version: "6.1", Build: "7601", CSDVersion: "Service Pack 3, v.3244", ServicePack: 3,
				EditionID: "ServerStandard", ProductType: "ServerNT", SystemRoot: `C:\Windows`, ProgramFiles: `C:\Program Files`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := serverHost()
			tt.host(h)
			rep := scan(t, testCatalog(), detect.Options{}, h)
			if rep.OS != tt.want {
				t.Errorf("OS =\n %+v\nwant\n %+v", rep.OS, tt.want)
			}
		})
	}
}

func TestProductsDetected(t *testing.T) {
	h := serverHost()
	rep := scan(t, testCatalog(), detect.Options{}, h)
	want := []detect.ProductRef{{ID: pServer, Name: "Windows Server 2008 R2"}}
	if !slices.Equal(rep.Products, want) {
		t.Errorf("products = %v, want %v", rep.Products, want)
	}
	// Only phase (a): no product has file rules worth asking.
	if rep.Batches != 1 {
		t.Errorf("batches = %d, want 1 (TestApp key absent, so its file rule is never asked)", rep.Batches)
	}
}

// TestFactsAskedOnce uses a catalog where the same facts appear in product
// detection and in several patches, spelled in different cases, and checks
// every fact is asked once and in at most 3 batches.
func TestFactsAskedOnce(t *testing.T) {
	cat := testCatalog(
		bulletin("MS1",
			patch("KB1", fc(srvSys, "6.1.7601.23689"), regValue(strings.ToUpper(ntCV), "currentversion", catalog.OpEquals, "6.1")),
			patch("KB2", fc(`%SYSTEMROOT%\system32\DRIVERS\SRV.SYS`, "6.1.7601.23689"), regKey(updKey, catalog.OpExists)),
		),
		bulletin("MS2",
			patch("KB3", fc(`%SystemDrive%\Windows\System32\drivers\srv.sys`, "6.1.7601.23689"), regKey(strings.ToLower(updKey), catalog.OpExists)),
			patch("KB4", fc(`%ProgramFiles%\TestApp\app.exe`, "3.0"), catalog.AffectedProduct{ProductID: pApp}),
		),
	)
	h := serverHost()
	h.SetKey(`HKLM\SOFTWARE\TestApp`)
	h.SetFile(`C:\Program Files\TestApp\app.exe`, facts.FileInfo{Version: "2.1"})
	rep := scan(t, cat, detect.Options{}, h)
	if r := h.Repeated(); len(r) > 0 {
		t.Errorf("facts asked more than once: %v", r)
	}
	st := h.Stats()
	if rep.Batches != 3 || st.Calls != 3 {
		t.Errorf("batches = %d (host saw %d), want 3", rep.Batches, st.Calls)
	}
	if rep.Facts != st.Requests {
		t.Errorf("report says %d facts, host got %d requests", rep.Facts, st.Requests)
	}
	// 19 identity values (ComputerName the last) + the TestApp key (the other detection rules read
	// CurrentVersion and ProductType, identity values already) + app.exe +
	// srv.sys + the update key.
	if rep.Facts != 19+1+1+1+1 {
		t.Errorf("facts = %d, want 23", rep.Facts)
		for i, b := range h.Batches() {
			t.Logf("batch %d: %+v", i, b)
		}
	}
	got := byKB(rep)
	for kb, want := range map[string]detect.Status{"KB1": detect.StatusMissing, "KB2": detect.StatusMissing, "KB3": detect.StatusMissing, "KB4": detect.StatusMissing} {
		if got[kb].Status != want {
			t.Errorf("%s = %s, want %s (%v)", kb, got[kb].Status, want, got[kb].Reasons)
		}
	}
}

// TestChecksumRequested checks SHA-256 is asked for only where it will be
// verified: hashing a file costs a full read over the network.
func TestChecksumRequested(t *testing.T) {
	mk := func(lang string) *catalog.Catalog {
		c := fc(srvSys, "6.1.7601.17514")
		c.SHA256, c.Language = strings.Repeat("a", 64), lang
		return testCatalog(bulletin("MS1", patch("KB1", c)))
	}
	tests := []struct {
		mode detect.ChecksumMode
		lang string
		want bool
	}{
		{detect.ChecksumAuto, "1033", true},
		{detect.ChecksumAuto, "1031", false},
		{detect.ChecksumAuto, "", true},
		{detect.ChecksumAuto, "en-US", false},
		{detect.ChecksumOn, "1031", true},
		{detect.ChecksumOff, "1033", false},
	}
	for _, tt := range tests {
		t.Run(tt.mode.String()+"/"+tt.lang, func(t *testing.T) {
			h := serverHost()
			rep := scan(t, mk(tt.lang), detect.Options{Checksums: tt.mode}, h)
			var asked, found bool
			for _, b := range h.Batches() {
				for _, r := range b {
					if r.Kind == facts.FactFile {
						found, asked = true, r.SHA256
					}
				}
			}
			if !found || asked != tt.want {
				t.Errorf("SHA256 requested = %v (file asked: %v), want %v", asked, found, tt.want)
			}
			if s := byKB(rep)["KB1"].Status; s != detect.StatusInstalled {
				t.Errorf("status = %s, want installed (the checksum matches)", s)
			}
		})
	}
}

func TestHostileValues(t *testing.T) {
	huge := strings.Repeat("9", 1<<20)
	tests := []struct {
		name  string
		value facts.RegValue
		op    catalog.Op
		cmp   string
		want  detect.Status
	}{
		{"huge string", facts.SZ(huge), catalog.OpEquals, "1", detect.StatusMissing},
		{"huge version", facts.SZ(huge), catalog.OpVersionGE, "1.0", detect.StatusMissing},
		{"huge number string", facts.SZ(huge), catalog.OpNumberGE, "1", detect.StatusMissing},
		{"empty string", facts.SZ(""), catalog.OpEquals, "", detect.StatusInstalled},
		{"empty data", facts.RegValue{Type: facts.RegSZ}, catalog.OpEquals, "x", detect.StatusMissing},
		{"odd-length UTF-16", facts.RegValue{Type: facts.RegSZ, Data: []byte{'1', 0, 0xff}}, catalog.OpEquals, "1", detect.StatusInstalled},
		{"unpaired surrogate", facts.RegValue{Type: facts.RegSZ, Data: []byte{0x00, 0xd8, 'a', 0}}, catalog.OpMatches, "a$", detect.StatusInstalled},
		{"non-UTF-8 binary", facts.RegValue{Type: facts.RegBinary, Data: []byte{0xff, 0xfe, 0x80}}, catalog.OpEquals, "fffe80", detect.StatusInstalled},
		{"short DWORD is not a number", facts.RegValue{Type: facts.RegDWORD, Data: []byte{1, 0}}, catalog.OpNumberGE, "0", detect.StatusMissing},
		{"short QWORD is not a number", facts.RegValue{Type: facts.RegQWORD, Data: []byte{1, 0, 0, 0}}, catalog.OpNumberLE, "99", detect.StatusMissing},
		{"unknown type", facts.RegValue{Type: 0xdead, Data: []byte("ab")}, catalog.OpExists, "", detect.StatusInstalled},
		{"control characters", facts.SZ("a\x00b"), catalog.OpEquals, "a", detect.StatusInstalled},
		{"bad catalog version is an error", facts.SZ("1.0"), catalog.OpVersionGE, "x.y", detect.StatusError},
		{"bad catalog number is an error", facts.DWORD(1), catalog.OpNumberGE, "one", detect.StatusError},
		{"bad catalog regexp is an error", facts.SZ("a"), catalog.OpMatches, "(", detect.StatusError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rule := catalog.Rule{Kind: catalog.RuleRegValue, Key: updKey, Name: "V", Op: tt.op, Value: tt.cmp}
			h := serverHost()
			h.SetValue(updKey, "V", tt.value)
			r := byKB(scan(t, testCatalog(bulletin("MS1", patch("KB1", rule))), detect.Options{}, h))["KB1"]
			if r.Status != tt.want {
				t.Errorf("status = %s, want %s (%q)", r.Status, tt.want, r.Reasons)
			}
			for _, s := range append(r.Reasons, r.Checks[0].Found) {
				if !utf8.ValidString(s) || len(s) > 2000 {
					t.Errorf("reason not valid UTF-8 or unbounded (%d bytes): %.200q", len(s), s)
				}
			}
		})
	}
}

func TestHostileFileAnswers(t *testing.T) {
	tests := []struct {
		name string
		fi   facts.FileInfo
		want detect.Status
	}{
		{"no version resource", facts.FileInfo{Size: 10}, detect.StatusError},
		{"garbage version", facts.FileInfo{Version: "\xff\xfe1.2.x"}, detect.StatusError},
		{"huge version", facts.FileInfo{Version: strings.Repeat("1.", 1<<16) + "1"}, detect.StatusError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := serverHost()
			h.SetFile(srvPath, tt.fi)
			r := byKB(scan(t, testCatalog(bulletin("MS1", patch("KB1", fc(srvSys, "1.0")))), detect.Options{}, h))["KB1"]
			if r.Status != tt.want {
				t.Errorf("status = %s, want %s", r.Status, tt.want)
			}
			for _, s := range append(r.Reasons, r.Checks[0].Found) {
				if !utf8.ValidString(s) || len(s) > 2000 {
					t.Errorf("not valid UTF-8 or unbounded (%d bytes): %.200q", len(s), s)
				}
			}
		})
	}
}

// brokenHost answers the wrong number of facts.
type brokenHost struct{}

func (brokenHost) Facts(context.Context, []facts.Request) ([]facts.Answer, error) {
	return []facts.Answer{{}}, nil
}

func TestHostFailures(t *testing.T) {
	lost := errors.New("connection reset")
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	failing := serverHost()
	failing.SetHostError(lost)
	tests := []struct {
		name string
		ctx  context.Context
		h    facts.Host
		want string
	}{
		{"host error is returned", context.Background(), failing, "connection reset"},
		{"cancelled context", cancelled, serverHost(), "context canceled"},
		{"wrong answer count", context.Background(), brokenHost{}, "answered 1 of 20 fact requests"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := detect.New(testCatalog(), detect.Options{}).Scan(tt.ctx, tt.h)
			if err == nil || !strings.Contains(err.Error(), tt.want) || rep != nil {
				t.Errorf("Scan = %v, %v; want error containing %q", rep, err, tt.want)
			}
		})
	}
	if _, err := detect.New(testCatalog(), detect.Options{}).Scan(context.Background(), failing); !errors.Is(err, lost) {
		t.Errorf("host error not wrapped: %v", err)
	}
}

func TestDeterministicOrder(t *testing.T) {
	var bs []catalog.Bulletin
	for i := 0; i < 30; i++ {
		bs = append(bs, bulletin(fmt.Sprintf("MS%02d", 30-i), patch(fmt.Sprintf("KB%d", i), fc(srvSys, "9.9"))))
	}
	h := serverHost()
	h.DeleteValue(ntCV, "CSDVersion")
	e := detect.New(testCatalog(bs...), detect.Options{})
	var first []string
	for run := 0; run < 5; run++ {
		rep, err := e.Scan(context.Background(), h)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range rep.Results {
			got = append(got, string(r.Kind)+":"+r.KB)
		}
		if run == 0 {
			first = got
			if got[0] != "service-pack:Service Pack 1" || got[1] != "patch:KB0" || got[30] != "patch:KB29" {
				t.Errorf("order = %v; want the service pack first, then catalog order", got)
			}
		} else if !slices.Equal(got, first) {
			t.Fatalf("run %d order differs:\n%v\n%v", run, got, first)
		}
	}
}

func TestParseChecksumMode(t *testing.T) {
	tests := []struct {
		in      string
		want    detect.ChecksumMode
		wantErr bool
	}{
		{"auto", detect.ChecksumAuto, false},
		{"", detect.ChecksumAuto, false},
		{"ON", detect.ChecksumOn, false},
		{" off ", detect.ChecksumOff, false},
		{"yes", detect.ChecksumAuto, true},
	}
	for _, tt := range tests {
		got, err := detect.ParseChecksumMode(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("ParseChecksumMode(%q) = %v, %v; want %v, err %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
	if s := detect.ChecksumOff.String(); s != "off" {
		t.Errorf("String = %q", s)
	}
}

// TestConcurrentScans runs one engine on many hosts at once (the run does
// exactly that); -race checks the engine keeps no per-scan state.
func TestConcurrentScans(t *testing.T) {
	e := detect.New(testCatalog(bulletin("MS1", patch("KB1", fc(srvSys, "6.1.7601.23689")))), detect.Options{})
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		go func() {
			rep, err := e.Scan(context.Background(), serverHost())
			if err == nil && byKB(rep)["KB1"].Status != detect.StatusMissing {
				err = fmt.Errorf("status %s", byKB(rep)["KB1"].Status)
			}
			errs <- err
		}()
	}
	for i := 0; i < 8; i++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// TestChecksumAskedUpFront: a product detected by a file that a patch also
// checks with a checksum gets the hash in the detection batch, so the file
// is read once, not once for detection and again for the hash.
func TestChecksumAskedUpFront(t *testing.T) {
	for _, tt := range []struct {
		lang     string
		wantHash bool
	}{{"1033", true}, {"1031", false}} {
		t.Run(tt.lang, func(t *testing.T) {
			c := fc(`%ProgramFiles%\TestApp\app.exe`, "2.5")
			c.SHA256, c.Language = strings.Repeat("c", 64), tt.lang
			cat := testCatalog(bulletin("MS1", patch("KB1", c, catalog.AffectedProduct{ProductID: pApp})))
			h := serverHost()
			h.SetKey(`HKLM\SOFTWARE\TestApp`)
			h.SetFile(`C:\Program Files\TestApp\app.exe`, facts.FileInfo{Version: "2.5", SHA256: strings.Repeat("c", 64)})
			rep := scan(t, cat, detect.Options{}, h)
			if r := h.Repeated(); len(r) > 0 || rep.Batches != 2 {
				t.Errorf("batches = %d, repeated = %v; want 2 batches, nothing repeated", rep.Batches, r)
			}
			b := h.Batches()
			if got := b[len(b)-1][0].SHA256; got != tt.wantHash {
				t.Errorf("detection batch asked SHA256 = %v, want %v", got, tt.wantHash)
			}
			if s := byKB(rep)["KB1"].Status; s != detect.StatusInstalled {
				t.Errorf("status = %s", s)
			}
		})
	}
}

// TestRequestsCanonical: keys reach the host as HKLM\..., whatever the
// catalog's spelling, and spellings of one key are one fact.
func TestRequestsCanonical(t *testing.T) {
	cat := testCatalog(bulletin("MS1",
		patch("KB1", regKey(`HKEY_LOCAL_MACHINE\SOFTWARE\X\`, catalog.OpExists)),
		patch("KB2", regKey(`hklm\software\x`, catalog.OpExists))))
	h := serverHost()
	h.SetKey(`HKLM\SOFTWARE\X`)
	rep := scan(t, cat, detect.Options{}, h)
	b := h.Batches()
	last := b[len(b)-1]
	if len(last) != 1 || last[0].Key != `HKLM\SOFTWARE\X` {
		t.Errorf("last batch = %+v, want one request for HKLM\\SOFTWARE\\X", last)
	}
	for kb, r := range byKB(rep) {
		if r.Status != detect.StatusInstalled {
			t.Errorf("%s = %s", kb, r.Status)
		}
	}
}

func TestFileDetectionRules(t *testing.T) {
	const app = `%ProgramFiles%\TestApp\app.exe`
	tests := []struct {
		name string
		rule catalog.Rule
		file *facts.FileInfo // nil: no file
		want detect.Status   // of a patch for the product
	}{
		{"exists", fileRule(app, catalog.OpExists, ""), &facts.FileInfo{}, detect.StatusMissing},
		{"exists, no file", fileRule(app, catalog.OpExists, ""), nil, detect.StatusNotApplicable},
		{"absent, no file", fileRule(app, catalog.OpAbsent, ""), nil, detect.StatusMissing},
		{"absent, file", fileRule(app, catalog.OpAbsent, ""), &facts.FileInfo{}, detect.StatusNotApplicable},
		{"version-lt", fileRule(app, catalog.OpVersionLT, "3.0"), &facts.FileInfo{Version: "2.9.9"}, detect.StatusMissing},
		{"version-lt, newer", fileRule(app, catalog.OpVersionLT, "3.0"), &facts.FileInfo{Version: "3.0"}, detect.StatusNotApplicable},
		{"version-ge, no version resource", fileRule(app, catalog.OpVersionGE, "1.0"), &facts.FileInfo{Size: 9}, detect.StatusNotApplicable},
		{"version-ge, file missing", fileRule(app, catalog.OpVersionGE, "1.0"), nil, detect.StatusNotApplicable},
		{"equals version string", fileRule(app, catalog.OpEquals, "2.0.0.1"), &facts.FileInfo{Version: "2.0.0.1"}, detect.StatusMissing},
		{"matches", regexpFileRule(app, `^2\.`), &facts.FileInfo{Version: "2.5"}, detect.StatusMissing},
		{"number-ge on size", fileRule(app, catalog.OpNumberGE, "100"), &facts.FileInfo{Size: 100, Version: "1.0"}, detect.StatusMissing},
		{"number-le on size", fileRule(app, catalog.OpNumberLE, "99"), &facts.FileInfo{Size: 100, Version: "1.0"}, detect.StatusNotApplicable},
		{"bad catalog version", fileRule(app, catalog.OpVersionGE, "one"), &facts.FileInfo{Version: "1.0"}, detect.StatusError},
		{"unreadable", fileRule(app, catalog.OpExists, ""), nil, detect.StatusError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cat := testCatalog(bulletin("MS1", patch("KB1", regKey(updKey, catalog.OpExists), catalog.AffectedProduct{ProductID: pApp})))
			cat.Products[2].Detection = []catalog.Rule{tt.rule}
			h := serverHost()
			if tt.file != nil {
				h.SetFile(`C:\Program Files\TestApp\app.exe`, *tt.file)
			}
			if tt.name == "unreadable" {
				h.SetError(facts.Request{Kind: facts.FactFile, Path: `C:\Program Files\TestApp\app.exe`}, errors.New("STATUS_SHARING_VIOLATION"))
			}
			rep := scan(t, cat, detect.Options{}, h)
			r := byKB(rep)["KB1"]
			if r.Status != tt.want {
				t.Errorf("status = %s, want %s (%q)", r.Status, tt.want, r.Reasons)
			}
			present := slices.ContainsFunc(rep.Products, func(p detect.ProductRef) bool { return p.ID == pApp })
			if present != (tt.want == detect.StatusMissing) {
				t.Errorf("product detected = %v", present)
			}
		})
	}
}

func regexpFileRule(path, re string) catalog.Rule {
	r := fileRule(path, catalog.OpMatches, re)
	r.Regexp = regexp.MustCompile(re)
	return r
}
