package winrmtest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"unicode/utf16"

	"github.com/patchscan/patchscan/detect/memhost"
	"github.com/patchscan/patchscan/facts"
	"github.com/patchscan/patchscan/internal/lab"
	"github.com/patchscan/patchscan/internal/pe"
)

// LabHost builds, from a Samba lab host's own fixtures (its .reg files
// and the files placed on its C: drive), the host a WinRM test server
// answers from: the same data the lab host serves over SMB. Samba answers
// a few values from its own code instead of the imported ones
// (testdata/lab/README.md); they are mirrored, so that the WinRM fixture
// and the Samba host are the same machine.
func LabHost(spec lab.HostSpec) (*memhost.Host, error) {
	h := memhost.New()
	for _, reg := range spec.Reg {
		f, err := os.Open(filepath.Join(lab.RepoRoot(), reg))
		if err != nil {
			return nil, err
		}
		err = h.LoadReg(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", reg, err)
		}
	}
	const cv = `HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion`
	// Samba serves its own values of CurrentVersion, not the imported
	// ones; the keys under it (Winlogon) it serves as imported.
	h.DeleteValues(cv)
	h.SetValue(cv, "CurrentVersion", regSZ("6.1"))
	h.SetValue(cv, "SystemRoot", regSZ(`c:\Windows`))
	h.SetValue(`HKLM\SYSTEM\CurrentControlSet\Control\ProductOptions`, "ProductType", regSZ("ServerNT"))
	for _, f := range spec.Files {
		data, err := os.ReadFile(filepath.Join(lab.RepoRoot(), f.Src))
		if err != nil {
			return nil, err
		}
		data = append(data, f.Append...)
		info, err := pe.ReadVersion(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Src, err)
		}
		sum := sha256.Sum256(data)
		fi := facts.FileInfo{Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:])}
		if info.HasVersion {
			fi.Version, fi.StringVersion = info.FileVersion, info.StringFileVersion
		}
		h.SetFile(`C:\`+f.Path, fi)
	}
	return h, nil
}

func regSZ(s string) facts.RegValue {
	var b []byte
	for _, c := range utf16.Encode([]rune(s)) {
		b = append(b, byte(c), byte(c>>8))
	}
	return facts.RegValue{Type: facts.RegSZ, Data: append(b, 0, 0)}
}
