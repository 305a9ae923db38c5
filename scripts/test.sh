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

# Runs one suite script and reads its "<what> tests: N passed, N failed" line into
# <what>_passed and <what>_failed. A script that dies before its summary counts as a
# failure; its exit status becomes the run's if the run has none yet.
run_suite() {
  local what=$1 script=$2 out=$3 line suite_status
  "$script" 2>&1 | tee "$out"
  suite_status=${PIPESTATUS[0]}
  line=$(grep -E "^$what tests: [0-9]+ passed, [0-9]+ failed" "$out" | tail -1)
  printf -v "${what}_passed" '%s' "$(echo "$line" | awk '{print $3+0}')"
  printf -v "${what}_failed" '%s' "$(echo "$line" | awk '{print $5+0}')"
  [ -n "$line" ] || printf -v "${what}_failed" '%s' 1
  [ "$suite_status" -eq 0 ] || [ "$status" -ne 0 ] || status=$suite_status
}
run_suite ui "$here/ui-test.sh" "$ui_log"
run_suite desktop "$here/desktop-test.sh" "$desktop_log"

echo
echo "tests: $((passed + ui_passed + desktop_passed)) passed, $((failed + ui_failed + desktop_failed)) failed (cargo: $passed passed, $failed failed; ui: $ui_passed passed, $ui_failed failed; desktop: $desktop_passed passed, $desktop_failed failed)"
exit "$status"
