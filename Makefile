# patchscan — see README.md. `make test` is the one test command (CI runs it).
SHELL := /bin/bash
GO ?= go
BIN := bin/patchscan
export PATH := $(PATH):$(shell $(GO) env GOPATH)/bin
# Seconds each fuzz target runs in `make test` (short, bounded).
FUZZTIME ?= 5s
# Fuzz targets: "package:FuzzName", appended by mk/*.mk.
FUZZ_TARGETS := ./internal/version:FuzzParse

.PHONY: all build test deps vet fmt-check staticcheck unit fuzz clean
all: build

build:
	$(GO) build -o $(BIN) ./cmd/patchscan

# deps installs what tests need when it is missing (as root, from Debian and the Go proxy).
deps:
	@./scripts/install-deps

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

staticcheck:
	staticcheck ./...

unit:
	$(GO) test -race -count=1 ./...

fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "fuzz $$pkg $$name ($(FUZZTIME))"; \
		$(GO) test -run='^$$' -fuzz="^$$name\$$" -fuzztime=$(FUZZTIME) $$pkg; \
	done

test: deps build vet fmt-check staticcheck unit fuzz

clean:
	rm -rf bin

-include mk/*.mk
