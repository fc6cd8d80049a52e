#!/usr/bin/env bash
# The bounded soak (issue 14): Portal's benchmark host (Development, SQLite, demo data, telemetry on, the rate limiter on with
# budgets the soak does not reach) in one process, the soak driver (tests/Portal.Benchmarks/Soak/SoakDriver.cs) in another,
# mixed traffic on loopback for N minutes: status reads, notes, severity changes, device imports, bulk updates, live clients
# connecting and leaving. Reports errors (the bar: 0), p50/p99 per route per minute and the host's resident memory every
# minute (the bar: flat after warm-up — the last five minutes' highest RSS within 10 % of the RSS at minute 5).
#
#   ./soak.sh                 20 minutes; writes the "Soak" section of docs/benchmarks.md
#   ./soak.sh --minutes 3 --no-docs   a short check of the harness (never written)
#
# The section is written only from a committed tree (git status --porcelain empty before and after) and when the 1-minute
# load average before the run is at most 1 (it waits up to 180 s for that), as bench.sh does.
set -uo pipefail
cd "$(dirname "$0")"
minutes=20 write_docs=1
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) minutes=${2:?--minutes needs a value}; shift ;;
    --no-docs) write_docs=0 ;;
    *) echo "usage: ./soak.sh [--minutes N] [--no-docs]" >&2; exit 64 ;;
  esac
  shift
done
case "$minutes" in ''|*[!0-9]*|0) echo "soak.sh: --minutes must be a positive whole number" >&2; exit 64 ;; esac
[ "$minutes" -lt 10 ] && [ "$write_docs" -eq 1 ] && { echo "soak.sh: a run shorter than 10 minutes is not published; add --no-docs" >&2; exit 64; }

refusals=()
dirty() { [ -n "$(git status --porcelain 2>/dev/null)" ]; }
if [ "$write_docs" -eq 1 ] && dirty; then refusals+=("the tree has uncommitted changes before the run"); fi
commit=$(git rev-parse HEAD 2>/dev/null || echo unknown)

work=$(mktemp -d)
host_pid=""
cleanup() { [ -n "$host_pid" ] && kill "$host_pid" 2>/dev/null; wait "$host_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
echo "Building tests/Portal.Benchmarks (Release)..."
dotnet build tests/Portal.Benchmarks/Portal.Benchmarks.csproj -c Release -nologo -v q -clp:ErrorsOnly >"$work/build.log" 2>&1 \
  || { cat "$work/build.log" >&2; echo "soak.sh: the build failed" >&2; exit 1; }
bench_dll=tests/Portal.Benchmarks/bin/Release/net10.0/Portal.Benchmarks.dll

load=$(cut -d' ' -f1 /proc/loadavg)
waited=0
while [ "$write_docs" -eq 1 ] && awk -v l="$load" 'BEGIN { exit !(l > 1) }' && [ "$waited" -lt 180 ]; do sleep 5; waited=$((waited + 5)); load=$(cut -d' ' -f1 /proc/loadavg); done
echo "load average (1 min) before the run: $load"
awk -v l="$load" 'BEGIN { exit !(l > 1) }' && refusals+=("the 1-minute load average before the run was $load (above 1)")

dotnet "$bench_dll" --info "$work/info.env" >"$work/host.log" 2>&1 &
host_pid=$!
for _ in $(seq 1 1200); do [ -f "$work/info.env" ] && break; kill -0 "$host_pid" 2>/dev/null || break; sleep 0.1; done
[ -f "$work/info.env" ] || { cat "$work/host.log" >&2; echo "soak.sh: the host did not start" >&2; exit 1; }
# shellcheck disable=SC1091
. "$work/info.env"
echo "host pid $host_pid on $BENCH_BASE; soaking for $minutes minutes"

dotnet "$bench_dll" soak --base "$BENCH_BASE" --host-pid "$host_pid" --minutes "$minutes" --out "$work/soak.tsv" || { echo "soak.sh: the driver failed" >&2; exit 3; }
kill "$host_pid" 2>/dev/null; wait "$host_pid" 2>/dev/null; host_pid=""
if [ "$write_docs" -eq 1 ] && dirty; then refusals+=("the tree changed during the run"); fi
[ "$(git rev-parse HEAD 2>/dev/null || echo unknown)" = "$commit" ] || refusals+=("HEAD moved during the run")

tsv="$work/soak.tsv"
errors=$(awk -F'\t' '$1 == "route" { e += $5 } END { print e + 0 }' "$tsv")
calls=$(awk -F'\t' '$1 == "route" { n += $4 } END { print n + 0 }' "$tsv")
routes=$(awk -F'\t' '$1 == "route" { print $3 }' "$tsv" | sort -u | tr '\n' '|' | sed 's/|$//')
warm=$(awk -F'\t' -v m=5 '$1 == "rss" && $2 + 0 == m { print $3 }' "$tsv")
[ -z "$warm" ] && warm=$(awk -F'\t' '$1 == "rss" { v = $3 } END { print v + 0 }' "$tsv")
late=$(awk -F'\t' -v last="$minutes" '$1 == "rss" && $2 + 0 > last - 5 { if ($3 > m) m = $3 } END { print m + 0 }' "$tsv")
growth=$(awk -v w="$warm" -v l="$late" 'BEGIN { printf "%.1f", (w > 0 ? (l - w) * 100 / w : 0) }')
memory_ok=$(awk -v g="$growth" 'BEGIN { print (g <= 10 ? "PASS" : "FAIL") }')
errors_ok=$([ "$errors" -eq 0 ] && echo PASS || echo FAIL)

section="$work/section.md"
{
  echo "#### Results"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M') UTC; commit $commit"
  echo "- machine: $(nproc) cores, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo | awk '{ print $1, $2 }'); load average (1 min) before the run: $load"
  echo "- command: \`./soak.sh\` ($minutes minutes); host: \`Portal.Benchmarks --info\` (Development, SQLite, demo data, telemetry on, rate limiter on with budgets the soak does not reach); driver: \`Portal.Benchmarks soak\` in a process of its own on the same cores"
  echo "- traffic: 3 customers reading their status every 20 ms each (every other read conditional: 200 or 304), an MSP engineer's notes every 150 ms and a severity change every second, a 300-device CSV import every 20 s (followed until the job completes), a bulk update of up to 200 imported devices every 5 s, 10 live clients connecting, watching an incident for 5-20 s and leaving, over and over"
  echo
  echo "| measure | value | bar | result |"
  echo "|---|---:|---|---|"
  echo "| calls | $calls | - | - |"
  echo "| errors (unexpected status or exception) | $errors | 0 | **$errors_ok** |"
  echo "| host RSS at minute 5 / highest in the last 5 minutes | $((warm / 1024)) MB / $((late / 1024)) MB ($growth %) | flat after warm-up: <= 10 % | **$memory_ok** |"
  echo
  echo "p99 ms per route and minute (calls in brackets):"
  echo
  header="| minute |" rule="|---:|"
  IFS='|' read -ra names <<<"$routes"
  for r in "${names[@]}"; do header+=" $r |"; rule+="---:|"; done
  echo "$header"; echo "$rule"
  for m in $(seq 1 "$minutes"); do
    row="| $m |"
    for r in "${names[@]}"; do
      row+=" $(awk -F'\t' -v m="$m" -v r="$r" '$1 == "route" && $2 == m && $3 == r { printf "%s (%s)", $7, $4; f = 1 } END { if (!f) printf "-" }' "$tsv") |"
    done
    echo "$row"
  done
  echo
  echo "Host resident memory (VmRSS) by minute: $(awk -F'\t' '$1 == "rss" { printf "%s%s: %d MB", (n++ ? ", " : ""), $2, $3 / 1024 }' "$tsv")"
  if grep -q '^error' "$tsv"; then echo; echo "First errors:"; echo; awk -F'\t' '$1 == "error" { print "- " $2 }' "$tsv"; fi
} >"$section"
cat "$section"

if [ "$write_docs" -eq 0 ]; then echo; echo "Not written to docs/benchmarks.md (--no-docs)."; exit 0; fi
if [ ${#refusals[@]} -gt 0 ]; then echo; printf 'Not written to docs/benchmarks.md: %s\n' "${refusals[@]}"; exit 0; fi
doc=docs/benchmarks.md begin="<!-- bench:soak:begin -->" end="<!-- bench:soak:end -->"
if ! grep -qF "$begin" "$doc"; then printf '\n### Soak (issue 14)\n\n%s\n%s\n' "$begin" "$end" >>"$doc"; fi
awk -v b="$begin" -v e="$end" -v f="$section" '
  $0 == b { print; while ((getline line < f) > 0) print line; skip = 1; next }
  $0 == e { skip = 0 }
  !skip { print }' "$doc" >"$work/doc.md" && cp "$work/doc.md" "$doc"
echo; echo "Written to docs/benchmarks.md (section \"Soak\")."
