# PE version reader (internal/pe) and its fixtures (testdata/pe).
FUZZ_TARGETS += ./internal/pe:FuzzReadVersion

.PHONY: pe-fixtures
# pe-fixtures rebuilds the committed PE fixtures from testdata/pe/src with
# mingw-w64; the output is byte-identical from run to run, so `git status`
# shows a change only when the sources changed.
pe-fixtures:
	testdata/pe/src/build.sh
FUZZ_TARGETS += ./internal/pe:FuzzParseVersionInfo
