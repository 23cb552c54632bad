# patchscan — see README.md. `make test` is the one test command (CI runs it).
SHELL := /bin/bash
GO ?= go
BIN := bin/patchscan
# The README promises one static binary: no cgo, so no libc and no dynamic
# loader (the pure-Go resolver and user lookups). -trimpath keeps the
# build machine's paths out of it; VERSION goes into `patchscan version`.
# Only the build: `go test -race` needs cgo.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.toolVersion=$(VERSION)
# make install: $(DESTDIR)$(PREFIX)/bin/patchscan (DESTDIR for packagers).
PREFIX ?= /usr/local
DESTDIR ?=
export PATH := $(PATH):$(shell $(GO) env GOPATH)/bin
# Seconds each fuzz target runs in `make test` (short, bounded).
FUZZTIME ?= 5s
# Fuzz targets: "package:FuzzName", appended by mk/*.mk.
FUZZ_TARGETS := ./internal/version:FuzzParse

.PHONY: all build install check-static test deps vet fmt-check staticcheck unit fuzz fuzz-long clean
all: build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/patchscan

install: build
	install -d '$(DESTDIR)$(PREFIX)/bin'
	install -m 0755 $(BIN) '$(DESTDIR)$(PREFIX)/bin/patchscan'

# check-static proves the promise on the built binary with file(1) and
# ldd(1), and that `make install` honours PREFIX and DESTDIR.
check-static: build
	@./scripts/check-static $(BIN)

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

# fuzz runs every target for FUZZTIME, minimising new inputs for at most
# FUZZMINIMIZE executions (Go's default, 60 s, ate whole budgets), prints
# the executions per target and fails below FUZZ_MIN_EXECS (scripts/fuzz).
FUZZMINIMIZE ?= 10x
FUZZ_MIN_EXECS ?= 100
fuzz:
	@GO=$(GO) FUZZTIME=$(FUZZTIME) FUZZMINIMIZE=$(FUZZMINIMIZE) FUZZ_MIN_EXECS=$(FUZZ_MIN_EXECS) ./scripts/fuzz $(FUZZ_TARGETS)

# fuzz-long: every target for minutes (not part of make test; run it
# before a release or after touching a parser). FUZZLONG per target.
FUZZLONG ?= 3m
fuzz-long:
	@GO=$(GO) FUZZTIME=$(FUZZLONG) FUZZMINIMIZE=5s FUZZ_MIN_EXECS=$(FUZZ_MIN_EXECS) ./scripts/fuzz $(FUZZ_TARGETS)

test: deps build check-static vet fmt-check staticcheck unit fuzz

clean:
	rm -rf bin

-include mk/*.mk
