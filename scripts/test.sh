#!/usr/bin/env bash
# Runs the whole test suite, Rust, then web UI, then desktop app, and ends with one line
# that sums it up:
#   "tests: N passed, N failed (cargo: N passed, N failed; ui: N passed, N failed; desktop: N passed, N failed)"
# (cargo's own last line belongs to whichever test binary ran last.) Exits non-zero when
# anything failed.
set -uo pipefail
threads="${TEST_THREADS:-2}"
here="$(cd "$(dirname "$0")" && pwd)"
log=$(mktemp)
ui_log=$(mktemp)
desktop_log=$(mktemp)
trap 'rm -f "$log" "$ui_log" "$desktop_log"' EXIT
# Every test binary runs even after a failure, so one run shows them all. Under keyutils'
# own session keyring, so the wallet's keyring test uses a real kernel keyring.
keyring=()
command -v keyctl >/dev/null 2>&1 && keyring=(keyctl session -)
"${keyring[@]}" env BIDSWARM_REQUIRE_PEERS=1 cargo test --workspace --no-fail-fast -- --test-threads "$threads" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
passed=$(grep -Eo '^test result: [A-Za-z]+\. [0-9]+ passed' "$log" | awk '{s+=$4} END {print s+0}')
failed=$(grep -Eo '[0-9]+ failed;' "$log" | awk '{s+=$1} END {print s+0}')

"$here/ui-test.sh" 2>&1 | tee "$ui_log"
ui_status=${PIPESTATUS[0]}
ui_line=$(grep -E '^ui tests: [0-9]+ passed, [0-9]+ failed' "$ui_log" | tail -1)
ui_passed=$(echo "$ui_line" | awk '{print $3+0}')
ui_failed=$(echo "$ui_line" | awk '{print $5+0}')
if [ -z "$ui_line" ]; then
  # The UI script died before its summary; count that as a failure.
  ui_failed=1
fi
[ "$ui_status" -eq 0 ] || [ "$status" -ne 0 ] || status=$ui_status

"$here/desktop-test.sh" 2>&1 | tee "$desktop_log"
desktop_status=${PIPESTATUS[0]}
desktop_line=$(grep -E '^desktop tests: [0-9]+ passed, [0-9]+ failed' "$desktop_log" | tail -1)
desktop_passed=$(echo "$desktop_line" | awk '{print $3+0}')
desktop_failed=$(echo "$desktop_line" | awk '{print $5+0}')
if [ -z "$desktop_line" ]; then
  # The desktop script died before its summary; count that as a failure.
  desktop_failed=1
fi
[ "$desktop_status" -eq 0 ] || [ "$status" -ne 0 ] || status=$desktop_status

echo
echo "tests: $((passed + ui_passed + desktop_passed)) passed, $((failed + ui_failed + desktop_failed)) failed (cargo: $passed passed, $failed failed; ui: $ui_passed passed, $ui_failed failed; desktop: $desktop_passed passed, $desktop_failed failed)"
exit "$status"
