#!/usr/bin/env bash
# The one test command: installs what the tests need when missing, builds, runs every test project,
# and ends with the line "Tests: N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")"

# --- prerequisites: PostgreSQL and Redis servers (started by the tests themselves), Chromium, Node.js
missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "Installing test prerequisites: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || {
      echo "apt-get could not install: ${missing[*]}"; echo "Tests: 0 passed, 0 failed"; exit 1; }
  else
    echo "Missing test prerequisites: ${missing[*]}"
    echo "Install them with: sudo apt-get install -y ${missing[*]}   (or run ./test.sh as root)"
    echo "Tests: 0 passed, 0 failed"
    exit 1
  fi
fi
# The newest installed PostgreSQL (Debian 12 has 15, Ubuntu 24.04 has 16); the test fixture reads this.
PORTAL_PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
export PORTAL_PG_BIN

# --- the summary takes the last "succeeded:/failed:/skipped:" lines: dotnet test prints the totals of all projects last
# --- build once, then run every test project (Microsoft.Testing.Platform, see global.json)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
if ! dotnet build Portal.sln -nologo -v q -clp:ErrorsOnly; then
  echo "Build failed."
  echo "Tests: 0 passed, 0 failed"
  exit 1
fi

log=$(mktemp)
# One test project at a time: on a 2-core machine the browser tests beside the integration tests (PostgreSQL, Redis, a
# dozen apps) ran at a load average near 18, and a page's 30 s wait once ran out in CI. Alone, each is quicker.
dotnet test --solution Portal.sln --no-build --no-progress --max-parallel-test-modules 1 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
passed=$(awk '$1=="succeeded:"{v=$2} END{print v+0}' "$log")
failed=$(awk '$1=="failed:"{v=$2} END{print v+0}' "$log")
skipped=$(awk '$1=="skipped:"{v=$2} END{print v+0}' "$log")
# The failed tests again, each with the start of its message, just above the summary: a CI log that keeps only its
# tail still says which ones failed and why.
if grep -q '^failed ' "$log"; then
  echo "Failed tests:"
  awk '/^failed /{shown=1; n=0} shown && /^  from /{shown=0} shown && n++ < 16 {print "  " $0}' "$log"
fi
rm -f "$log"
echo "Tests: $passed passed, $failed failed, $skipped skipped"
[ "$rc" -eq 0 ] && [ "$passed" -gt 0 ] && [ "$failed" -eq 0 ] || exit 1
