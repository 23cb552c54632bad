# History store, due dates, HTML report (issue 15): report/history,
# report/deadline, report/htmlreport, internal/pglab (a real PostgreSQL
# for the tests), internal/chromium (a real headless Chromium).
FUZZ_TARGETS += ./report/deadline:FuzzParse

.PHONY: bench-history
# bench-history: recording a run of 10,000 hosts in SQLite (first run and
# a weekly one) and diff between two such runs (budgets: record < 2 s,
# diff < 1 s); cpu-ms/op is the figure that holds on a busy machine.
bench-history:
	$(GO) test -run='^$$' -bench='Record|Diff' -benchtime=3x ./report/history

.PHONY: bench-report-html
# bench-report-html: `report html` over a SQLite store of 4 runs of 10,000
# hosts (budget: under 3 s and under 5 MB).
bench-report-html:
	$(GO) test -run='^$$' -bench='Report10k' -benchtime=3x ./report/htmlreport

.PHONY: report-html-browser
# report-html-browser: the HTML report in a real headless Chromium; the
# screenshot lands in $(PATCHSCAN_ARTEFACTS) (default /tmp/patchscan-artefacts).
PATCHSCAN_ARTEFACTS ?= /tmp/patchscan-artefacts
report-html-browser: deps
	PATCHSCAN_ARTEFACTS=$(PATCHSCAN_ARTEFACTS) CI=true $(GO) test -count=1 -v -run 'Chromium' ./report/htmlreport
	@echo "artefacts: $(PATCHSCAN_ARTEFACTS)"
FUZZ_TARGETS += ./report/history:FuzzTimeScan
