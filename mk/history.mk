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
