package image_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/patchscan/patchscan/catalog"
	"github.com/patchscan/patchscan/detect"
	"github.com/patchscan/patchscan/internal/imagelab"
	"github.com/patchscan/patchscan/scan/image"
	"github.com/patchscan/patchscan/scan/image/hive/hivetest"
)

// bigSoftware writes a SOFTWARE hive with a Server 2019's identity, wide
// keys (keys of Classes subkeys under SOFTWARE\Classes, each with values)
// and pad bytes of unreferenced data, so the hive is as large as asked.
func bigSoftware(t testing.TB, path string, classes int, pad int64) {
	t.Helper()
	root := &hivetest.Key{Name: "ROOT"}
	cv := root.Path("Microsoft", "Windows NT", "CurrentVersion")
	cv.Values = []hivetest.Value{
		hivetest.SZ("ProductName", "Windows Server 2019 Datacenter"), hivetest.SZ("CurrentVersion", "6.3"),
		hivetest.SZ("CurrentBuildNumber", "17763"), hivetest.SZ("CurrentBuild", "17763"), hivetest.DWORD("UBR", 8388),
		hivetest.SZ("EditionID", "ServerDatacenter"), hivetest.SZ("SystemRoot", `C:\Windows`),
	}
	root.Path("Microsoft", "Windows", "CurrentVersion").Values = []hivetest.Value{
		hivetest.SZ("ProgramFilesDir", `C:\Program Files`), hivetest.SZ("CommonFilesDir", `C:\Program Files\Common Files`),
	}
	// Wide keys on the lookup path: Microsoft's siblings and children.
	cls := root.Child("Classes")
	for i := range classes {
		k := &hivetest.Key{Name: fmt.Sprintf("{%08X-0000-0000-C000-000000000046}", i)}
		cls.Subkeys = append(cls.Subkeys, k)
		k.Values = []hivetest.Value{hivetest.SZ("", fmt.Sprintf("class number %d, as CLSID keys hold", i)), hivetest.DWORD("N", uint32(i))}
	}
	// Put them first, so every lookup under Microsoft reads past all of
	// them (Windows keeps lists sorted, and "Windows" sorts late).
	ms := root.Child("Microsoft")
	var bulk []*hivetest.Key
	for i := range classes / 10 {
		bulk = append(bulk, &hivetest.Key{Name: fmt.Sprintf("Product%06d", i), Values: []hivetest.Value{hivetest.SZ("Version", "1.0")}})
	}
	ms.Subkeys = append(bulk, ms.Subkeys...)
	if err := hivetest.WriteFile(path, root, pad); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkImageScan is a whole image scan with the embedded catalog:
// open the image (its hives), run the engine, close. The SOFTWARE hive is
// a large one (300,000 Classes keys, and 30,000 keys under Microsoft that
// every lookup there reads past) padded to 1 GiB; SYSTEM, SAM and SECURITY are the real ones. Reports
// heap-MB, the largest heap in use sampled during the loop (it includes
// the benchmark's own 15 MB copy of the real SYSTEM hive).
func BenchmarkImageScan(b *testing.B) {
	for _, size := range []struct {
		name    string
		classes int
		pad     int64
	}{{"small", 100, 0}, {"1GiB", 300_000, 1 << 30}} {
		b.Run(size.name, func(b *testing.B) {
			os19 := imagelab.Server2019(8388)
			dir := imagelab.Build(b, imagelab.Spec{Reg: []string{os19.Reg()}, Files: os19.Files(`System32\ntoskrnl.exe`, `System32\drivers\srv.sys`, `System32\win32k.sys`)})
			sw := filepath.Join(dir, filepath.FromSlash(imagelab.ConfigDir), "SOFTWARE")
			bigSoftware(b, sw, size.classes, size.pad)
			st, _ := os.Stat(sw)
			cat, err := catalog.Default()
			if err != nil {
				b.Fatal(err)
			}
			eng := detect.New(cat, detect.Options{Checksums: detect.ChecksumOn})
			peak := sampleHeap(b)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				h, err := image.Open(dir, image.Options{})
				if err != nil {
					b.Fatal(err)
				}
				rep, err := eng.Scan(context.Background(), h)
				h.Close()
				if err != nil || len(rep.Results) == 0 || rep.OS.Build != "17763" {
					b.Fatalf("scan: %v, %d results, build %q", err, len(rep.Results), rep.OS.Build)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(st.Size())/(1<<20), "hive-MB")
			b.ReportMetric(peak()/(1<<20), "heap-MB")
		})
	}
}

// sampleHeap records the largest heap in use (runtime/metrics: no
// stop-the-world) every millisecond until the returned function is called.
func sampleHeap(b *testing.B) func() float64 {
	runtime.GC()
	var max atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/unused:bytes"}}
		for {
			metrics.Read(s)
			if n := s[0].Value.Uint64() + s[1].Value.Uint64(); n > max.Load() {
				max.Store(n)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	})
	return func() float64 {
		close(stop)
		wg.Wait()
		return float64(max.Load())
	}
}
