# The two commands a new user needs: `make run` and `make test`. Both set up what is
# missing first (scripts/deps.sh). `make serve` runs the headless server instead of the
# desktop app; `make bundle` builds the .deb and AppImage.

CARGO ?= cargo
# End-to-end tests each start several processes; two at a time suit a 2-core machine.
TEST_THREADS ?= 2

.PHONY: run desktop serve ui test soak fuzz bench bundle bindings deps lint clean

# The desktop app. Without a display (ssh, a seedbox) it says so and runs the headless
# server instead.
run:
	@if [ -z "$$DISPLAY" ] && [ -z "$$WAYLAND_DISPLAY" ]; then \
		echo "make run: no display (DISPLAY and WAYLAND_DISPLAY are unset), so starting the headless server instead (make serve)."; \
		$(MAKE) --no-print-directory serve; \
	else \
		$(MAKE) --no-print-directory desktop; \
	fi

desktop: ui
	@scripts/deps.sh run
	$(CARGO) build --release -p bidswarm-desktop
	target/release/bidswarm-desktop

# The headless server with the same web UI, for seedboxes and browsers.
serve: ui
	$(CARGO) build --release -p bidswarm-cli
	target/release/bidswarm-cli serve

# The web UI (ui/dist), which the server hands out and the desktop app embeds: rebuilt
# when missing or older than its sources.
ui:
	@scripts/deps.sh serve
	@if [ ! -f ui/dist/index.html ] || [ -n "$$(find ui/src ui/index.html ui/package-lock.json ui/vite.config.ts ui/tsconfig.json -newer ui/dist/index.html 2>/dev/null | head -1)" ]; then \
		cd ui && npm ci --no-audit --no-fund --loglevel=error && npm run build; \
	fi

# Every debug binary and test in one go: `cargo test --workspace` then compiles nothing,
# and scripts find target/debug/bidswarm-cli. Building one package alone (`-p`) would
# resolve other features and compile the dependency tree a second time.
BUILD_ALL = $(CARGO) build --workspace --all-targets

test:
	@scripts/deps.sh test
	$(BUILD_ALL)
	TEST_THREADS=$(TEST_THREADS) scripts/test.sh

# The whole-app crash test (docs/SOAK.md) at SOAK_POINTS kill points; `make test` runs 5.
# BIDSWARM_CRASH_SEED=N replays a run's choices.
SOAK_POINTS ?= 200

soak:
	@scripts/deps.sh test
	$(BUILD_ALL)
	BIDSWARM_REQUIRE_PEERS=1 BIDSWARM_CRASH_POINTS=$(SOAK_POINTS) $(CARGO) test --workspace --test e2e \
		crash:: -- --test-threads 1 --nocapture

# The fuzz targets (docs/FUZZING.md), FUZZ_SECS seconds each, one after another with one
# worker. Long runs stay out of `make test`, which runs the same checks briefly as unit
# tests. Without a sanitizer by default: our code is safe Rust, and runs go further;
# FUZZ_SANITIZER=address brings AddressSanitizer back.
FUZZ_SECS ?= 600
FUZZ_SANITIZER ?= none
FUZZ_TARGETS ?= peerwire:decode speed:speed_message speed:voucher swarm:magnet swarm:torrent gateway:mse_handshake

fuzz:
	@$(CARGO) fuzz --version >/dev/null 2>&1 || $(CARGO) install cargo-fuzz
	@set -e; for t in $(FUZZ_TARGETS); do \
		crate=$${t%%:*}; target=$${t#*:}; \
		echo "make fuzz: $$target (crates/$$crate/fuzz) for $(FUZZ_SECS) s"; \
		dict=; [ ! -f crates/$$crate/fuzz/$$target.dict ] || dict=-dict=$$target.dict; \
		(cd crates/$$crate/fuzz && RUSTC_BOOTSTRAP=1 $(CARGO) fuzz run -s $(FUZZ_SANITIZER) $$target -- \
			$$dict -max_total_time=$(FUZZ_SECS) -workers=1 -print_final_stats=1); \
	done

bench:
	@scripts/deps.sh bench
	$(CARGO) build --release -p bidswarm-cli
	python3 bench/transfer.py --size-mib $${SIZE_MIB:-1024} --pairs $${PAIRS:-3}
	# What requiring RC4 costs Bidswarm, against what it costs qBittorrent, in the same rounds.
	python3 bench/transfer.py --encryption-cost --size-mib $${SIZE_MIB:-1024} --pairs $${PAIRS:-3}
	# What one relay hop costs on this machine without librqbit: the floor under the gateway.
	$(CARGO) bench -p bidswarm-gateway --bench relay_floor
	python3 bench/speed.py --size-mib 64
	# Vouchers persisted per second by the ledger, against plain INSERTs in the same run.
	$(CARGO) bench -p bidswarm-ledger --bench vouchers
	# A seeder capped at 2 MiB/s uses at least 90 % of the cap (make test checks only that it holds).
	BIDSWARM_TIMING_GOALS=1 BIDSWARM_CLI=$(CURDIR)/target/release/bidswarm-cli $(CARGO) test --workspace --test e2e -- --exact \
		gateway::an_upload_cap_of_2_mib_per_s_holds_across_three_leechers_who_all_progress
	# The web UI with 1,000 torrents: an update must cost under 16 ms of scripting.
	$(CARGO) build -p bidswarm-cli
	BIDSWARM_UI_PERF_BUDGET=1 scripts/ui-test.sh tests/perf.spec.ts
	# A download with and without 1,000 hostile connections at the seeder, paired A B A B:
	# at least 90 % of the speed, and the seeder's peak RSS.
	python3 bench/hostile.py --size-mib $${HOSTILE_SIZE_MIB:-256} --pairs $${PAIRS:-3}
	# The disk path: Bidswarm, with and without its gateway, beside libtorrent and qBittorrent,
	# 256 KiB and 4 MiB pieces, in one run.
	python3 bench/disk.py --size-mib $${SIZE_MIB:-1024} --rounds $${PAIRS:-3}
	# Headless memory idle, seeding 1 GiB and with 1,000 torrents, beside transmission-daemon.
	python3 bench/memory.py --size-mib $${SIZE_MIB:-1024}
	# The desktop app beside qBittorrent's GUI: start to window painted, and memory idle in the tray.
	$(MAKE) --no-print-directory ui
	$(CARGO) build --release -p bidswarm-desktop
	python3 bench/desktop.py --rounds $${PAIRS:-3}

# The .deb and the AppImage, in target/release/bundle/. The Tauri CLI comes from npm
# (package.json at the root), never from `cargo install`.
bundle: ui
	@scripts/deps.sh bundle
	npm ci --no-audit --no-fund --loglevel=error
	scripts/bundle.sh

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
