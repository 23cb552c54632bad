package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/patchscan/patchscan/catalog"
)

// printPerHost measures one host at 0 ms and at the configured RTT for
// every catalog, and prints a row each. The figures are kept by catalog
// and RTT for the peers' comparison.
func (b *bencher) printPerHost(cats []scenario, hostAddr string) (map[string]map[time.Duration]hostFig, error) {
	fmt.Printf("\n== per host (median of %d; RTT added by the netem proxy) ==\n", *flagReps)
	fmt.Printf("RT@proxy: client turns starting a new flight (>= one delay apart), 1 per TCP connection included;\nturns: every client send after a reply (overlapping requests turn around many times per flight)\n")
	fmt.Printf("%-9s %-6s %9s %8s %6s %9s %9s %9s %6s %8s\n", "catalog", "RTT", "wall", "RT@proxy", "turns", "wall÷RTT", "bytes in", "bytes out", "facts", "batches")
	perHost := map[string]map[time.Duration]hostFig{}
	for _, sc := range cats {
		perHost[sc.name] = map[time.Duration]hostFig{}
		for _, d := range []time.Duration{0, *flagDelay} {
			f, err := b.perHost(sc.cat, hostAddr, d)
			if err != nil {
				return nil, fmt.Errorf("%s at %v: %w", sc.name, 2*d, err)
			}
			perHost[sc.name][2*d] = f
			ratio := "-"
			if d > 0 {
				ratio = fmt.Sprintf("%.1f", float64(f.wall)/float64(2*d))
			}
			fmt.Printf("%-9s %-6v %9v %8d %6d %9s %9d %9d %6d %8d\n", sc.name, 2*d, f.wall.Round(100*time.Microsecond),
				f.st.RoundTrips, f.st.Turns, ratio, f.st.BytesDown, f.st.BytesUp, f.facts, f.batches)
			fmt.Printf("          verdicts: %s\n", f.verdicts)
		}
	}
	return perHost, nil
}

// printCPU prints the scanner's CPU per host, with no proxy in the
// process's way.
func (b *bencher) printCPU(cats []scenario, hostAddr string) {
	fmt.Printf("\n== scanner CPU per host (getrusage over %d sequential scans, direct) ==\n", *flagCPUHost)
	for _, sc := range cats {
		cpu, wall, failed := b.cpuPerHost(sc.cat, hostAddr, *flagCPUHost)
		fmt.Printf("%-9s CPU %v per host (user+sys), wall %v per host, %d of %d scans failed\n", sc.name,
			cpu.Round(10*time.Microsecond), wall.Round(10*time.Microsecond), len(failed), *flagCPUHost)
		if len(failed) > 0 {
			fmt.Printf("          first failure: %.300s\n", failed[0])
		}
	}
}

// printFleet prints fleet throughput for every -fleet size.
func (b *bencher) printFleet(cats []scenario) error {
	fmt.Printf("\n== fleet throughput (0 ms, %d workers, probe timeout %v, one smbd serving every address) ==\n", *flagThreads, *flagProbe)
	fmt.Printf("%-9s %6s %9s %9s %10s %10s %12s %s\n", "catalog", "hosts", "wall", "hosts/s", "scan CPU", "smbd CPU", "scanner share", "statuses")
	for _, sc := range cats {
		for _, fs := range strings.Split(*flagFleets, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(fs))
			if err != nil || n < 1 || n > 60000 {
				return fmt.Errorf("bad -fleet size %q", fs)
			}
			f, err := b.fleet(sc.cat, n)
			if err != nil {
				return err
			}
			share := float64(f.scanCPU) / float64(f.scanCPU+f.serverCPU) * 100
			fmt.Printf("%-9s %6d %9v %9.1f %10v %10v %11.0f%% %v\n", sc.name, n, f.wall.Round(time.Millisecond),
				float64(n)/f.wall.Seconds(), f.scanCPU.Round(time.Millisecond), f.serverCPU.Round(time.Millisecond), share, f.statuses)
			for st, e := range f.firstErr {
				fmt.Printf("          first %s: %.300s\n", st, e)
			}
		}
	}
	return nil
}

// printPeers reads the facts patchscan reads for cat with impacket and the
// Samba CLI on the same host, at 0 ms and the configured RTT, beside
// patchscan's own figures (ours, by RTT).
func (b *bencher) printPeers(cat *catalog.Catalog, ours map[time.Duration]hostFig, hostAddr, dir string) error {
	facts, err := b.recordFacts(cat, hostAddr)
	if err != nil {
		return err
	}
	fmt.Printf("\n== peers, one host, the facts patchscan reads for bench50 (%d registry, %d files) ==\n", len(facts.Registry), len(facts.Files))
	fmt.Printf("%-10s %-6s %10s %8s %8s %15s\n", "tool", "RTT", "wall", "RT@proxy", "turns", "patchscan÷peer")
	for _, d := range []time.Duration{0, *flagDelay} {
		ps := ours[2*d]
		fmt.Printf("%-10s %-6v %10v %8d %8d %15s\n", "patchscan", 2*d, ps.wall.Round(100*time.Microsecond), ps.st.RoundTrips, ps.st.Turns, "1")
		for _, peer := range []string{"impacket", "samba-cli"} {
			res, err := b.peer(peer, facts, dir, d)
			if err != nil {
				fmt.Printf("%-10s %-6v  failed: %v\n", peer, 2*d, err)
				continue
			}
			fmt.Printf("%-10s %-6v %10v %8d %8d %15.3f  (%s)\n", peer, 2*d, res.wall.Round(time.Millisecond), res.st.RoundTrips, res.st.Turns,
				float64(ps.wall)/float64(res.wall), res.note)
		}
	}
	fmt.Printf("\nRTT = 2 × %v one-way (netem proxy); bench host: %s\n", *flagDelay, hostAddr)
	return nil
}
