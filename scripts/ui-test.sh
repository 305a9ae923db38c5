#!/usr/bin/env bash
# Builds the web UI and runs its tests, ending with one line that sums them up:
#   "ui tests: N passed, N failed"
# - npm ci, then the production build (tsc strict + vite) into ui/dist
# - Vitest unit tests (ui/src/**/*.test.ts)
# - Playwright specs (ui/tests/) in Debian's Chromium against a real `bidswarm-cli serve`
# Needs target/debug/bidswarm-cli (built here if missing), node >= 20.19 and /usr/bin/chromium
# (scripts/deps.sh test installs what is missing). Exits non-zero on any failure.
# Arguments go to Playwright (`scripts/ui-test.sh tests/perf.spec.ts` runs one spec).
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root/ui"

passed=0
failed=0
status=0
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT

step_failed() {
  echo "ui-test: $1 failed" >&2
  failed=$((failed + 1))
  status=1
}

summary() {
  echo
  echo "ui tests: $passed passed, $failed failed"
  exit "$status"
}

export BIDSWARM_CLI="${BIDSWARM_CLI:-$root/target/debug/bidswarm-cli}"
if [ ! -x "$BIDSWARM_CLI" ]; then
  (cd "$root" && cargo build -p bidswarm-cli) || { step_failed "cargo build -p bidswarm-cli"; summary; }
fi
chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ ! -x "$chromium" ]; then
  echo "error: no Chromium at $chromium; install Debian's chromium (scripts/deps.sh test) or set CHROMIUM_PATH" >&2
  step_failed "finding Chromium"
  summary
fi

npm ci --no-audit --no-fund --loglevel=error || { step_failed "npm ci"; summary; }
npm run build || { step_failed "npm run build"; summary; }

npx vitest run --reporter=default --reporter=json --outputFile.json="$results/vitest.json"
[ $? -eq 0 ] || status=1
if [ -f "$results/vitest.json" ]; then
  read -r p f < <(node -e 'const r=require(process.argv[1]); console.log(r.numPassedTests, r.numFailedTests + (r.numRuntimeErrorTestSuites||0))' "$results/vitest.json")
  passed=$((passed + p)); failed=$((failed + f))
else
  step_failed "vitest (no report)"
fi

PLAYWRIGHT_JSON_OUTPUT_FILE="$results/playwright.json" npx playwright test --reporter=list,json "$@"
[ $? -eq 0 ] || status=1
if [ -f "$results/playwright.json" ]; then
  read -r p f < <(node -e 'const s=require(process.argv[1]).stats; console.log(s.expected + s.flaky, s.unexpected)' "$results/playwright.json")
  passed=$((passed + p)); failed=$((failed + f))
else
  step_failed "playwright (no report)"
fi

[ "$failed" -eq 0 ] || status=1
summary
