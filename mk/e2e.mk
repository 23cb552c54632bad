# End-to-end report checks (issue 5): the built binary against the Samba lab,
# stdout through real pipes and a pseudo-terminal, xmllint on every XML.
# Part of `make unit`; this runs only them, failing (not skipping) when the
# lab, xmllint or script(1) is missing.
.PHONY: e2e
e2e: deps
	CI=true $(GO) test -race -count=1 -v -run 'TestE2E' ./cmd/patchscan/
