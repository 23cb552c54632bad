# Report writers (issue 5): fuzz the per-host XML reader `patchscan rollup` uses.
FUZZ_TARGETS += ./report:FuzzReadHostXML

# golden-report rewrites the report golden files (review the diff, then commit).
.PHONY: golden-report
golden-report:
	$(GO) test ./report -run 'Golden' -update
