# WinRM transport (scan/winrm): fuzz targets for the collector's output
# parser, the request data block decoder, the SOAP reply parsers (fault,
# Receive, the shell's and the command's IDs), and the test server's NTLM
# message parser (all fed by the network).
FUZZ_TARGETS += ./scan/winrm:FuzzParseOutput
FUZZ_TARGETS += ./scan/winrm:FuzzDecodeRequests
FUZZ_TARGETS += ./scan/winrm:FuzzSOAPResponses
FUZZ_TARGETS += ./scan/winrm/winrmtest:FuzzVerifyAuthenticate

.PHONY: winrm-test
# winrm-test runs the WinRM transport's tests alone (the test server needs
# nothing installed; the cross-transport test needs the Samba lab).
winrm-test:
	$(GO) test -race -count=1 ./scan/winrm/... ./scan/transport/...

.PHONY: winrm-lab
# winrm-lab starts WinRM test servers for the lab hosts (no Samba, no root
# needed) and prints how to scan them with --transport winrm; Ctrl-C stops it.
winrm-lab:
	$(GO) build -o bin/patchscan-winrm-lab ./scan/winrm/winrmtest/cmd/patchscan-winrm-lab
	./bin/patchscan-winrm-lab

.PHONY: check-collector
# check-collector parses the WinRM collector with the real PowerShell
# grammar (tree-sitter-powershell under Node, issue 13.20); run it after
# editing the collector. `make test` runs the same test.
check-collector: deps
	CI=true $(GO) test -count=1 -run 'TestCollectorIsPowerShell|TestPowerShellGrammarFindsErrors' -v ./scan/winrm/
