# The two commands a new user needs: `make run` and `make test`. Both set up what is
# missing first (scripts/deps.sh).

CARGO ?= cargo
# End-to-end tests each start several processes; two at a time suit a 2-core machine.
TEST_THREADS ?= 2

.PHONY: run test bench bindings deps lint clean

run:
	@scripts/deps.sh run
	@# The web UI that `serve` hands out: rebuilt when missing or older than its sources.
	@if [ ! -f ui/dist/index.html ] || [ -n "$$(find ui/src ui/index.html ui/package-lock.json ui/vite.config.ts ui/tsconfig.json -newer ui/dist/index.html 2>/dev/null | head -1)" ]; then \
		cd ui && npm ci --no-audit --no-fund --loglevel=error && npm run build; \
	fi
	$(CARGO) build --release -p bidswarm-cli
	target/release/bidswarm-cli serve

test:
	@scripts/deps.sh test
	$(CARGO) build -p bidswarm-cli
	TEST_THREADS=$(TEST_THREADS) scripts/test.sh

bench:
	@scripts/deps.sh bench
	$(CARGO) build --release -p bidswarm-cli
	python3 bench/transfer.py --size-mib $${SIZE_MIB:-1024}

# Regenerates ui/src/bindings from crates/api; commit the result.
bindings:
	UPDATE_BINDINGS=1 $(CARGO) test -p bidswarm-api --test bindings

deps:
	@scripts/deps.sh bench

lint:
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) fmt --all --check

clean:
	$(CARGO) clean
