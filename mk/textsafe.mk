# Text safety (internal/textsafe): every outside string shown on a terminal
# or written to a report passes through it; fuzz its guarantees.
FUZZ_TARGETS += ./internal/textsafe:FuzzClean
