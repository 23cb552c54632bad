# Configuration baselines (issue 16): fuzz the loader (--baseline-file is
# outside input).
FUZZ_TARGETS += ./baseline:FuzzLoad
