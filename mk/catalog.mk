# Catalog loader: fuzz target, benchmark, schema check.
FUZZ_TARGETS += ./catalog:FuzzLoad ./catalog:FuzzWrite

.PHONY: bench-catalog
# bench-catalog loads a generated 20 MB catalog with 10,000 bulletins
# (budget: < 1 s, < 300 MB), then the hostile shapes of issue 13.19: 400,000
# elements on one line and two million tiny elements (< 500 MB, linear). Each
# reports ns/op, B/op, peak-heap-MB, cpu-ms/op and maxrss-MB (one benchmark
# per process, so that the peak RSS is that benchmark's).
bench-catalog:
	@set -e; for b in Load20MB LoadOneLine400k LoadTiny2M; do \
		$(GO) test -run='^$$' -bench="^Benchmark$$b\$$" -benchtime=5x -count=3 ./catalog; \
	done
