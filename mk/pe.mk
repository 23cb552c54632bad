# PE version reader (internal/pe) and its fixtures (testdata/pe).
FUZZ_TARGETS += ./internal/pe:FuzzReadVersion
