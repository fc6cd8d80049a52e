#!/usr/bin/env bash
# What the live refetch of a customer's status page costs when many people have it open (docs/benchmarks.md, "Status pages
# refetched by many people"), measured by hand on a fresh status host of the Release build (the scenario-1 host: SQLite, demo
# data, telemetry on, Olivia signed in through the sign-in form). After a change every open page refetches at once, each for
# another person, so none is answered from the output cache, which keeps pages per person. Three paths, wrk -t2 -c64:
#   bare     the benchmark's bare page endpoint (the baseline, as in scenario 1)
#   whole    the whole status page, as live.js refetched it until 4f04d22, each request as another person would send it: a new
#            antiforgery cookie value per request, which the output cache varies by (one user's session stands in for many)
#   region   ?part=live, the live region alone, as live.js refetches a customer's page since 4f04d22 (same cookies)
#   incident a customer's incident page (the first incident of the status page) as live.js refetches it since e11ce1b:
#            ?part=live&sequence=1, same cookies; a build before e11ce1b ignores both and renders the whole page, with its reads
#            (run the script on two builds, DLL=..., to compare). Also prints the database commands per request of this path.
#   recovery the tenant's recovery page (counts and burn-down), as live.js refetched it whole until the region came (same cookies)
#   recoveryregion the recovery page's region alone, ?part=live, as live.js refetches a customer's since then (a build before it
#            ignores the query and renders the whole page)
# PATHS picks the paths (default "bare whole region incident").
# Five unmeasured runs first, then rounds of bare, whole, region, region, whole, bare (ROUNDS=3), RUN_S seconds each after a
# 2 s warm-up per run; medians with
# their min-max, and each path's ratio to the bare endpoint. Usage: tests/Portal.Benchmarks/ByHand/status-refetch.sh
# Build first: dotnet build -c Release tests/Portal.Benchmarks. Needs wrk; waits for a 1-minute load average below 1.
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
dll=${DLL:-$root/tests/Portal.Benchmarks/bin/Release/net10.0/Portal.Benchmarks.dll}
rounds=${ROUNDS:-3} run_s=${RUN_S:-8} paths=${PATHS:-bare whole region incident}
work=$(mktemp -d) # the host's working folder: it watches its content root, so nothing else is written there
trap 'kill "$host" 2>/dev/null || true; wait "$host" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 36); do awk '{exit !($1 < 1.0)}' /proc/loadavg && break; sleep 5; done
load=$(cut -d' ' -f1 /proc/loadavg)
(cd "$work" && exec dotnet "$dll" --info "$work/info.env" > "$work/host.log" 2>&1) &
host=$!
for _ in $(seq 120); do grep -qs BENCH_READY "$work/info.env" && break; sleep 1; done
# shellcheck disable=SC1091
. "$work/info.env"
[ "${PAGE_STATE:-}" = ok ] || { echo "status-refetch: the host prepared no page: ${PAGE_NOTE:-}" >&2; exit 1; }
# The session cookie without the antiforgery cookie; each request adds an antiforgery cookie of its own.
session=$(echo "${PORTAL_PAGE_HEADER#Cookie: }" | tr ';' '\n' | sed 's/^ //' | grep -v '^portal.af=' | paste -sd';')
cat > "$work/person.lua" <<LUA
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", nil, { ["Cookie"] = "$session; portal.af=person" .. math.random(1, 1000000000) .. "-" .. counter, ["X-Portal-Live"] = "1" })
end
LUA
region_bytes=$(curl -s -H "$PORTAL_PAGE_HEADER" "$PORTAL_PAGE_URL?part=live" | wc -c)
incident=$(curl -s -H "$PORTAL_PAGE_HEADER" "$PORTAL_PAGE_URL" | grep -o 'href="/incidents/[0-9a-f-]*"' | head -1 | sed 's/^href="//; s/"$//')
[ -n "$incident" ] || { echo "status-refetch: no incident on the status page" >&2; exit 1; }
incident_bytes=$(curl -s -H "$PORTAL_PAGE_HEADER" "$BENCH_BASE$incident?part=live&sequence=1" | wc -c)
commands() { curl -s "$COUNTERS_URL" | awk '$1 == "commands_other_requests" { c = $2 } $1 == "requests_other_requests" { r = $2 } END { print c, r }'; }
run() { # run PATH -> requests per second
  local url args=()
  case $1 in
    bare) url=$BARE_PAGE_URL ;;
    whole) url=$PORTAL_PAGE_URL args=(-s "$work/person.lua") ;;
    region) url="$PORTAL_PAGE_URL?part=live" args=(-s "$work/person.lua") ;;
    incident) url="$BENCH_BASE$incident?part=live&sequence=1" args=(-s "$work/person.lua") ;;
    recovery) url="$PORTAL_PAGE_URL/recovery" args=(-s "$work/person.lua") ;;
    recoveryregion) url="$PORTAL_PAGE_URL/recovery?part=live" args=(-s "$work/person.lua") ;;
  esac
  wrk -t2 -c64 -d2s "${args[@]}" "$url" > /dev/null
  wrk -t2 -c64 -d"${run_s}s" "${args[@]}" "$url" > "$work/run.txt"
  if grep -q "Non-2xx" "$work/run.txt"; then echo "status-refetch: $1 answered non-2xx" >&2; cat "$work/run.txt" >&2; exit 1; fi
  awk '/Requests\/sec/ { rps = $2 } / requests in / { n = $1 } END { print rps, n }' "$work/run.txt"
}
read -ra chosen <<< "$paths"
for path in "${chosen[@]}" "${chosen[@]}"; do run "$path" > /dev/null; done # unmeasured: tiered JIT settles
declare -A results=()
for round in $(seq "$rounds"); do
  order=("${chosen[@]}")
  for ((k = ${#chosen[@]} - 1; k >= 0; k--)); do order+=("${chosen[k]}"); done # A B … B A
  for path in "${order[@]}"; do
    before=$(commands)
    read -r rps requests <<< "$(run "$path")"
    results[$path]+="$rps "
    after=$(commands)
    # The counters count the database commands of all requests (and the requests that ran any): per request of this run's wrk.
    echo "round $round $path: $rps req/s; $(awk -v b="$before" -v a="$after" -v n="$requests" 'BEGIN { split(b, x, " "); split(a, y, " "); printf "%d database commands in %d requests (%.4f each)", y[1] - x[1], n, (y[1] - x[1]) / n }')"
  done
done
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.0f (%.0f-%.0f)", m, v[1], v[NR] }'; }
bare_median=$(echo "${results[bare]:-}" | median | cut -d' ' -f1)
for path in "${chosen[@]}"; do
  m=$(echo "${results[$path]}" | median)
  echo "$path: median $m req/s; ratio to bare $(awk -v a="${m%% *}" -v b="$bare_median" 'BEGIN { printf "%.2f", a / b }')"
done
echo "page ${PAGE_BYTES:-?} bytes, region $region_bytes bytes, incident refetch $incident_bytes bytes; $rounds rounds of $run_s s runs; load average before $load; commit $(git -C "$root" rev-parse --short HEAD); ${DLL:+dll $DLL}"
