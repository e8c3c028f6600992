# EvidencePack — make demo, make test, make bench.
SWIFT ?= swift
EVPACK := .build/debug/evpack
SAMPLES := snapshots/demo-local.json snapshots/ready.json

.PHONY: all setup build demo test bench clean

all: build

setup:
	@scripts/setup.sh

build: setup
	$(SWIFT) build

## Evaluate the sample snapshots: the control centre as the reference shows it, and a fully evidenced one.
demo: build
	@for snapshot in $(SAMPLES); do \
	  echo "== evpack check $$snapshot"; \
	  $(EVPACK) check $$snapshot || exit $$?; \
	  echo; \
	done

## Every test: unit, golden, property, end to end, PostgreSQL and the Python cross-checks.
test:
	@scripts/setup.sh --test
	$(SWIFT) build --build-tests
	$(SWIFT) test

clean:
	rm -rf .build output/evidence-*
