package image_test

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/patchscan/patchscan/catalog"
	"github.com/patchscan/patchscan/detect"
	"github.com/patchscan/patchscan/internal/imagelab"
	"github.com/patchscan/patchscan/internal/lab"
	"github.com/patchscan/patchscan/scan/smb"
	"github.com/patchscan/patchscan/scan/transport"
)

// scannedLabHosts are the standard lab hosts that get scanned (the others
// fail at the transport: no winreg pipe, wrong password, not an admin),
// plus the encrypted one.
var scannedLabHosts = []string{lab.Patched, lab.MissingRegKey, lab.OldFile, lab.NewerFile, lab.WrongChecksum, lab.Encrypted}

// TestImageEqualsSMB scans each lab host twice, over SMB against the real
// Samba host and as an image built from the same content (its .reg files,
// what Samba serves in place of CurrentVersion, its files), with the lab
// catalog and the embedded one, checksums on and off: the engine must ask
// the same facts and give the same identity, products and verdicts.
func TestImageEqualsSMB(t *testing.T) {
	specs := lab.StandardHostsNamed(scannedLabHosts...)
	l := lab.Start(t, specs...)
	labCat, err := catalog.LoadFile(filepath.Join(lab.RepoRoot(), "testdata", "catalogs", "lab.xml"))
	if err != nil {
		t.Fatal(err)
	}
	embedded, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	opts := transport.Options{Credentials: transport.Credentials{Domain: l.Domain, User: l.User, Password: l.Password}, Timeout: 30 * time.Second}
	for _, spec := range specs {
		h := l.Host(spec.Name)
		dir := imagelab.Build(t, imagelab.FromLab(spec, true))
		for catName, cat := range map[string]*catalog.Catalog{"lab": labCat, "embedded": embedded} {
			for _, mode := range []detect.ChecksumMode{detect.ChecksumOn, detect.ChecksumOff} {
				t.Run(spec.Name+"/"+catName+"/"+mode.String(), func(t *testing.T) {
					eng := detect.New(cat, detect.Options{Checksums: mode})
					ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
					defer cancel()
					s, err := smb.NewOpener(smb.Config{}).Open(ctx, transport.Endpoint{Host: h.IP, Addr: h.Addr()}, opts)
					if err != nil {
						t.Fatal(err)
					}
					rs, err := eng.Scan(ctx, s)
					s.Close()
					if err != nil {
						t.Fatal(err)
					}
					ri, err := eng.Scan(ctx, open(t, dir))
					if err != nil {
						t.Fatal(err)
					}
					compareReports(t, rs, ri)
					if catName == "lab" && mode == detect.ChecksumOn {
						if got := ms17010(ri); got != lab.Expected[spec.Name] {
							t.Errorf("MS17-010 on the image: %s, want %s", got, lab.Expected[spec.Name])
						}
					}
				})
			}
		}
	}
}

func compareReports(t *testing.T, rs, ri *detect.Report) {
	t.Helper()
	if len(rs.Results) == 0 || rs.Facts == 0 {
		t.Fatalf("empty SMB report (%d results, %d facts): nothing compared", len(rs.Results), rs.Facts)
	}
	// The image's SYSTEM hive is a real Windows one with its own
	// ComputerName; the Samba lab hosts have none in their registry.
	osS, osI := rs.OS, ri.OS
	osS.ComputerName, osI.ComputerName = "", ""
	if !reflect.DeepEqual(osS, osI) || !reflect.DeepEqual(rs.Products, ri.Products) {
		t.Errorf("host identity differs:\nsmb   %+v %v\nimage %+v %v", rs.OS, rs.Products, ri.OS, ri.Products)
	}
	if !reflect.DeepEqual(rs.Results, ri.Results) {
		t.Errorf("results differ:\nsmb   %+v\nimage %+v", rs.Results, ri.Results)
	}
	if rs.Facts != ri.Facts || rs.Batches != ri.Batches {
		t.Errorf("engine asked differently: smb %d facts/%d batches, image %d/%d", rs.Facts, rs.Batches, ri.Facts, ri.Batches)
	}
}

func ms17010(r *detect.Report) string {
	for _, res := range r.Results {
		if res.BulletinID == "MS17-010" {
			return string(res.Status)
		}
	}
	return "absent"
}

// TestLabContentAsWindowsWouldServeIt: the same lab content without
// Samba's view, with the identity a real Windows Server 2008 R2 SP1
// (build 7601) would serve, still gives every lab host its MS17-010
// verdict. No Samba needed.
func TestLabContentAsWindowsWouldServeIt(t *testing.T) {
	cat, err := catalog.LoadFile(filepath.Join(lab.RepoRoot(), "testdata", "catalogs", "lab.xml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, spec := range lab.StandardHostsNamed(scannedLabHosts...) {
		t.Run(spec.Name, func(t *testing.T) {
			img := imagelab.FromLab(spec, false)
			img.Reg = append(img.Reg, imagelab.Server2008R2().Reg())
			h := open(t, imagelab.Build(t, img))
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			rep, err := detect.New(cat, detect.Options{Checksums: detect.ChecksumOn}).Scan(ctx, h)
			if err != nil {
				t.Fatal(err)
			}
			if got := ms17010(rep); got != lab.Expected[spec.Name] {
				t.Errorf("MS17-010: %s, want %s", got, lab.Expected[spec.Name])
			}
			if rep.OS.Build != "7601" || rep.OS.ServicePack != 1 {
				t.Errorf("OS %+v: want the .reg files' build 7601 SP1", rep.OS)
			}
		})
	}
}
