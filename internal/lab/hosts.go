package lab

import "slices"

// The standard lab: one host per situation the scanner must tell apart,
// scanned with testdata/catalogs/lab.xml (bulletin MS17-010, KB4012212,
// srv.sys 6.1.7601.23689).

// Fixture paths, relative to the repository root.
const (
	SrvOld    = "testdata/lab/pe/srv-6.1.7601.17514.sys"
	SrvExact  = "testdata/lab/pe/srv-6.1.7601.23689.sys"
	SrvNewer  = "testdata/lab/pe/srv-6.1.7601.24000.sys"
	SrvPath   = `Windows\System32\drivers\srv.sys`
	BaseReg   = "testdata/lab/base.reg"
	KBReg     = "testdata/lab/kb4012212.reg"
	BigReg    = "testdata/lab/big.reg"
	SrvSHA256 = "f248f893da3b6d335caa4f287c53a7d57198da9d313817ee8dd1380a799e54c6" // SrvExact
)

// Standard host names.
const (
	Patched       = "patched"
	MissingRegKey = "missing-regkey"
	OldFile       = "old-file"
	NewerFile     = "newer-file"
	WrongChecksum = "wrong-checksum"
	NoWinreg      = "no-winreg"
	WrongPassword = "wrong-password"
	Encrypted     = "encrypted"
	NotAdmin      = "not-admin"
)

func srv(src string, appendBytes []byte) []File {
	return []File{
		{Path: SrvPath, Src: src, Append: appendBytes},
		// A file outside System32 that C$ (not ADMIN$) must serve.
		{Path: `Program Files\PatchscanLab\tool.exe`, Src: SrvOld},
		// A file the lab account may not read.
		{Path: `Windows\System32\locked.dll`, Src: SrvOld, Mode: 0o600},
	}
}

// StandardHosts returns the lab's hosts, in a fixed order. The verdict each
// should get for MS17-010 with testdata/catalogs/lab.xml is in Expected.
func StandardHosts() []HostSpec {
	all := []string{BaseReg, KBReg, BigReg}
	return []HostSpec{
		{Name: Patched, Reg: all, Files: srv(SrvExact, nil)},
		{Name: MissingRegKey, Reg: []string{BaseReg, BigReg}, Files: srv(SrvExact, nil)},
		{Name: OldFile, Reg: all, Files: srv(SrvOld, nil)},
		{Name: NewerFile, Reg: all, Files: srv(SrvNewer, nil)},
		// Same version resource, other bytes: only the checksum differs.
		{Name: WrongChecksum, Reg: all, Files: srv(SrvExact, []byte("patchscan lab: tampered\n"))},
		{Name: NoWinreg, Reg: all, Files: srv(SrvExact, nil), NoWinreg: true},
		{Name: WrongPassword, Reg: all, Files: srv(SrvExact, nil), RejectPassword: true},
		{Name: Encrypted, Reg: all, Files: srv(SrvExact, nil), Encrypt: true},
		{Name: NotAdmin, Reg: all, Files: srv(SrvExact, nil), DenyAdminShares: true},
	}
}

// StandardHostsNamed returns those of StandardHosts with the given names,
// in StandardHosts' order.
func StandardHostsNamed(names ...string) []HostSpec {
	var out []HostSpec
	for _, s := range StandardHosts() {
		if slices.Contains(names, s.Name) {
			out = append(out, s)
		}
	}
	return out
}

// Expected is the MS17-010 verdict (detect.Status string) or host status
// (transport.Outcome string) each standard host gets with lab.xml and
// checksums on.
var Expected = map[string]string{
	Patched:       "installed",
	MissingRegKey: "missing",
	OldFile:       "missing",
	NewerFile:     "warning",
	WrongChecksum: "missing",
	NoWinreg:      "error",
	WrongPassword: "auth-failed",
	Encrypted:     "installed",
	NotAdmin:      "access-denied",
}
