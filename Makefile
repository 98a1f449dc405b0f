# Strata: `make demo` shows it working, `make test` runs the whole suite.
SHELL := /bin/bash
SWIFT ?= swift
STRATA := .build/debug/strata
FUZZ_SECONDS ?= 600

.PHONY: all deps build-deps build release demo test fuzz bench install clean docs dist wheel

all: build

## deps: install missing system packages (libgit2, sqlite3, libpq, PostgreSQL 15 for the tests)
deps:
	@bash scripts/install-deps.sh

## build-deps: only what building needs (no PostgreSQL server)
build-deps:
	@bash scripts/install-deps.sh --build

## build: debug build of the strata binary
build: build-deps
	$(SWIFT) build --product strata

## release: optimised build with the Swift runtime linked in (.build/release/strata)
release: build-deps
	$(SWIFT) build -c release --product strata --static-swift-stdlib

## demo: build, lint the bundled migrations (text, then JSON), check their git history, apply them to SQLite, show status
demo: build
	@echo
	@echo "== strata lint migrations/"
	@env -u DATABASE_URL $(STRATA) lint migrations/
	@echo
	@echo "== strata lint --format json migrations/"
	@env -u DATABASE_URL $(STRATA) lint --format json migrations/
	@echo
	@echo "== strata check migrations/   (lint + git history against the base branch)"
	@env -u DATABASE_URL $(STRATA) check migrations/
	@echo
	@echo "== strata up   (applies them to the embedded SQLite database, data/app.db)"
	@env -u DATABASE_URL $(STRATA) up
	@echo
	@echo "== strata status"
	@env -u DATABASE_URL $(STRATA) status
	@echo
	@echo "== strata lint examples/needs-work/   (a file with problems, to show findings)"
	@env -u DATABASE_URL $(STRATA) lint examples/needs-work/ || echo "(exit code $$? — findings at error level)"

## test: the whole suite, with a throwaway PostgreSQL server
test: deps
	SWIFT=$(SWIFT) bash scripts/test.sh

## fuzz: libFuzzer over the tokenizer, splitter, reader and migration parser (FUZZ_SECONDS)
fuzz: deps
	bash scripts/fuzz.sh $(FUZZ_SECONDS)

## docs: regenerate docs/rules (one page per rule, from each rule's description and examples)
## and the generated blocks of docs/commands (each command's --help, and the index), prose kept
docs: build
	$(STRATA) rules --write-docs docs/rules
	$(STRATA) command-docs docs/commands

## bench: lint ../shared/corpus and a 10x synthetic corpus next to Squawk; writes BENCHMARKS.md
bench: deps
	bash scripts/bench.sh

## dist: dist/strata-<version>-linux-<arch>.tar.gz (+ .sha256): binary with the Swift runtime linked in, completions, man page
dist: build-deps
	SWIFT=$(SWIFT) bash scripts/dist.sh

## wheel: dist/strata_migrations-<version>-py3-none-manylinux_*.whl holding that binary (pip install gives `strata`)
wheel: dist
	bash scripts/wheel.sh

## install: copy the release binary to $(PREFIX)/bin (default /usr/local/bin)
PREFIX ?= /usr/local
install: release
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 -s .build/release/strata $(DESTDIR)$(PREFIX)/bin/strata

clean:
	rm -rf .build .build-* fuzz-artifacts data dist
