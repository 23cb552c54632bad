package smb

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/internal/lab"
	"github.com/patchscan/patchscan/internal/rrp"
)

// Keys compared with impacket, relative to HKLM.
var diffKeys = []string{
	`SOFTWARE\Microsoft\Windows NT\CurrentVersion`,
	`SOFTWARE\Microsoft\Windows\CurrentVersion`,
	`SOFTWARE\Microsoft\Updates\Windows 7\SP1\KB4012212`,
	`SOFTWARE\Microsoft\Updates`,
	`SYSTEM\CurrentControlSet\Control\ProductOptions`,
	`SYSTEM\CurrentControlSet\Control\Nls\Language`,
	`SOFTWARE\PatchscanLab`,
	`SOFTWARE\PatchscanLab\Big`,
	`SOFTWARE\NoSuchKey`,
}

type dumpKey struct {
	Error  int
	Values []struct {
		Name string
		Type uint32
		Data string
		Err  int `json:"error"`
	}
	Subkeys []any
}

// TestDifferentialImpacket: every value and subkey our MS-RRP client reads
// from the lab hosts equals what impacket's client (written by others,
// python3-impacket) reads from the same servers.
func TestDifferentialImpacket(t *testing.T) {
	l := standardLab(t)
	py := "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import impacket").Run(); err != nil {
		if ciMode() {
			t.Fatalf("python3-impacket missing: %v", err)
		}
		t.Skipf("python3-impacket missing: %v", err)
	}
	compared := 0
	for _, name := range []string{lab.Patched, lab.MissingRegKey} {
		ref := impacketDump(t, py, l.Host(name), name)
		ts, err := open(t, l, name, Config{})
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		p, err := ts.(*session).takePipe(ctx)
		if err != nil {
			t.Fatal(err)
		}
		v, err := p.c.GetVersion(ctx, p.hklm)
		if err != nil || v != ref.Version {
			t.Errorf("%s: version %d (%v), impacket %d", name, v, err, ref.Version)
		}
		for _, key := range diffKeys {
			compared += compareKey(t, ctx, p, name, key, ref.Keys[key])
		}
		ts.Close()
	}
	if compared < 20 {
		t.Fatalf("only %d items compared", compared)
	}
	t.Logf("%d values, subkeys and errors identical to impacket's", compared)
}

// impacketDump is what impacket's MS-RRP client reads of diffKeys on h.
type impacketRef struct {
	Version uint32
	Keys    map[string]dumpKey
}

func impacketDump(t *testing.T, py string, h *lab.Host, name string) impacketRef {
	t.Helper()
	cmd := exec.Command(py, append([]string{filepath.Join(lab.RepoRoot(), "testdata/lab/rrp_dump.py"),
		h.IP, strconv.Itoa(h.Port), h.Domain, h.User}, diffKeys...)...)
	cmd.Env = append(os.Environ(), "PATCHSCAN_PASSWORD="+h.Password)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: rrp_dump.py: %v: %s", name, err, stderr.String())
	}
	var ref impacketRef
	if err := json.Unmarshal(out, &ref); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return ref
}

// compareKey compares one key as our client reads it with impacket's
// reading, and returns how many items it compared.
func compareKey(t *testing.T, ctx context.Context, p *regPipe, name, key string, want dumpKey) int {
	t.Helper()
	kh, err := p.c.OpenKey(ctx, p.hklm, key)
	if want.Error != 0 {
		var we rrp.Win32Error
		if !errors.As(err, &we) || int(we) != want.Error {
			t.Errorf("%s %s: err %v, impacket error %d", name, key, err, want.Error)
		}
		return 1
	}
	if err != nil {
		t.Errorf("%s %s: %v", name, key, err)
		return 0
	}
	got := enumValues(t, ctx, p, kh, name, key)
	var wantVals []string
	for _, wv := range want.Values {
		if wv.Err != 0 {
			t.Fatalf("%s %s: impacket enumeration error %d", name, key, wv.Err)
		}
		wantVals = append(wantVals, wv.Name+"|"+strconv.Itoa(int(wv.Type))+"|"+wv.Data)
	}
	if strings.Join(got, "\n") != strings.Join(wantVals, "\n") {
		t.Errorf("%s %s values:\n ours     %v\n impacket %v", name, key, short(got), short(wantVals))
	}
	keys := enumKeys(t, ctx, p, kh, name, key)
	var wantKeys []string
	for _, k := range want.Subkeys {
		ks, ok := k.(string)
		if !ok {
			t.Fatalf("%s %s: impacket subkey error %v", name, key, k)
		}
		wantKeys = append(wantKeys, ks)
	}
	sort.Strings(keys)
	sort.Strings(wantKeys)
	if strings.Join(keys, "|") != strings.Join(wantKeys, "|") {
		t.Errorf("%s %s subkeys: ours %v, impacket %v", name, key, keys, wantKeys)
	}
	return len(got) + len(keys)
}

// enumValues lists a key's values by enumeration ("name|type|hex data"),
// checking each against a query of the same value.
func enumValues(t *testing.T, ctx context.Context, p *regPipe, kh rrp.Handle, name, key string) []string {
	t.Helper()
	var got []string
	for i := uint32(0); ; i++ {
		val, err := p.c.EnumValue(ctx, kh, i)
		if errors.Is(err, rrp.ErrNoMoreItems) {
			return got
		}
		if err != nil {
			t.Fatalf("%s %s value %d: %v", name, key, i, err)
		}
		got = append(got, val.Name+"|"+strconv.Itoa(int(val.Type))+"|"+hex.EncodeToString(val.Data))
		typ, data, err := p.c.QueryValue(ctx, kh, val.Name)
		if err != nil || typ != val.Type || hex.EncodeToString(data) != hex.EncodeToString(val.Data) {
			t.Errorf("%s %s %q: query %d %x (%v) differs from enumeration", name, key, val.Name, typ, data, err)
		}
	}
}

// enumKeys lists a key's subkeys by enumeration.
func enumKeys(t *testing.T, ctx context.Context, p *regPipe, kh rrp.Handle, name, key string) []string {
	t.Helper()
	var keys []string
	for i := uint32(0); ; i++ {
		k, err := p.c.EnumKey(ctx, kh, i)
		if errors.Is(err, rrp.ErrNoMoreItems) {
			return keys
		}
		if err != nil {
			t.Fatalf("%s %s subkey %d: %v", name, key, i, err)
		}
		keys = append(keys, k)
	}
}

func short(v []string) []string {
	out := make([]string, len(v))
	for i, s := range v {
		if len(s) > 80 {
			s = s[:80] + "..."
		}
		out[i] = s
	}
	return out
}
