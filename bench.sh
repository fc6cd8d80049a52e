#!/usr/bin/env bash
# Portal's benchmarks against baselines served by the same process (see docs/benchmarks.md).
#
#   ./bench.sh            full run: 3 s warm-up per URL, then wrk -t2 -c64 -d10s --latency in the order A B B A
#   ./bench.sh --quick    2 s runs: a smoke test of the harness, not a result
#   ./bench.sh --micro    also run the BenchmarkDotNet microbenchmarks afterwards (in process)
#   ./bench.sh --no-docs  print the tables without writing them into docs/benchmarks.md
#
# Environment: BENCH_DURATION (seconds per measured run, default 10; 2 with --quick), BENCH_WARMUP (seconds,
# default 3; 1 with --quick), BENCH_ROUNDS (A B B A repeated, default 1), BENCH_CHANGE_INTERVAL (seconds
# between changes in the change phase, default 1).
set -euo pipefail
cd "$(dirname "$0")"

usage() { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; }

quick=0 micro=0 write_docs=1
for arg in "$@"; do
  case "$arg" in
    --quick) quick=1 ;;
    --micro) micro=1 ;;
    --no-docs) write_docs=0 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "bench.sh: unknown option '$arg'" >&2; usage >&2; exit 64 ;;
  esac
done

seconds() { # "10", "10s" -> 10; anything else is refused
  local v=${1%s}
  [[ "$v" =~ ^[0-9]+$ ]] && [ "$v" -gt 0 ] || { echo "bench.sh: '$1' is not a whole number of seconds" >&2; exit 64; }
  echo "$v"
}
if [ "$quick" -eq 1 ]; then default_duration=2 default_warmup=1; else default_duration=10 default_warmup=3; fi
duration=$(seconds "${BENCH_DURATION:-$default_duration}")
warmup=$(seconds "${BENCH_WARMUP:-$default_warmup}")
rounds=$(seconds "${BENCH_ROUNDS:-1}")
change_interval=${BENCH_CHANGE_INTERVAL:-1}
threads=2 connections=64
json_bar=0.6 page_bar=0.35 query_bar=1

# --- prerequisites -------------------------------------------------------------------------------------
missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v curl >/dev/null 2>&1 || missing+=(curl)
if [ -f src/Portal.Web/package.json ] && ! command -v npm >/dev/null 2>&1; then missing+=(nodejs npm); fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || {
      echo "bench.sh: apt-get could not install ${missing[*]}" >&2; exit 1; }
  else
    echo "bench.sh needs: ${missing[*]}. Install them, e.g. 'sudo apt-get install -y ${missing[*]}', or run ./bench.sh as root." >&2
    exit 1
  fi
fi
command -v dotnet >/dev/null 2>&1 || { echo "bench.sh needs the .NET SDK (see global.json) on PATH." >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/portal-bench.XXXXXX")
host_pid=""
cleanup() {
  local rc=$?
  if [ "$rc" -ne 0 ] && [ -s "$work/host.log" ]; then
    echo "--- benchmark host log (last 30 lines)" >&2
    tail -n 30 "$work/host.log" >&2
  fi
  if [ -n "$host_pid" ] && kill -0 "$host_pid" 2>/dev/null; then
    kill "$host_pid" 2>/dev/null || true
    wait "$host_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
load_before=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")

# --- build (Release) and start the host ------------------------------------------------------------------
echo "Building tests/Portal.Benchmarks (Release)..."
if ! dotnet build tests/Portal.Benchmarks/Portal.Benchmarks.csproj -c Release -nologo -v q -clp:ErrorsOnly >"$work/build.log" 2>&1; then
  cat "$work/build.log" >&2
  echo "bench.sh: the build failed." >&2
  exit 1
fi
bench_dll=tests/Portal.Benchmarks/bin/Release/net10.0/Portal.Benchmarks.dll

echo "Starting Portal with the baselines (Development, SQLite in a temp file, demo data)..."
dotnet "$bench_dll" --info "$work/info.env" >"$work/host.log" 2>&1 &
host_pid=$!
for _ in $(seq 1 1200); do
  [ -f "$work/info.env" ] && break
  if ! kill -0 "$host_pid" 2>/dev/null; then
    cat "$work/host.log" >&2
    echo "bench.sh: the benchmark host stopped before it was ready." >&2
    exit 1
  fi
  sleep 0.1
done
[ -f "$work/info.env" ] || { cat "$work/host.log" >&2; echo "bench.sh: the host was not ready after 120 s." >&2; exit 1; }
# shellcheck disable=SC1091
. "$work/info.env"
grep -v -E '^(PORTAL_[A-Z]+_HEADER|BENCH_READY)=' "$work/host.log" | sed 's/^/  host: /' || true

# --- measuring ----------------------------------------------------------------------------------------------
counter() { # counter NAME -> the host's current value
  local text
  text=$(curl -fsS --max-time 10 "$COUNTERS_URL") || { echo "bench.sh: the benchmark host stopped answering." >&2; exit 1; }
  echo "$text" | awk -v k="$1" '$1==k {print $2; f=1} END {if (!f) print 0}'
}

# wrk_run SECONDS URL [HEADER] -> "rps p50_ms p99_ms requests non2xx socket_errors"; raw output kept in wrk.log
wrk_run() {
  local secs=$1 url=$2 header=${3:-} out
  if [ -n "$header" ]; then
    out=$(wrk -t"$threads" -c"$connections" -d"${secs}s" --latency -H "$header" "$url" 2>&1)
  else
    out=$(wrk -t"$threads" -c"$connections" -d"${secs}s" --latency "$url" 2>&1)
  fi
  { echo "### wrk -d${secs}s $url"; echo "$out"; } >>"$work/wrk.log"
  echo "$out" | awk '
    function ms(v) {
      if (v ~ /us$/) return substr(v, 1, length(v) - 2) / 1000
      if (v ~ /ms$/) return substr(v, 1, length(v) - 2) + 0
      if (v ~ /m$/)  return substr(v, 1, length(v) - 1) * 60000
      if (v ~ /s$/)  return substr(v, 1, length(v) - 1) * 1000
      return v + 0
    }
    /^Requests\/sec:/ { rps = $2 }
    $2 == "requests" && $3 == "in" { n = $1 }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    /Non-2xx or 3xx responses:/ { bad = $NF }
    /Socket errors:/ { gsub(/,/, ""); errs = $4 + $6 + $8 + $10 }
    END { printf "%s %.3f %.3f %d %d %d\n", (rps == "" ? 0 : rps), p50, p99, n, bad, errs }'
}

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
fmt() { awk -v v="$1" -v d="${2:-0}" 'BEGIN { printf "%.*f", d, v }'; }
thousands() { awk -v v="$1" 'BEGIN { s = sprintf("%.0f", v); r = ""; while (length(s) > 3) { r = "," substr(s, length(s) - 2) r; s = substr(s, 1, length(s) - 3) } print s r }'; }

results_rows=() change_rows=() run_rows=() problems=()

# scenario NAME BARE_URL PORTAL_URL HEADER COUNTER_SUFFIX BAR
scenario() {
  local name=$1 bare_url=$2 portal_url=$3 header=$4 suffix=$5 bar=$6
  local bare_rps="" portal_rps="" bare_p50="" portal_p50="" bare_p99="" portal_p99=""
  local portal_requests=0 portal_queries=0 invalid=0
  echo "== $name: warm-up ${warmup}s per URL"
  wrk_run "$warmup" "$bare_url" >/dev/null
  wrk_run "$warmup" "$portal_url" "$header" >/dev/null
  local round kind url hdr r rps p50 p99 n bad errs q0 q1
  for round in $(seq 1 "$rounds"); do
    for kind in bare portal portal bare; do
      if [ "$kind" = bare ]; then url=$bare_url hdr=""; else url=$portal_url hdr=$header; fi
      q0=$(counter "commands_$suffix")
      r=$(wrk_run "$duration" "$url" "$hdr")
      q1=$(counter "commands_$suffix")
      read -r rps p50 p99 n bad errs <<<"$r"
      printf '   %-6s %-6s %10s req/s  p50 %7s ms  p99 %7s ms  %s requests, %s non-2xx, %s socket errors, %s DB commands\n' \
        "$name" "$kind" "$(fmt "$rps")" "$(fmt "$p50" 2)" "$(fmt "$p99" 2)" "$n" "$bad" "$errs" "$((q1 - q0))"
      run_rows+=("| $name | $round | $kind | $(thousands "$rps") | $(fmt "$p50" 2) | $(fmt "$p99" 2) | $n | $bad | $errs | $((q1 - q0)) |")
      if [ "$bad" -gt 0 ] || [ "$n" -eq 0 ]; then
        invalid=1
        problems+=("$name $kind run $round: $bad non-2xx/3xx answers of $n requests (auth or routing broke; the run does not count)")
      fi
      if [ "$kind" = bare ]; then
        bare_rps+=" $rps" bare_p50+=" $p50" bare_p99+=" $p99"
      else
        portal_rps+=" $rps" portal_p50+=" $p50" portal_p99+=" $p99"
        portal_requests=$((portal_requests + n)) portal_queries=$((portal_queries + q1 - q0))
      fi
    done
  done
  local b p ratio verdict per_k
  b=$(echo "$bare_rps" | median) p=$(echo "$portal_rps" | median)
  ratio=$(awk -v p="$p" -v b="$b" 'BEGIN { printf "%.2f", (b > 0 ? p / b : 0) }')
  verdict=$(awk -v r="$ratio" -v bar="$bar" 'BEGIN { print (r >= bar ? "PASS" : "FAIL") }')
  [ "$invalid" -eq 1 ] && verdict="INVALID"
  per_k=$(awk -v q="$portal_queries" -v n="$portal_requests" 'BEGIN { printf "%.3f", (n > 0 ? 1000 * q / n : 0) }')
  results_rows+=("| $name | $(thousands "$b") | $(thousands "$p") | ${ratio}x | >= ${bar}x | **$verdict** | $(fmt "$(echo "$bare_p50" | median)" 2) / $(fmt "$(echo "$portal_p50" | median)" 2) | $(fmt "$(echo "$bare_p99" | median)" 2) / $(fmt "$(echo "$portal_p99" | median)" 2) | $per_k ($portal_queries in $(thousands "$portal_requests")) |")
}

# change_phase NAME PORTAL_URL HEADER COUNTER_SUFFIX: readers hammer the path while the tenant's MSP posts a
# customer-visible update every BENCH_CHANGE_INTERVAL seconds; counts the read path's database work per change.
change_phase() {
  local name=$1 portal_url=$2 header=$3 suffix=$4
  echo "== $name: change phase, ${duration}s of readers with a change every ${change_interval}s"
  local q0 r0 q1 r1 changes=0 failed=0 code wrk_pid end
  q0=$(counter "commands_$suffix") r0=$(counter "requests_$suffix")
  wrk_run "$duration" "$portal_url" "$header" >"$work/change-wrk.txt" &
  wrk_pid=$!
  end=$(( $(date +%s) + duration ))
  sleep 0.5
  while [ "$(date +%s)" -lt "$end" ]; do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -X POST "$CHANGE_URL" || echo 000)
    if [ "$code" = 201 ]; then changes=$((changes + 1)); else failed=$((failed + 1)); fi
    sleep "$change_interval"
  done
  wait "$wrk_pid"
  q1=$(counter "commands_$suffix") r1=$(counter "requests_$suffix")
  local rps p50 p99 n bad errs
  read -r rps p50 p99 n bad errs <"$work/change-wrk.txt"
  [ "$failed" -gt 0 ] && problems+=("$name change phase: $failed change requests did not answer 201")
  [ "$bad" -gt 0 ] && problems+=("$name change phase: $bad non-2xx/3xx answers to the readers")
  local per_change per_change_req verdict
  per_change=$(awk -v q="$((q1 - q0))" -v c="$changes" 'BEGIN { printf "%.1f", (c > 0 ? q / c : 0) }')
  per_change_req=$(awk -v q="$((r1 - r0))" -v c="$changes" 'BEGIN { printf "%.1f", (c > 0 ? q / c : 0) }')
  verdict=$(awk -v v="$per_change" -v bar="$query_bar" -v c="$changes" 'BEGIN { print (c == 0 ? "INVALID" : (v <= bar ? "PASS" : "FAIL")) }')
  printf '   %s: %s changes, %s DB commands on the read path (%s per change) from %s requests; readers %s req/s, p99 %s ms\n' \
    "$name" "$changes" "$((q1 - q0))" "$per_change" "$((r1 - r0))" "$(fmt "$rps")" "$(fmt "$p99" 2)"
  change_rows+=("| $name | $changes | $(thousands "$n") | $((q1 - q0)) | $per_change | $per_change_req | <= $query_bar | **$verdict** | $(fmt "$p99" 2) |")
}

scenario json "$BARE_JSON_URL" "$PORTAL_JSON_URL" "$PORTAL_JSON_HEADER" status_json "$json_bar"
if [ "${PAGE_STATE:-}" = ok ]; then
  scenario page "$BARE_PAGE_URL" "$PORTAL_PAGE_URL" "$PORTAL_PAGE_HEADER" status_page "$page_bar"
else
  problems+=("page scenario skipped: ${PAGE_NOTE:-the host prepared no page}")
  results_rows+=("| page | - | - | - | >= ${page_bar}x | **NOT RUN** | - | - | - |")
fi
change_phase json "$PORTAL_JSON_URL" "$PORTAL_JSON_HEADER" status_json
[ "${PAGE_STATE:-}" = ok ] && change_phase page "$PORTAL_PAGE_URL" "$PORTAL_PAGE_HEADER" status_page

# --- report ------------------------------------------------------------------------------------------------
cpu=$(awk -F: '/^model name/ { sub(/^[ \t]+/, "", $2); print $2; exit }' /proc/cpuinfo 2>/dev/null || echo unknown)
wrk_version=$(wrk -v 2>&1 | head -n 1 | awk '{ print $1, $2 }' || true)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo "?")
[ -n "$(git status --porcelain 2>/dev/null)" ] && commit="$commit (with uncommitted changes)"
command_line="./bench.sh${*:+ $*}"
[ -n "${BENCH_DURATION:-}" ] && command_line="BENCH_DURATION=$BENCH_DURATION $command_line"
[ -n "${BENCH_ROUNDS:-}" ] && command_line="BENCH_ROUNDS=$BENCH_ROUNDS $command_line"
[ -n "${BENCH_WARMUP:-}" ] && command_line="BENCH_WARMUP=$BENCH_WARMUP $command_line"

# Busy: the 1-minute load average before the run was at least half the cores (another build, tests...).
busy=$(awk -v l="${load_before%% *}" -v n="$(nproc)" 'BEGIN { print (l + 0 >= n / 2 ? 1 : 0) }')
section="$work/section.md"
{
  if [ "$busy" -eq 1 ]; then machine_state="a busy machine (load average ${load_before%% *} on $(nproc) cores)"; else machine_state="a quiet machine"; fi
  if [ "$quick" -eq 1 ]; then
    echo "### Smoke run on $machine_state, not a result (\`--quick\`, ${duration} s runs)"
    echo
    echo "It proves the harness works end to end; runs this short say nothing about performance. Replace it with a full \`./bench.sh\` on a quiet machine."
  else
    echo "### Results"
    if [ "$busy" -eq 1 ]; then
      echo
      echo "**Taken on $machine_state: not reliable.** Run again with nothing else on the machine."
    fi
  fi
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); commit $commit"
  echo "- machine: $(nproc) cores, $cpu; load average before the run: $load_before"
  echo "- .NET SDK $(dotnet --version); $wrk_version"
  echo "- command: \`$command_line\`; each measured run is \`wrk -t$threads -c$connections -d${duration}s --latency [-H <auth>] <url>\` after a ${warmup} s warm-up per URL; order A B B A × $rounds (A = bare, B = Portal); medians"
  echo "- responses: JSON ${JSON_BYTES:-?} bytes, page ${PAGE_BYTES:-not run} bytes (tenant Northwind Airways, customer Olivia Grant)"
  echo
  echo "| path | bare req/s | Portal req/s | ratio | bar | result | p50 ms bare / Portal | p99 ms bare / Portal | DB commands per 1,000 Portal requests (no changes) |"
  echo "|---|---:|---:|---:|---:|---|---:|---:|---|"
  printf '%s\n' "${results_rows[@]}"
  echo
  echo "Change phase: readers as above (${duration} s) while the tenant's MSP engineer posts a customer-visible update through the API every ${change_interval} s."
  echo
  echo "| path | changes | reader requests | read-path DB commands | per change | requests that reached the DB, per change | bar | result | reader p99 ms |"
  echo "|---|---:|---:|---:|---:|---:|---:|---|---:|"
  printf '%s\n' "${change_rows[@]}"
  echo
  echo "<details><summary>Every measured run</summary>"
  echo
  echo "| path | round | run | req/s | p50 ms | p99 ms | requests | non-2xx | socket errors | DB commands |"
  echo "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|"
  printf '%s\n' "${run_rows[@]}"
  echo
  echo "</details>"
  if [ ${#problems[@]} -gt 0 ]; then
    echo
    echo "Problems:"
    printf -- '- %s\n' "${problems[@]}"
  fi
} >"$section"

echo
cat "$section"

if [ "$write_docs" -eq 1 ]; then
  doc=docs/benchmarks.md begin='<!-- bench:status:begin -->' end='<!-- bench:status:end -->'
  mkdir -p docs
  [ -f "$doc" ] || printf '# Benchmarks\n' >"$doc"
  if grep -qF "$begin" "$doc" && grep -qF "$end" "$doc"; then
    awk -v begin="$begin" -v end="$end" -v file="$section" '
      $0 == begin { print; while ((getline line < file) > 0) print line; skip = 1; next }
      $0 == end { skip = 0 }
      !skip { print }' "$doc" >"$work/doc.md"
  else
    { cat "$doc"; echo; echo "$begin"; cat "$section"; echo "$end"; } >"$work/doc.md"
  fi
  cat "$work/doc.md" >"$doc"
  echo
  echo "Written to $doc (between $begin and $end)."
fi

if [ "$micro" -eq 1 ]; then
  echo
  echo "== BenchmarkDotNet microbenchmarks (in process)"
  kill "$host_pid" 2>/dev/null || true
  wait "$host_pid" 2>/dev/null || true
  host_pid=""
  micro_args=(micro)
  [ "$quick" -eq 1 ] && micro_args+=(--short)
  dotnet "$bench_dll" "${micro_args[@]}"
fi

# Non-zero when a run was invalid (wrong answers, nothing measured); a FAIL against a bar is a result, not an error.
for row in "${results_rows[@]}" "${change_rows[@]}"; do
  case "$row" in *"**INVALID**"*) exit 3 ;; esac
done
exit 0
