# Detection engine (detect/) and the in-memory host (detect/memhost/).
FUZZ_TARGETS += ./facts:FuzzRegValue ./detect:FuzzScanAnswers ./detect/memhost:FuzzLoadReg

.PHONY: bench-detect
# bench-detect: engine cost per host (ns, B and allocs per host scan).
bench-detect:
	$(GO) test -run='^$$' -bench=BenchmarkScan -benchmem -count=1 ./detect
