package detect_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/patchscan/patchscan/catalog"
	"github.com/patchscan/patchscan/detect"
	"github.com/patchscan/patchscan/detect/memhost"
	"github.com/patchscan/patchscan/facts"
)

// The Samba lab (testdata/lab/README.md) reproduced in memory: the same .reg
// files, the same srv.sys fixtures, and what Samba itself serves (only
// CurrentVersion and SystemRoot under Windows NT\CurrentVersion, ProductType
// ServerNT). The verdicts must be the lab's table, so the SMB and WinRM
// transports can be compared against this.

const labRoot = "../testdata/lab"

func labHost(t *testing.T, regs []string, srvFile string, tamper bool) *memhost.Host {
	t.Helper()
	h := memhost.New()
	for _, r := range regs {
		f, err := os.Open(filepath.Join(labRoot, r))
		if err != nil {
			t.Skipf("lab fixture missing: %v", err)
		}
		err = h.LoadReg(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", r, err)
		}
	}
	// What Samba serves itself, hiding the imported values of this key.
	h.DeleteKey(ntCV)
	h.SetValue(ntCV, "CurrentVersion", facts.SZ("6.1"))
	h.SetValue(ntCV, "SystemRoot", facts.SZ(`c:\Windows`))
	h.SetValue(prodOpt, "ProductType", facts.SZ("ServerNT"))

	data, err := os.ReadFile(filepath.Join(labRoot, "pe", srvFile))
	if err != nil {
		t.Skipf("lab fixture missing: %v", err)
	}
	if tamper {
		data = append(data, "patchscan lab: tampered\n"...)
	}
	sum := sha256.Sum256(data)
	ver := srvFile[len("srv-") : len(srvFile)-len(".sys")]
	h.SetFile(`c:\Windows\System32\drivers\srv.sys`, facts.FileInfo{Size: int64(len(data)), Version: ver, SHA256: hex.EncodeToString(sum[:])})
	return h
}

func TestLabVerdicts(t *testing.T) {
	cat, err := catalog.LoadFile("../testdata/catalogs/lab.xml")
	if err != nil {
		t.Skipf("lab catalog not loadable yet: %v", err)
	}
	all := []string{"base.reg", "kb4012212.reg", "big.reg"}
	tests := []struct {
		host   string
		regs   []string
		srv    string
		tamper bool
		want   detect.Status
	}{
		{"patched", all, "srv-6.1.7601.23689.sys", false, detect.StatusInstalled},
		{"missing-regkey", []string{"base.reg", "big.reg"}, "srv-6.1.7601.23689.sys", false, detect.StatusMissing},
		{"old-file", all, "srv-6.1.7601.17514.sys", false, detect.StatusMissing},
		{"newer-file", all, "srv-6.1.7601.24000.sys", false, detect.StatusWarning},
		{"wrong-checksum", all, "srv-6.1.7601.23689.sys", true, detect.StatusMissing},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			for _, mode := range []detect.ChecksumMode{detect.ChecksumOn, detect.ChecksumAuto} {
				h := labHost(t, tt.regs, tt.srv, tt.tamper)
				rep, err := detect.New(cat, detect.Options{Checksums: mode}).Scan(context.Background(), h)
				if err != nil {
					t.Fatal(err)
				}
				got := byKB(rep)
				if r := got["KB4012212"]; r.Status != tt.want {
					t.Errorf("checksums %s: KB4012212 = %s, want %s (%q)", mode, r.Status, tt.want, r.Reasons)
				}
				// Samba hides CSDVersion and CurrentBuildNumber.
				if rep.OS.Language != "1033" || rep.OS.ServicePack != 0 || rep.OS.SystemRoot != `c:\Windows` || rep.OS.Build != "" {
					t.Errorf("OS = %+v", rep.OS)
				}
				if rep.Batches != 2 || len(h.Repeated()) > 0 {
					t.Errorf("batches = %d, repeated %v", rep.Batches, h.Repeated())
				}
			}
		})
	}
}

// TestDefaultCatalog scans hosts with the embedded catalog: the scan must
// work whatever the catalog's data, detect the right product and keep the
// batch and fact invariants.
func TestDefaultCatalog(t *testing.T) {
	cat, err := catalog.Default()
	if err != nil {
		t.Skipf("embedded catalog not loadable: %v", err)
	}
	tests := []struct {
		name    string
		host    func() *memhost.Host
		product string
	}{
		{"Server 2008 R2 SP1", serverHost, "Windows Server 2008 R2"},
		{"Samba-like", func() *memhost.Host {
			h := memhost.New()
			h.SetValue(ntCV, "CurrentVersion", facts.SZ("6.1"))
			h.SetValue(ntCV, "SystemRoot", facts.SZ(`c:\Windows`))
			h.SetValue(prodOpt, "ProductType", facts.SZ("ServerNT"))
			return h
		}, "Windows Server 2008 R2"},
		{"Windows 7", func() *memhost.Host {
			h := serverHost()
			h.SetValue(prodOpt, "ProductType", facts.SZ("WinNT"))
			return h
		}, "Windows 7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := tt.host()
			rep, err := detect.New(cat, detect.Options{}).Scan(context.Background(), h)
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Products) != 1 || rep.Products[0].Name != tt.product {
				t.Errorf("products = %v, want only %s", rep.Products, tt.product)
			}
			if rep.Batches > 3 || len(h.Repeated()) > 0 {
				t.Errorf("batches = %d, repeated %v", rep.Batches, h.Repeated())
			}
			applicable := 0
			for _, r := range rep.Results {
				if !validStatus(r.Status) {
					t.Errorf("%s %s: invalid status %q", r.BulletinID, r.KB, r.Status)
				}
				if r.Status != detect.StatusNotApplicable {
					applicable++
				}
			}
			if applicable == 0 {
				t.Error("no patch of the embedded catalog applies to this host")
			}
		})
	}
}

func validStatus(s detect.Status) bool {
	for _, v := range detect.Statuses {
		if s == v {
			return true
		}
	}
	return false
}
