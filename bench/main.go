// Command bench is patchscan's speed benchmark (issue 7), run by `make
// bench` (root, Samba installed: `make deps`). It starts one Samba lab smbd
// on 0.0.0.0:PORT, so every 127.x address reaches the same bench host, and
// prints:
//
//   - per host, at 0 ms and 20 ms RTT (a netem proxy in front of the
//     host): wall time, round trips (wall ÷ RTT, and counted at the
//     proxy), bytes each way, facts and batches, for the generated
//     50-check catalog (testdata/bench/bench50.xml) and the embedded one;
//   - CPU time per host (getrusage over sequential scans, no proxy);
//   - fleet throughput (hosts/s) for 64 and 256 targets on as many
//     loopback addresses, with the scanner's and the server's CPU;
//   - the peers on the same host and facts at 0 and 20 ms: impacket
//     (bench/peer_impacket.py) and Samba's CLI in a shell loop
//     (bench/peer_samba.sh), and the ratios patchscan ÷ peer.
//
// Everything binds loopback only (the shared smbd listens on 0.0.0.0 and
// is only ever dialled on 127.x), and is torn down on exit.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"iter"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/patchscan/patchscan/catalog"
	"github.com/patchscan/patchscan/detect"
	"github.com/patchscan/patchscan/facts"
	"github.com/patchscan/patchscan/internal/lab"
	"github.com/patchscan/patchscan/internal/netem"
	"github.com/patchscan/patchscan/scan"
	"github.com/patchscan/patchscan/scan/smb"
	"github.com/patchscan/patchscan/scan/targets"
	"github.com/patchscan/patchscan/scan/transport"
)

var (
	flagDelay   = flag.Duration("delay", 10*time.Millisecond, "one-way delay of the far scenario (RTT = 2×delay)")
	flagReps    = flag.Int("reps", 3, "repetitions of each per-host measurement (the median is printed)")
	flagFleets  = flag.String("fleet", "64,256", "fleet sizes (targets on distinct 127.x addresses)")
	flagThreads = flag.Int("threads", scan.DefaultThreads, "scan workers for fleet runs")
	flagPeers   = flag.Bool("peers", true, "run the impacket and Samba CLI peers")
	flagCPUHost = flag.Int("cpu-hosts", 20, "sequential scans over which CPU per host is measured")
	flagProbe   = flag.Duration("probe-timeout", 3*time.Second, "TCP probe timeout of fleet runs: one smbd's listen backlog (50) serves every address, so with 64 workers some SYNs are dropped and retried after 1 s")
	flagKeep    = flag.Bool("keep", false, "keep the lab's state directory (smbd logs) for a post-mortem")
	flagFileCon = flag.Int("file-concurrency", 0, "smb.Config.FileConcurrency (0 = the transport's default)")
)

func main() {
	flag.Parse()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// benchHost is the one host every address reaches: the lab's patched host
// plus the bench registry values and 20 files of bench50.xml.
func benchHost() lab.HostSpec {
	files := []lab.File{
		{Path: lab.SrvPath, Src: lab.SrvExact},
		{Path: `Program Files\PatchscanLab\tool.exe`, Src: lab.SrvOld},
	}
	for i := range 20 {
		files = append(files, lab.File{Path: fmt.Sprintf(`Windows\System32\bench\b%02d.dll`, i+1), Src: lab.SrvExact})
	}
	return lab.HostSpec{Name: "bench", Reg: []string{lab.BaseReg, lab.KBReg, "testdata/bench/bench.reg"}, Files: files}
}

type scenario struct {
	name string
	cat  *catalog.Catalog
}

func run() error {
	cats, err := loadScenarios()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "patchscan-bench-")
	if err != nil {
		return err
	}
	if *flagKeep {
		defer fmt.Printf("lab state kept in %s\n", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	fmt.Printf("starting the Samba bench host (one smbd on 0.0.0.0, dialled on 127.x only)...\n")
	l, err := lab.Run(filepath.Join(dir, "lab"), lab.Config{Shared: true}, benchHost())
	if err != nil {
		return err
	}
	defer l.Stop()
	h := l.Hosts[0]
	b := &bencher{l: l, port: h.Port, conf: h.Conf()}
	hostAddr := net.JoinHostPort("127.0.0.1", strconv.Itoa(h.Port))
	if err := b.warmUp(cats[0].cat, hostAddr); err != nil {
		return err
	}
	perHost, err := b.printPerHost(cats, hostAddr)
	if err != nil {
		return err
	}
	b.printCPU(cats, hostAddr)
	if err := b.printFleet(cats); err != nil {
		return err
	}
	if !*flagPeers {
		return nil
	}
	return b.printPeers(cats[0].cat, perHost["bench50"], hostAddr, dir)
}

// loadScenarios loads the catalogs every figure is measured with: bench50
// first (the peers read the facts it asks for), then the embedded default.
func loadScenarios() ([]scenario, error) {
	bench50, err := catalog.LoadFile(filepath.Join(lab.RepoRoot(), "testdata", "bench", "bench50.xml"))
	if err != nil {
		return nil, err
	}
	embedded, err := catalog.Default()
	if err != nil {
		return nil, err
	}
	return []scenario{{"bench50", bench50}, {"embedded", embedded}}, nil
}

// warmUp scans once, because Samba starts samba-dcerpcd and rpcd_winreg on
// first use, then counts the host's idle processes (smbd, its helpers,
// samba-dcerpcd, rpcd_*) once the warm-up connection's smbd child has gone.
func (b *bencher) warmUp(cat *catalog.Catalog, hostAddr string) error {
	if _, err := b.scanOnce(cat, hostAddr); err != nil {
		return fmt.Errorf("warm-up scan: %w", err)
	}
	time.Sleep(500 * time.Millisecond)
	b.idleProcs, _ = b.procTicks()
	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Printf("machine: %d CPUs, load %s\n", numCPU(), strings.Join(strings.Fields(string(load))[:3], " "))
	return nil
}

type bencher struct {
	l         *lab.Lab
	port      int
	conf      string
	idleProcs int // the host's processes with no client connected
}

func (b *bencher) config(cat *catalog.Catalog, threads int, opener transport.Opener) scan.Config {
	if opener == nil {
		opener = smb.NewOpener(smb.Config{FileConcurrency: *flagFileCon})
	}
	return scan.Config{
		Opener:      opener,
		Engine:      detect.New(cat, detect.Options{}),
		Credentials: transport.Credentials{Domain: b.l.Domain, User: b.l.User, Password: b.l.Password},
		Port:        b.port,
		Threads:     threads,
		Timeout:     60 * time.Second,
	}
}

func targetOf(addr string) targets.Target {
	host, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	return targets.Target{Input: addr, Source: "bench", Host: host, Port: p}
}

func seqOf(ts []targets.Target) iter.Seq[targets.Target] { return slices.Values(ts) }

// scanOnce scans one address and insists it was scanned.
func (b *bencher) scanOnce(cat *catalog.Catalog, addr string) (scan.HostResult, error) {
	return b.scanWith(b.config(cat, 1, nil), addr)
}

func (b *bencher) scanWith(cfg scan.Config, addr string) (scan.HostResult, error) {
	var res scan.HostResult
	_, err := scan.Run(context.Background(), cfg, seqOf([]targets.Target{targetOf(addr)}), func(r scan.HostResult) { res = r })
	if err != nil {
		return res, err
	}
	if res.Status != transport.Scanned {
		return res, fmt.Errorf("host %s: %s: %s", addr, res.Status, res.Reason())
	}
	return res, nil
}

type hostFig struct {
	wall     time.Duration
	st       netem.Stats
	facts    int
	batches  int
	verdicts string
}

// perHost scans the host through a proxy adding delay each way.
func (b *bencher) perHost(cat *catalog.Catalog, hostAddr string, delay time.Duration) (hostFig, error) {
	p, err := netem.Start(netem.Config{Listen: "127.0.0.1:0", Target: hostAddr, Delay: delay})
	if err != nil {
		return hostFig{}, err
	}
	defer p.Close()
	var figs []hostFig
	var failed []string
	for range *flagReps {
		p.Reset()
		r, err := b.scanOnce(cat, p.Addr())
		if err != nil {
			// A failed scan is a finding, not a reason to stop the
			// benchmark: say it and measure the others.
			failed = append(failed, err.Error())
			continue
		}
		figs = append(figs, hostFig{wall: r.Finished.Sub(r.Started), st: p.Stats(), facts: r.Report.Facts,
			batches: r.Report.Batches, verdicts: verdicts(r.Report)})
	}
	for _, f := range failed {
		fmt.Printf("          FAILED scan (not counted): %.300s\n", f)
	}
	if len(figs) == 0 {
		return hostFig{}, errors.New("every repetition failed")
	}
	slices.SortFunc(figs, func(a, b hostFig) int { return int(a.wall - b.wall) })
	return figs[len(figs)/2], nil
}

func verdicts(rep *detect.Report) string {
	n := map[detect.Status]int{}
	for _, r := range rep.Results {
		n[r.Status]++
	}
	var parts []string
	for _, s := range detect.Statuses {
		if n[s] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", s, n[s]))
		}
	}
	out := strings.Join(parts, ", ")
	// An error verdict in a benchmark means the figures are not what
	// they seem: show the first one.
	for _, r := range rep.Results {
		if r.Status == detect.StatusError && len(r.Reasons) > 0 {
			out += fmt.Sprintf("; first error: %s: %.300s", r.BulletinID, r.Reasons[0])
			break
		}
	}
	return out
}

func rusage() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuPerHost scans n times in a row; failed scans are counted (and
// their CPU included: a scanner pays for failures too).
func (b *bencher) cpuPerHost(cat *catalog.Catalog, addr string, n int) (cpu, wall time.Duration, failed []string) {
	begin, c0 := time.Now(), rusage()
	for range n {
		if _, err := b.scanOnce(cat, addr); err != nil {
			failed = append(failed, err.Error())
		}
	}
	return (rusage() - c0) / time.Duration(n), time.Since(begin) / time.Duration(n), failed
}

type fleetFig struct {
	wall, scanCPU, serverCPU time.Duration
	statuses                 map[transport.Outcome]int
	firstErr                 map[transport.Outcome]string
}

// fleet scans n distinct loopback addresses, all served by the shared smbd.
func (b *bencher) fleet(cat *catalog.Catalog, n int) (fleetFig, error) {
	ts := make([]targets.Target, n)
	for i := range n {
		ts[i] = targets.Target{Source: "bench", Host: fmt.Sprintf("127.77.%d.%d", i/250, 1+i%250), Port: b.port}
		ts[i].Input = ts[i].Host
	}
	f := fleetFig{statuses: map[transport.Outcome]int{}, firstErr: map[transport.Outcome]string{}}
	s0, c0, begin := b.serverCPU(), rusage(), time.Now()
	cfg := b.config(cat, *flagThreads, nil)
	cfg.ProbeTimeout = *flagProbe
	_, err := scan.Run(context.Background(), cfg, seqOf(ts), func(r scan.HostResult) {
		f.statuses[r.Status]++
		if r.Status != transport.Scanned && f.firstErr[r.Status] == "" {
			f.firstErr[r.Status] = r.Reason()
		}
	})
	f.wall = time.Since(begin)
	f.scanCPU = rusage() - c0
	f.serverCPU = b.serverCPU() - s0
	return f, err
}

// serverCPU sums the CPU (own and reaped children's) of every process of
// the bench host: smbd, samba-dcerpcd and its rpcd_* workers, found by
// the host's smb.conf path on their command lines.
func (b *bencher) serverCPU() time.Duration {
	// A per-connection smbd that has exited but is not reaped yet is a
	// zombie whose CPU is in neither its own entry (no command line to
	// match) nor its parent's cutime: sample only once the processes are
	// back to their idle count (or after 3 s).
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if n, _ := b.procTicks(); n <= b.idleProcs {
			break
		}
	}
	_, ticks := b.procTicks()
	// USER_HZ is 100 on Linux for every architecture Go supports here.
	return time.Duration(ticks) * 10 * time.Millisecond
}

// procTicks counts the bench host's processes and sums their CPU ticks.
func (b *bencher) procTicks() (n int, ticks int64) {
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		cmd, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || !bytes.Contains(cmd, []byte(b.conf)) {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// Fields after the ")" closing the command name: utime is the
		// 14th field overall, i.e. index 11 after it.
		i := bytes.LastIndexByte(stat, ')')
		if i < 0 {
			continue
		}
		fs := strings.Fields(string(stat[i+1:]))
		if len(fs) < 15 {
			continue
		}
		n++
		for _, k := range []int{11, 12, 13, 14} { // utime stime cutime cstime
			v, _ := strconv.ParseInt(fs[k], 10, 64)
			ticks += v
		}
	}
	return n, ticks
}

// factList is what the peers read: the facts patchscan asked for.
type factList struct {
	Registry []regFact  `json:"registry"`
	Files    []fileFact `json:"files"`
}

type regFact struct {
	Key  string `json:"key"`
	Name string `json:"name"`
	Kind string `json:"kind"` // "value" or "key"
}

type fileFact struct {
	Share string `json:"share"`
	Path  string `json:"path"`
}

// recorder wraps sessions to record the requests the engine makes.
type recorder struct {
	transport.Opener
	mu   sync.Mutex
	reqs []facts.Request
}

type recSession struct {
	transport.Session
	r *recorder
}

func (r *recorder) Open(ctx context.Context, ep transport.Endpoint, o transport.Options) (transport.Session, error) {
	s, err := r.Opener.Open(ctx, ep, o)
	if err != nil {
		return nil, err
	}
	return recSession{s, r}, nil
}

func (s recSession) Facts(ctx context.Context, reqs []facts.Request) ([]facts.Answer, error) {
	s.r.mu.Lock()
	s.r.reqs = append(s.r.reqs, reqs...)
	s.r.mu.Unlock()
	return s.Session.Facts(ctx, reqs)
}

func (b *bencher) recordFacts(cat *catalog.Catalog, addr string) (factList, error) {
	rec := &recorder{Opener: smb.NewOpener(smb.Config{FileConcurrency: *flagFileCon})}
	if _, err := b.scanWith(b.config(cat, 1, rec), addr); err != nil {
		return factList{}, err
	}
	var fl factList
	for _, r := range rec.reqs {
		key := r.Key
		if i := strings.IndexByte(key, '\\'); i >= 0 {
			key = key[i+1:] // drop the hive: HKLM is implied
		}
		switch r.Kind {
		case facts.FactRegValue:
			fl.Registry = append(fl.Registry, regFact{Key: key, Name: r.Name, Kind: "value"})
		case facts.FactRegKey:
			fl.Registry = append(fl.Registry, regFact{Key: key, Kind: "key"})
		case facts.FactFile:
			share, rel := "C$", r.Path
			if len(rel) >= 3 && rel[1] == ':' {
				rel = rel[3:]
			}
			if strings.HasPrefix(strings.ToLower(rel), `windows\`) {
				share, rel = "ADMIN$", rel[len(`windows\`):]
			}
			fl.Files = append(fl.Files, fileFact{Share: share, Path: rel})
		}
	}
	return fl, nil
}

type peerFig struct {
	wall time.Duration
	st   netem.Stats
	note string
}

// peer runs one peer against the host through a proxy with the delay.
func (b *bencher) peer(name string, fl factList, dir string, delay time.Duration) (peerFig, error) {
	hostAddr := net.JoinHostPort("127.0.0.1", strconv.Itoa(b.port))
	p, err := netem.Start(netem.Config{Listen: "127.0.0.1:0", Target: hostAddr, Delay: delay})
	if err != nil {
		return peerFig{}, err
	}
	defer p.Close()
	host, port, _ := net.SplitHostPort(p.Addr())
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	root := lab.RepoRoot()
	switch name {
	case "impacket":
		factsFile := filepath.Join(dir, "facts.json")
		js, _ := json.Marshal(fl)
		if err := os.WriteFile(factsFile, js, 0o600); err != nil {
			return peerFig{}, err
		}
		cmd := exec.CommandContext(ctx, "/usr/bin/python3", filepath.Join(root, "bench", "peer_impacket.py"),
			factsFile, b.l.Domain, b.l.User, p.Addr())
		cmd.Env = append(os.Environ(), "PATCHSCAN_PASSWORD="+b.l.Password)
		out, err := cmd.Output()
		if err != nil {
			return peerFig{}, fmt.Errorf("peer_impacket.py: %w: %s", err, stderrOf(err))
		}
		var res struct {
			Wall     float64  `json:"wall"`
			Error    string   `json:"error"`
			RegFound int      `json:"registry_found"`
			Files    int      `json:"files_versioned"`
			Versions []string `json:"versions"`
		}
		if err := json.Unmarshal(bytes.TrimSpace(out), &res); err != nil {
			return peerFig{}, fmt.Errorf("peer_impacket.py output %q: %w", out, err)
		}
		if res.Error != "" {
			return peerFig{}, errors.New(res.Error)
		}
		return peerFig{wall: time.Duration(res.Wall * float64(time.Second)), st: p.Stats(),
			note: fmt.Sprintf("%d registry facts found, %d files versioned %v; wall measured in-script", res.RegFound, res.Files, res.Versions)}, nil
	case "samba-cli":
		tsv := filepath.Join(dir, "facts.tsv")
		var buf bytes.Buffer
		for _, r := range fl.Registry {
			if r.Kind == "key" {
				fmt.Fprintf(&buf, "key\t%s\n", r.Key)
			} else {
				fmt.Fprintf(&buf, "reg\t%s\t%s\n", r.Key, r.Name)
			}
		}
		for _, f := range fl.Files {
			fmt.Fprintf(&buf, "file\t%s\t%s\n", f.Share, f.Path)
		}
		if err := os.WriteFile(tsv, buf.Bytes(), 0o600); err != nil {
			return peerFig{}, err
		}
		auth := filepath.Join(dir, "auth")
		if err := os.WriteFile(auth, fmt.Appendf(nil, "username = %s\npassword = %s\ndomain = %s\n", b.l.User, b.l.Password, b.l.Domain), 0o600); err != nil {
			return peerFig{}, err
		}
		defer os.Remove(auth)
		cmd := exec.CommandContext(ctx, "/bin/bash", filepath.Join(root, "bench", "peer_samba.sh"), tsv, auth, host, port)
		out, err := cmd.Output()
		if err != nil {
			return peerFig{}, fmt.Errorf("peer_samba.sh: %w: %s", err, stderrOf(err))
		}
		line := strings.TrimSpace(string(out))
		var wall float64
		var ok, failed int
		if _, err := fmt.Sscanf(line, "wall=%f ok=%d failed=%d", &wall, &ok, &failed); err != nil {
			return peerFig{}, fmt.Errorf("peer_samba.sh output %q: %w", line, err)
		}
		return peerFig{wall: time.Duration(wall * float64(time.Second)), st: p.Stats(),
			note: fmt.Sprintf("%d commands succeeded, %d failed (absent values fail)", ok, failed)}, nil
	}
	return peerFig{}, fmt.Errorf("unknown peer %s", name)
}

func stderrOf(err error) string {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		s := bufio.NewScanner(bytes.NewReader(ee.Stderr))
		var last string
		for s.Scan() {
			last = s.Text()
		}
		return last
	}
	return ""
}

func numCPU() int {
	b, _ := os.ReadFile("/proc/cpuinfo")
	return bytes.Count(b, []byte("\nprocessor")) + 1
}
