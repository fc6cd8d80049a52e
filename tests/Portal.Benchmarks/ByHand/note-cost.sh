#!/usr/bin/env bash
# What one customer-visible note costs Portal's server, measured by hand (docs/benchmarks.md, "Where a note's time goes"):
# a fresh fan-out host of the Release build (no hub clients), 25 s of notes back to back as warm-up (tiered JIT settles),
# then, on one connection:
#   hot    notes back to back for 10 s: p50, the server's CPU per note (from /proc/PID/stat) and what it allocated per note
#          (GET /bench/gc on the bare hub's listener: the process's allocations, background work included)
#   gap    notes with GAP_MS between them (the fan-out benchmark's changes come one at a time): p50 / p90
#   bare   the same gaps on the benchmark's bare JSON endpoint: what any request costs after the same pause
# Usage: tests/Portal.Benchmarks/ByHand/note-cost.sh [LABEL]   (env: DLL, GAP_MS=50, DURATION_S=15)
# Build first: dotnet build -c Release tests/Portal.Benchmarks. Needs wrk and curl; waits for a 1-minute load average below 1.
set -euo pipefail
label=${1:-note}
root=$(cd "$(dirname "$0")/../../.." && pwd)
dll=${DLL:-$root/tests/Portal.Benchmarks/bin/Release/net10.0/Portal.Benchmarks.dll}
gap=${GAP_MS:-50} duration=${DURATION_S:-15}
work=$(mktemp -d) # the host's working folder: it watches its content root, so nothing else is written there
trap 'kill "$host" 2>/dev/null || true; wait "$host" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 36); do awk '{exit !($1 < 1.0)}' /proc/loadavg && break; sleep 5; done
load=$(cut -d' ' -f1 /proc/loadavg)
(cd "$work" && exec dotnet "$dll" --info "$work/info.env" --fanout > "$work/host.log" 2>&1) &
host=$!
for _ in $(seq 90); do grep -qs BENCH_READY "$work/info.env" && break; sleep 1; done
# shellcheck disable=SC1091
. "$work/info.env"
json() { python3 -c "import sys,json; print(json.load(sys.stdin)$1)"; }
token=$(curl -sf -X POST -H 'Content-Type: application/json' -d '{"email":"maya@harborit.example"}' "$BENCH_BASE/dev/token" | json '["accessToken"]')
incident=$(curl -sf -H "Authorization: Bearer $token" "$BENCH_BASE/api/v1/incidents?pageSize=1" | json '["items"][0]["id"]')
url="$BENCH_BASE/api/v1/incidents/$incident/notes"
script() { # script FILE [GAP]: a wrk script posting the note, with a pause before each request when GAP is given
  cat > "$1" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $token"
wrk.body = '{"text":"Benchmark note: devices are coming back one by one.","visibility":"Customer"}'
${2:+function delay() return $2 end}
LUA
}
script "$work/hot.lua"; script "$work/gap.lua" "$gap"
echo "function delay() return $gap end" > "$work/bare.lua"
p50() { awk '$1 == "50%" { print $2 }' "$1"; }
p90() { awk '$1 == "90%" { print $2 }' "$1"; }
cpu() { awk '{ print $14 + $15 }' "/proc/$host/stat"; } # user + system clock ticks of the host process

allocated() { curl -sf --noproxy '*' "$BARE_HUB_BASE/bench/gc" | json '["allocatedBytes"]'; } # the server's allocations so far (GET /bench/gc)
jitted() { curl -sf --noproxy '*' "$BARE_HUB_BASE/bench/gc" | json '["jittedMethods"]'; } # methods the JIT compiled so far

wrk -t1 -c1 -d25s -s "$work/hot.lua" "$url" > /dev/null
before=$(cpu) allocated_before=$(allocated)
wrk -t1 -c1 -d10s -s "$work/hot.lua" --latency "$url" > "$work/hot.txt"
after=$(cpu) allocated_after=$(allocated)
notes=$(awk '/requests in/ { print $1 }' "$work/hot.txt")
ticks=$(getconf CLK_TCK)
cpu_us=$(awk -v a="$before" -v b="$after" -v n="$notes" -v t="$ticks" 'BEGIN { printf "%.0f", (b - a) * 1e6 / t / n }')
kb=$(awk -v a="$allocated_before" -v b="$allocated_after" -v n="$notes" 'BEGIN { printf "%.1f", (b - a) / 1024 / n }')
jitted_before=$(jitted)
wrk -t1 -c1 -d"${duration}s" -s "$work/gap.lua" --latency "$url" > "$work/gap.txt"
jitted_gap=$(( $(jitted) - jitted_before ))
wrk -t1 -c1 -d"${duration}s" -s "$work/bare.lua" --latency "$BARE_JSON_URL" > "$work/bare.txt"
echo "$label: hot p50 $(p50 "$work/hot.txt"), server CPU ${cpu_us} us/note, allocated ${kb} KB/note ($notes notes); ${gap} ms gaps: note p50 $(p50 "$work/gap.txt") p90 $(p90 "$work/gap.txt") ($jitted_gap methods jitted meanwhile), bare endpoint p50 $(p50 "$work/bare.txt"); load before $load"
