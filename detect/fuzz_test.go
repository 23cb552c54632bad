package detect_test

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/patchscan/patchscan/catalog"
	"github.com/patchscan/patchscan/detect"
	"github.com/patchscan/patchscan/facts"
)

// FuzzScanAnswers feeds hostile identity values and file answers to a
// whole scan: it must never panic or fail the host, every verdict must be
// valid, and everything quoted in reports must be valid, bounded UTF-8.
func FuzzScanAnswers(f *testing.F) {
	f.Add(uint32(1), []byte("6\x00.\x001\x00"), []byte("C\x00:\x00\\\x00W\x00"), []byte("0\x004\x000\x009\x00"), "6.1.7601.17514", "aaaa")
	f.Add(uint32(4), []byte{1, 2}, []byte{}, []byte{0xff}, "", "")
	f.Add(uint32(7), []byte("\\\x00\\\x00e\x00v\x00i\x00l\x00"), []byte{0, 0xd8}, []byte("%\x00X\x00%\x00"), "1.2.3.4.5.6.7.8.9", "\xff")
	cat := testCatalog(
		bulletin("MS1",
			patch("KB1", fc(srvSys, "6.1.7601.23689"), regValue(updKey, "V", catalog.OpVersionGE, "1.0")),
			patch("KB2", fc(`%ProgramFiles%\a.dll`, "1.0"), regValue(updKey, "V", catalog.OpMatches, "^x"),
				catalog.Supersedence{SQNumber: "KB1"})),
		bulletin("MS2", patch("KB3", regValue(updKey, "V", catalog.OpNumberGE, "3"), regValue(updKey, "V", catalog.OpNotEquals, "y"),
			catalog.AffectedProduct{ProductID: pApp})),
	)
	sum := catalog.FileCheck{Path: srvSys, Version: fc(srvSys, "1.0").Version, SHA256: strings.Repeat("a", 64)}
	cat.Bulletins[1].Patches[0].FileChecks = append(cat.Bulletins[1].Patches[0].FileChecks, sum)
	e := detect.New(cat, detect.Options{Checksums: detect.ChecksumOn})
	f.Fuzz(func(t *testing.T, typ uint32, ver, root, lang []byte, fileVer, sha string) {
		h := serverHost()
		v := func(b []byte) facts.RegValue { return facts.RegValue{Type: facts.ValueType(typ), Data: b} }
		h.SetValue(ntCV, "CurrentVersion", v(ver))
		h.SetValue(ntCV, "SystemRoot", v(root))
		h.SetValue(ntCV, "CSDVersion", v(ver))
		h.SetValue(winCV, "ProgramFilesDir", v(root))
		h.SetValue(nlsLang, "InstallLanguage", v(lang))
		h.SetValue(updKey, "V", v(lang))
		h.SetKey(`HKLM\SOFTWARE\TestApp`)
		for _, p := range []string{srvPath, `C:\Windows\System32\drivers\srv.sys`} {
			h.SetFile(p, facts.FileInfo{Version: fileVer, StringVersion: fileVer, SHA256: sha})
		}
		rep, err := e.Scan(context.Background(), h)
		if err != nil {
			t.Fatalf("Scan failed on hostile answers: %v", err)
		}
		if rep.Batches > 3 || len(h.Repeated()) > 0 {
			t.Fatalf("batches %d, repeated %v", rep.Batches, h.Repeated())
		}
		check := func(what, s string) {
			if !utf8.ValidString(s) || len(s) > 4096 {
				t.Fatalf("%s not valid or unbounded (%d bytes): %.100q", what, len(s), s)
			}
		}
		for _, s := range []string{rep.OS.Version, rep.OS.CSDVersion, rep.OS.SystemRoot, rep.OS.ProgramFiles, rep.OS.Language} {
			check("OS field", s)
		}
		for _, r := range rep.Results {
			if !validStatus(r.Status) {
				t.Fatalf("invalid status %q", r.Status)
			}
			for _, s := range r.Reasons {
				check("reason", s)
			}
			for _, c := range r.Checks {
				check("check path", c.Path)
				check("check found", c.Found)
			}
		}
	})
}
