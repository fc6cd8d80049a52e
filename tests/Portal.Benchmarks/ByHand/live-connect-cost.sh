#!/usr/bin/env bash
# What live connections of many distinct users cost Portal's server, measured by hand (indicative: one host, no baseline; the
# reconnect storms and the 30 s re-decision that docs/benchmarks.md lists under "not measured here"). A fresh SQLite copy of
# the demo with N more Northwind Airways customers (watcher0..N-1), the Release build, and N hub connections of one Node
# process (the page's own @microsoft/signalr), then the server's CPU (/proc/PID/stat) per phase:
#   tokens  N development tokens (the stand-in for Entra's: Portal signs them here, so it is not Portal's cost in production)
#   connect the N connections, 50 at a time, on a server that has not seen these users: each token validated, each user's
#           access read (four queries), groups decided
#   idle    60 s with the N connections open: keep-alives and two passes of the re-decision (every user's access read again, 200 users a batch)
#   again   all N closed and opened again, 50 at a time, with tokens and access cached
# Usage: tests/Portal.Benchmarks/ByHand/live-connect-cost.sh [N]   (default 2000)
# Build first: dotnet build -c Release src/Portal.Web (and npm ci there, as the build does). Needs node, sqlite3, curl.
# The anonymous and per-organisation rate limits are raised: N people of one organisation connecting from one address in a
# few seconds is what the limits exist to refuse.
set -euo pipefail
n=${1:-2000}
root=$(cd "$(dirname "$0")/../../.." && pwd)
web=$root/src/Portal.Web
# PORTAL_APP: a published app's folder instead of the build (e.g. `dotnet publish -r linux-x64 -p:PublishReadyToRun=true`);
# it runs from there, its content root being that folder, as a deployed app does.
app_dir=${PORTAL_APP:-$web}
dll=${PORTAL_APP:+$PORTAL_APP/Portal.Web.dll}
dll=${dll:-$web/bin/Release/net10.0/Portal.Web.dll}
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base=http://127.0.0.1:$port
app=""
trap '[ -n "$app" ] && kill "$app" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
start() {
  (cd "$app_dir" && exec env ASPNETCORE_ENVIRONMENT=Development ASPNETCORE_URLS="$base" "ConnectionStrings__Portal=Data Source=$work/portal.db" \
    RateLimits__PerAnonymousAddress__Burst=1000000 RateLimits__PerAnonymousAddress__PerMinute=1000000 \
    RateLimits__PerOrganisation__Burst=1000000 RateLimits__PerOrganisation__PerMinute=1000000 dotnet "$dll" > "$work/app.log" 2>&1) &
  app=$!
  for _ in $(seq 120); do curl -sf -o /dev/null "$base/health/live" && return; sleep 0.5; done
  echo "Portal did not start: $work/app.log" >&2; exit 1
}
start # the demo data, then stopped to add the watchers
kill "$app"; wait "$app" 2>/dev/null || true
read -r org tid < <(sqlite3 -separator ' ' "$work/portal.db" "SELECT Id, EntraTenantId FROM Organisations WHERE Name = 'Northwind Airways'")
python3 - "$n" "$org" "$tid" > "$work/watchers.sql" <<'PY'
import sys, uuid
n, org, tid = int(sys.argv[1]), sys.argv[2], sys.argv[3]
print("BEGIN;")
for i in range(n):
    user = str(uuid.uuid4()).upper()
    print(f"INSERT INTO Users VALUES ('{user}', 'Watcher {i}', 'watcher{i}@northwindairways.example', '{tid}', '{str(uuid.uuid4()).upper()}');")
    print(f"INSERT INTO Memberships VALUES ('{str(uuid.uuid4()).upper()}', '{user}', '{org}', 'CustomerViewer');")
print("COMMIT;")
PY
sqlite3 "$work/portal.db" < "$work/watchers.sql"
for _ in $(seq 36); do awk '{exit !($1 < 1.0)}' /proc/loadavg && break; sleep 5; done
echo "load average before: $(cut -d' ' -f1 /proc/loadavg); commit $(git -C "$root" rev-parse --short HEAD); $n watchers; $dll"
start
cpu() { awk '{print $14 + $15}' "/proc/$app/stat"; }
ticks=$(getconf CLK_TCK)
node "$root/tests/Portal.Benchmarks/ByHand/live-connect-cost.js" "$web/node_modules" "$base" "$n" "$work" > "$work/client.log" 2>&1 &
client=$!
phase() { # phase NAME: the server's CPU until the client reports the phase done
  local before; before=$(cpu)
  [ "$1" = tokens ] || touch "$work/$1"
  [ "$1" = idle ] && sleep 60
  until grep -q "^phase $1" "$work/client.log"; do kill -0 "$client" 2>/dev/null || { cat "$work/client.log" >&2; exit 1; }; sleep 0.2; done
  local used=$(( $(cpu) - before )) wall; wall=$(grep "^phase $1" "$work/client.log" | cut -d' ' -f3)
  awk -v p="$1" -v t="$used" -v hz="$ticks" -v n="$n" -v w="$wall" 'BEGIN {
    printf "%-8s server CPU %6.2f s, %5.2f ms per watcher%s\n", p, t / hz, 1000 * t / hz / n, (w == "" ? "" : sprintf(", %.1f s by the client'"'"'s clock", w / 1000)) }'
}
phase tokens; phase connect; phase idle; phase again
wait "$client"
