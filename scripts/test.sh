#!/usr/bin/env bash
# Runs the whole test suite and ends with one line that sums it up:
#   "tests: N passed, N failed"
# (cargo's own last line belongs to whichever test binary ran last.)
set -uo pipefail
threads="${TEST_THREADS:-2}"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
BIDSWARM_REQUIRE_PEERS=1 cargo test --workspace -- --test-threads "$threads" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
passed=$(grep -Eo '^test result: [A-Za-z]+\. [0-9]+ passed' "$log" | awk '{s+=$4} END {print s+0}')
failed=$(grep -Eo '[0-9]+ failed;' "$log" | awk '{s+=$1} END {print s+0}')
echo
echo "tests: $passed passed, $failed failed"
exit "$status"
