# Targets, the scan run and AD enumeration (issue 4).
FUZZ_TARGETS += ./scan/targets:FuzzParse
