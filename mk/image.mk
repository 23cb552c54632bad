# Offline image scans (issue 12): scan/image, its hive reader scan/image/hive,
# and internal/imagelab (test images built from real hives with hivex).
FUZZ_TARGETS += ./scan/image/hive:FuzzOpen

.PHONY: bench-image
# bench-image: a whole image scan with the embedded catalog (open the
# hives, run the engine, close), on a small SOFTWARE hive and on a 1 GiB
# one with 330,000 keys (budget: < 200 ms and < 100 MB whatever the size).
bench-image:
	$(GO) test -run='^$$' -bench='^BenchmarkImageScan$$' -benchtime=20x -count=3 ./scan/image
