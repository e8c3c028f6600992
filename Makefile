# EvidencePack — make demo, make test, make install, make screenshots, make bench.
SWIFT ?= swift
EVPACK := .build/debug/evpack
SAMPLES := snapshots/demo-local.json snapshots/ready.json
OUT ?= output
PREFIX ?= /usr/local
SHELL := /bin/bash

# demo and test build one configuration (debug, with the tests), so neither rebuilds after
# the other.
BUILD := $(SWIFT) build --build-tests
# swift-distributed-tracing 1.7.3 (which Hummingbird brings) leaves a CMakeLists.txt
# undeclared in three of its targets, and SwiftPM warns about it whenever it plans a build; a
# package cannot silence a dependency's manifest warning, and the newer releases that fix it
# are not on the package mirror. Only that two-line warning is dropped from stderr; every
# other line, and the exit status, stay.
QUIET_TRACING := 2> >(sed -u "/^warning: 'swift-distributed-tracing': found 1 file(s) which are unhandled/{N;d;}" >&2)
# Every test uses Swift Testing: the XCTest runner (which would print "Executed 0 tests, with
# 0 failures" twice before the real count) runs only once a test imports XCTest.
TEST_RUNNERS := $(if $(shell grep -rl '^import XCTest' Tests 2>/dev/null),,--disable-xctest)

.PHONY: all setup build demo rehearse test install screenshots bench clean

all: build

setup:
	@scripts/setup.sh

build: setup
	@echo "$(BUILD)"; $(BUILD) $(QUIET_TRACING)

## Evaluate the demo snapshot and the fully evidenced one (with its records), then build a pack
## for every sample snapshot into $(OUT)/ and verify the ready pack offline.
demo: build
	@echo "== evpack check snapshots/demo-local.json"
	@$(EVPACK) check snapshots/demo-local.json
	@echo
	@echo "== evpack check snapshots/ready.json --records snapshots/ready-records.jsonl"
	@$(EVPACK) check snapshots/ready.json --records snapshots/ready-records.jsonl
	@echo
	@for snapshot in snapshots/*.json; do \
	  records=""; [ "$$snapshot" = snapshots/ready.json ] && records="--records snapshots/ready-records.jsonl"; \
	  echo "== evpack build $$snapshot $$records --out $(OUT) --force"; \
	  $(EVPACK) build $$snapshot $$records --out $(OUT) --force || exit $$?; \
	done
	@echo
	@echo "== evpack verify $(OUT)/evidence-grant-ready-bfg-d6f24eb0.tar.gz"
	@$(EVPACK) verify $(OUT)/evidence-grant-ready-bfg-d6f24eb0.tar.gz
	@echo
	@echo "Open $(OUT)/evidence-grant-demo-local-bfg-7b2c7a5b/data/index.html in a browser,"
	@echo "or browse every pack: $(EVPACK) serve $(OUT)"

## Rehearse the demo against a throwaway PostgreSQL 15 (TLS, a non-superuser application role,
## started and stopped here), then build the rehearsed snapshot's pack and verify it.
rehearse: build
	@scripts/setup.sh --rehearse
	@eval "$$(scripts/throwaway-postgres.sh start)" && trap 'scripts/throwaway-postgres.sh stop' EXIT && \
	  echo "== evpack rehearse snapshots/demo-local.json --target $$EVPACK_TARGET --out $(OUT)/demo-local.rehearsed.json" && \
	  $(EVPACK) rehearse snapshots/demo-local.json --target "$$EVPACK_TARGET" --out $(OUT)/demo-local.rehearsed.json && \
	  echo && echo "== evpack build $(OUT)/demo-local.rehearsed.json --out $(OUT) --force" && \
	  $(EVPACK) build $(OUT)/demo-local.rehearsed.json --out $(OUT) --force && \
	  echo && echo "== evpack verify $(OUT)/evidence-grant-demo-local-bfg-7b2c7a5b.tar.gz" && \
	  $(EVPACK) verify $(OUT)/evidence-grant-demo-local-bfg-7b2c7a5b.tar.gz

## Every test: unit, golden, property, end to end, PostgreSQL and the Python cross-checks.
test:
	@scripts/setup.sh --test
	@echo "$(BUILD)"; $(BUILD) $(QUIET_TRACING)
	@echo "$(SWIFT) test --skip-build $(TEST_RUNNERS)"; $(SWIFT) test --skip-build $(TEST_RUNNERS) $(QUIET_TRACING)

## Install the release build of evpack as $(PREFIX)/bin/evpack (DESTDIR is honoured). It is
## one file: templates, labels and schemas are compiled into it, and the Swift runtime is
## linked statically, so it runs where the system libraries are (libsqlite3, libxml2, libarchive).
install: setup
	@echo "$(SWIFT) build -c release --product evpack --static-swift-stdlib"; \
	  $(SWIFT) build -c release --product evpack --static-swift-stdlib $(QUIET_TRACING)
	install -d "$(DESTDIR)$(PREFIX)/bin"
	install -m 0755 "$$($(SWIFT) build -c release --static-swift-stdlib --show-bin-path)/evpack" "$(DESTDIR)$(PREFIX)/bin/evpack"

## PNGs of the demo pack's overview and two family pages, and of the ready pack's overview,
## rendered by headless Chromium into $(OUT)/screenshots/ (not part of make test).
SHOT_PAGES := index release runbook
screenshots: demo
	@scripts/setup.sh --screenshots
	@mkdir -p $(OUT)/screenshots
	@profile=$$(mktemp -d); trap 'rm -rf "$$profile"' EXIT; \
	shoot() { \
	  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$$profile" \
	    --window-size=1280,$$3 --screenshot="$(OUT)/screenshots/$$2.png" "file://$$(realpath "$$1")" 2>/dev/null | tail -n 1; \
	}; \
	demo=$$(ls -d $(OUT)/evidence-grant-demo-local-bfg-*/data | head -n 1); \
	ready=$$(ls -d $(OUT)/evidence-grant-ready-bfg-*/data | head -n 1); \
	for page in $(SHOT_PAGES); do shoot "$$demo/$$page.html" "demo-$$page" 2400; done; \
	shoot "$$ready/index.html" "ready-index" 1800
	@ls -1 $(OUT)/screenshots/*.png

## Speed and memory against the baselines the issues name, measured in the same run (release build).
bench:
	@scripts/setup.sh --bench
	@echo "$(SWIFT) build -c release"; $(SWIFT) build -c release $(QUIET_TRACING)
	bench/run.sh

clean:
	rm -rf .build $(OUT)/evidence-* $(OUT)/.evidence-* $(OUT)/screenshots
