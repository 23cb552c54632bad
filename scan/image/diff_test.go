package image_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/patchscan/patchscan/catalog"
	"github.com/patchscan/patchscan/detect"
	"github.com/patchscan/patchscan/facts"
	"github.com/patchscan/patchscan/internal/imagelab"
	"github.com/patchscan/patchscan/internal/lab"
)

// recorder keeps every fact the engine asked and what the image answered.
type recorder struct {
	facts.Host
	mu   sync.Mutex
	reqs []facts.Request
	ans  []facts.Answer
}

func (r *recorder) Facts(ctx context.Context, reqs []facts.Request) ([]facts.Answer, error) {
	ans, err := r.Host.Facts(ctx, reqs)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err == nil {
		r.reqs = append(r.reqs, reqs...)
		r.ans = append(r.ans, ans...)
	}
	return ans, err
}

// TestValuesEqualHivex scans images with the embedded catalog and the lab
// catalog and checks every registry value the engine read, found or not,
// against hivex: the type and bytes hivexregedit exports for its key, and
// for strings the text hivexget prints.
func TestValuesEqualHivex(t *testing.T) {
	cats := map[string]func() (*catalog.Catalog, error){
		"embedded": catalog.Default,
		"lab": func() (*catalog.Catalog, error) {
			return catalog.LoadFile(filepath.Join(lab.RepoRoot(), "testdata", "catalogs", "lab.xml"))
		},
	}
	os19 := imagelab.Server2019(8388)
	dir := imagelab.Build(t, imagelab.Spec{
		RegFiles: []string{lab.BaseReg, lab.KBReg, lab.BigReg},
		Reg:      []string{os19.Reg()},
		Files:    os19.Files(`System32\ntoskrnl.exe`, `System32\drivers\srv.sys`, `System32\win32k.sys`),
	})
	for name, load := range cats {
		t.Run(name, func(t *testing.T) {
			cat, err := load()
			if err != nil {
				t.Fatal(err)
			}
			rec := &recorder{Host: open(t, dir)}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if _, err := detect.New(cat, detect.Options{}).Scan(ctx, rec); err != nil {
				t.Fatal(err)
			}
			checked, found := 0, 0
			exports := map[string]map[string]map[string]imagelab.RegValue{}
			for i, r := range rec.reqs {
				if r.Kind != facts.FactRegValue {
					continue
				}
				hiveFile, path := hivePath(t, dir, r.Key)
				ex, ok := exports[hiveFile+path]
				if !ok {
					if ex, err = imagelab.Export(hiveFile, path); err != nil {
						ex = nil // hivex: no such key
					}
					exports[hiveFile+path] = ex
				}
				want, wantOK := lookupExport(ex, r.Name)
				a := rec.ans[i]
				checked++
				if a.Err != nil || a.Found != wantOK {
					t.Errorf("%s %q: found %v (err %v), hivex found %v", r.Key, r.Name, a.Found, a.Err, wantOK)
					continue
				}
				if !a.Found {
					continue
				}
				found++
				if uint32(a.Value.Type) != want.Type || !bytes.Equal(a.Value.Data, want.Data) {
					t.Errorf("%s %q: type %d %x, hivex %d %x", r.Key, r.Name, a.Value.Type, a.Value.Data, want.Type, want.Data)
				}
				if a.Value.Type == facts.RegSZ {
					got, err := imagelab.Get(hiveFile, path, r.Name)
					if err != nil || got != a.Value.Text() {
						t.Errorf("%s %q: %q, hivexget prints %q (%v)", r.Key, r.Name, a.Value.Text(), got, err)
					}
				}
			}
			if found < 8 {
				t.Fatalf("only %d of %d values read were found: the differential compared too little", found, checked)
			}
			t.Logf("%d registry values read (%d found), all equal to hivex's", checked, found)
		})
	}
}

// hivePath maps an HKLM key to its hive file and the key's path in it.
func hivePath(t *testing.T, dir, key string) (string, string) {
	t.Helper()
	parts := strings.Split(key, `\`)
	if len(parts) < 2 || !strings.EqualFold(parts[0], "HKLM") {
		t.Fatalf("unexpected key %q", key)
	}
	hive := strings.ToUpper(parts[1])
	rest := parts[2:]
	if hive == "SYSTEM" && len(rest) > 0 && strings.EqualFold(rest[0], "CurrentControlSet") {
		rest[0] = "ControlSet001"
	}
	return filepath.Join(dir, filepath.FromSlash(imagelab.ConfigDir), hive), `\` + strings.Join(rest, `\`)
}

func lookupExport(ex map[string]map[string]imagelab.RegValue, name string) (imagelab.RegValue, bool) {
	// hivex exports the key and its subkeys; the first section is the key.
	var shortest string
	for k := range ex {
		if shortest == "" || len(k) < len(shortest) {
			shortest = k
		}
	}
	for n, v := range ex[shortest] {
		if strings.EqualFold(n, name) {
			return v, true
		}
	}
	return imagelab.RegValue{}, false
}
