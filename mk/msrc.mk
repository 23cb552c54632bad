# MSRC CVRF importer (catalog/msrc) and catalog update (catalog/update).
FUZZ_TARGETS += ./catalog/msrc:FuzzParse
FUZZ_TARGETS += ./catalog/update:FuzzUpdatesList

.PHONY: bench-msrc
# bench-msrc: parse the largest shared CVRF document, convert 24 months,
# load the 24-month catalog and the embedded default (budget: < 1 s and
# < 300 MB each), reporting ns/op, peak-heap-MB, input-MB and patches.
bench-msrc:
	$(GO) test -run='^$$' -bench='^Benchmark(Parse|Convert24|Load24Months|LoadDefault)$$' -benchtime=5x -count=3 ./catalog/msrc

.PHONY: catalog
# catalog regenerates the embedded default catalog, catalog/default/catalog.xml,
# from the hand-curated catalog/default/legacy.xml and the MSRC documents of
# catalog/default/msrc (docs/default-catalog.md). The same inputs give the
# same bytes; catalog/internal/mkdefault's test fails when it was not run.
catalog:
	$(GO) run ./catalog/internal/mkdefault
