# Targets, the scan run and AD enumeration (issue 4).
FUZZ_TARGETS += ./scan/targets:FuzzParse

# Figures for the run (issue 4): 1,000 loopback targets and 20,000 fake
# hosts through the pool; 1,000 targets through the CLI with two lab hosts.
.PHONY: run-figures
run-figures:
	$(GO) test -count=1 -v -run 'TestRunThousandLoopbackTargets|TestRunBoundedByPool' ./scan/
	$(GO) test -count=1 -v -run 'TestScanThousandTargets' ./cmd/patchscan/
