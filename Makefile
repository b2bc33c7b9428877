# Repo-level convenience targets. Sections are owned by different changes: add yours in its own
# delimited section below.

.PHONY: help
help:
	@grep -E '^[a-z][a-z0-9_-]*:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

# ---- fuzzing (hardening) ---------------------------------------------------------------------
# cargo-fuzz (libFuzzer) targets in fuzz/, a package outside the workspace. Stable toolchain:
# RUSTC_BOOTSTRAP=1 lets cargo-fuzz pass its nightly-only flags. Needs `cargo install cargo-fuzz`.
# -a: debug assertions (overflow checks) on; -s none: no sanitizer (the code under test is safe
# Rust; ASan only slowed it down 2-3x). Limits: a hang (>10 s), >2 GiB RSS or a single >512 MiB
# allocation counts as a crash. Findings land in fuzz/artifacts/<target>/.
FUZZ_TARGETS ?= decode_protobuf decode_protobuf_gzip decode_json normalize_decoded normalize_structured
FUZZ_SECONDS ?= 60
FUZZ_LONG_SECONDS ?= 3600
FUZZ_FLAGS ?= -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=512 -max_len=16384
FUZZ_CARGO = cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz

.PHONY: fuzz fuzz-long fuzz-seed fuzz-build
fuzz-seed: ## seed fuzz/corpus/<target>/ from shared/otlp-corpus
	fuzz/seed.sh

fuzz-build:
	$(FUZZ_CARGO) build -O -a -s none

fuzz: fuzz-seed fuzz-build ## short run of every fuzz target (FUZZ_SECONDS each, default 60)
	@for t in $(FUZZ_TARGETS); do \
		echo "== fuzz $$t ($(FUZZ_SECONDS) s)"; \
		($(FUZZ_CARGO) run -O -a -s none $$t -- $(FUZZ_FLAGS) -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1) || exit 1; \
	done

fuzz-long: fuzz-seed fuzz-build ## long run of every fuzz target (FUZZ_LONG_SECONDS each, default 1 h)
	@for t in $(FUZZ_TARGETS); do \
		echo "== fuzz $$t ($(FUZZ_LONG_SECONDS) s)"; \
		($(FUZZ_CARGO) run -O -a -s none $$t -- $(FUZZ_FLAGS) -max_total_time=$(FUZZ_LONG_SECONDS) -print_final_stats=1) || exit 1; \
	done
# ---- end fuzzing ------------------------------------------------------------------------------

# ---- fast checks ------------------------------------------------------------------------------
# The fast tier of scripts/test.sh, no database: cargo fmt --check, clippy with warnings as errors
# on every workspace package and target, and the core and ingress unit tests.
.PHONY: check
check: ## formatting, clippy (warnings as errors), core + ingress unit tests: scripts/test.sh --quick
	scripts/test.sh --quick
# ---- end fast checks --------------------------------------------------------------------------
