package smb

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/patchscan/patchscan/facts"
	"github.com/patchscan/patchscan/internal/lab"
	"github.com/patchscan/patchscan/internal/netguard"
	"github.com/patchscan/patchscan/internal/pe/petest"
	"github.com/patchscan/patchscan/scan/transport"
)

// Issue 7: a file check reads the headers and the resource section, a few
// KB, whatever the file's size. A 30 MB PE whose version resource is its
// last bytes (the worst case for a reader that reads too much) must cost
// about what a 5 KB one does on the wire; with its checksum asked for, it
// must be streamed whole, or the hash would be wrong.
func TestLargeFileReadsFewBytes(t *testing.T) {
	const (
		bigSize  = 30 << 20
		bigVer   = "6.1.7601.23689"
		bigStr   = "6.1.7601.23689 (win7sp1_ldr.170209-0600)"
		smallWin = `C:\Windows\System32\small.sys`
		bigWin   = `C:\Windows\System32\big.dll`
	)
	// The 30 MB image is generated, never committed.
	bigSrc := filepath.Join(t.TempDir(), "big.dll")
	n, err := petest.WriteFile(bigSrc, petest.Spec{Size: bigSize, FileVersion: [4]uint16{6, 1, 7601, 23689}, StringFileVersion: bigStr})
	if err != nil {
		t.Fatal(err)
	}
	bigSHA := fileSHA256(t, bigSrc)
	l := lab.Start(t, lab.HostSpec{Name: "bigfile", Reg: []string{lab.BaseReg}, Files: []lab.File{
		{Path: `Windows\System32\small.sys`, Src: lab.SrvExact},
		{Path: `Windows\System32\big.dll`, Src: bigSrc},
	}})
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	s, cc := openCounting(t, ctx, l)
	defer s.Close()

	// fact reads one file alone and returns what it cost on the
	// connection. The connection is quiet before and after: the first
	// call (below) has already looked up %SystemRoot% and connected the
	// share, and the file's close, sent in the background, has been
	// answered by the time settle returns.
	fact := func(path string, hash bool) (facts.Answer, int64, int64) {
		t.Helper()
		settle(cc)
		_, in0, out0 := cc.snapshot()
		a, err := s.Facts(ctx, []facts.Request{{Kind: facts.FactFile, Path: path, SHA256: hash}})
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		settle(cc)
		_, in1, out1 := cc.snapshot()
		if a[0].Err != nil || !a[0].Found {
			t.Fatalf("%s: %+v", path, a[0])
		}
		return a[0], in1 - in0, out1 - out0
	}
	// Warm up: registry lookup of %SystemRoot%, share connect.
	fact(smallWin, false)

	small, smallIn, smallOut := fact(smallWin, false)
	big, bigIn, bigOut := fact(bigWin, false)
	smallH, smallHIn, _ := fact(smallWin, true)
	bigH, bigHIn, bigHOut := fact(bigWin, true)
	t.Logf("bytes received per file fact (sent in parentheses): %d B file %d (%d), %d B file %d (%d); with SHA-256: %d B file %d, %d B file %d (%d)",
		small.File.Size, smallIn, smallOut, big.File.Size, bigIn, bigOut, smallH.File.Size, smallHIn, bigH.File.Size, bigHIn, bigHOut)

	for _, c := range []struct {
		name      string
		a         facts.Answer
		size      int64
		ver, str  string
		sha       string
		in        int64
		minIn     int64
		maxIn     int64
		maxInText string
	}{
		{"small", small, 5120, "6.1.7601.23689", "", "", smallIn, 1, 64 << 10, "64 KiB"},
		{"30 MB", big, n, bigVer, bigStr, "", bigIn, 1, min(3*smallIn+16<<10, 128<<10), "3× the small file's + 16 KiB, under 128 KiB"},
		{"small with SHA-256", smallH, 5120, "6.1.7601.23689", "", lab.SrvSHA256, smallHIn, 5120, 64 << 10, "64 KiB"},
		{"30 MB with SHA-256", bigH, n, bigVer, bigStr, bigSHA, bigHIn, n, n + 32<<10, "the file + 32 KiB of SMB headers (each byte read once)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := c.a.File
			if f.Size != c.size || f.Version != c.ver || f.SHA256 != c.sha || (c.str != "" && f.StringVersion != c.str) {
				t.Errorf("file %+v, want size %d version %s string %q sha %q", f, c.size, c.ver, c.str, c.sha)
			}
			if c.in < c.minIn || c.in > c.maxIn {
				t.Errorf("%d bytes received, want at least %d and at most %d (%s)", c.in, c.minIn, c.maxIn, c.maxInText)
			}
		})
	}
}

// openCounting opens the lab's first host on a connection that counts
// what crosses it.
func openCounting(t *testing.T, ctx context.Context, l *lab.Lab) (transport.Session, *countingConn) {
	t.Helper()
	h := l.Hosts[0]
	var cc *countingConn
	s, err := NewOpener(Config{Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := netguard.Loopback.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		cc = &countingConn{Conn: c}
		return cc, nil
	}}).Open(ctx, transport.Endpoint{Host: h.IP, Addr: h.Addr()}, transport.Options{
		Credentials: transport.Credentials{Domain: l.Domain, User: l.User, Password: l.Password},
		Timeout:     60 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	return s, cc
}

// settle waits until nothing has arrived on the connection for a while, so
// a measurement does not include an earlier request's late reply.
func settle(cc *countingConn) {
	_, last, _ := cc.snapshot()
	for quiet := 0; quiet < 5; {
		time.Sleep(20 * time.Millisecond)
		if _, in, _ := cc.snapshot(); in != last {
			last, quiet = in, 0
		} else {
			quiet++
		}
	}
}

func fileSHA256(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}
