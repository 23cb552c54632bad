# Catalog loader: fuzz target, benchmark, schema check.
FUZZ_TARGETS += ./catalog:FuzzLoad

.PHONY: bench-catalog
# bench-catalog loads a generated 20 MB catalog with 10,000 bulletins and
# reports ns/op, B/op, peak-heap-MB and cpu-ms/op (budget: < 1 s, < 300 MB).
bench-catalog:
	$(GO) test -run='^$$' -bench='^BenchmarkLoad20MB$$' -benchtime=5x -count=3 ./catalog
FUZZ_TARGETS += ./catalog:FuzzFastParse
