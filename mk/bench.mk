# Speed and resilience harness (issue 7): bench/, internal/netem, internal/faultsrv.

.PHONY: bench bench-quick bench-gen
# bench starts one Samba bench host (root; `make deps` installs Samba and
# impacket) and prints per-host figures at 0 and 20 ms RTT, CPU per host,
# fleet throughput for 64 and 256 loopback targets and the peers side by
# side. A few minutes. BENCH_FLAGS passes options (go run ./bench -h).
BENCH_FLAGS ?=
bench: deps
	$(GO) run ./bench $(BENCH_FLAGS)

# bench-quick: one repetition, small fleets, no peers (a sanity check).
bench-quick: deps
	$(GO) run ./bench -reps 1 -fleet 16 -cpu-hosts 3 -peers=false $(BENCH_FLAGS)

# bench-gen regenerates testdata/bench/bench50.xml and bench.reg.
bench-gen:
	$(GO) run ./bench/gencatalog -out testdata/bench
