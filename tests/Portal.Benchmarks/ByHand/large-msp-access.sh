#!/usr/bin/env bash
# What reading one user's access costs when their MSP has many customers, measured by hand (indicative: one host, no baseline).
# A fresh SQLite copy of the demo whose Harbor IT Partners manages N more customers (active contracts) and has 22 more
# engineers; then, one after another, each engineer's first request (GET /api/v1/me, a miss of the access cache: the engineer's
# access is read and built) timed by curl; the first two are left out (warm-up). Prints the min, median and max of the other 20.
# Then the same 20 open one hub connection each, one after another (large-msp-access.js; their access is cached by then, so
# this is the groups: one per managed tenant): the min, median and max of a connect, and the server's resident memory before
# and after the 20 connections (VmRSS: it includes garbage not yet collected, so read it as an upper bound).
# Usage: tests/Portal.Benchmarks/ByHand/large-msp-access.sh [WEB] [N]   WEB: a Portal.Web project folder with a Release build
# (default src/Portal.Web; another checkout's to compare two commits), N customers (default 5000). Needs sqlite3, curl, python3,
# node (and npm ci in src/Portal.Web, as the build does).
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
web=${1:-$root/src/Portal.Web}; n=${2:-5000}
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base=http://127.0.0.1:$port; work=$(mktemp -d); db=$work/portal.db; app=""
trap '[ -n "$app" ] && kill "$app" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
start() { (cd "$web" && exec env ASPNETCORE_ENVIRONMENT=Development ASPNETCORE_URLS=$base "ConnectionStrings__Portal=Data Source=$db" RateLimits__PerAnonymousAddress__Burst=100000 RateLimits__PerAnonymousAddress__PerMinute=100000 dotnet bin/Release/net10.0/Portal.Web.dll > "$work/app.log" 2>&1) & app=$!; for i in $(seq 120); do curl -sf -o /dev/null $base/health/live && return; sleep 0.5; done; echo "Portal did not start: $work/app.log" >&2; exit 1; }
start; kill $app; wait $app 2>/dev/null || true
read -r msp tid < <(sqlite3 -separator ' ' $db "SELECT Id, EntraTenantId FROM Organisations WHERE Name = 'Harbor IT Partners'")
python3 - $n $msp $tid > "$work/customers.sql" <<'PY'
import sys, uuid
n, msp, tid = int(sys.argv[1]), sys.argv[2], sys.argv[3]
print("BEGIN;")
for i in range(n):
    org = str(uuid.uuid4()).upper()
    print(f"INSERT INTO Organisations (Id, Name, Kind, EntraTenantId, IncidentPrefix, LastIncidentNumber) VALUES ('{org}', 'Customer {i}', 'Customer', '{str(uuid.uuid4()).upper()}', 'C{i}', 0);")
    print(f"INSERT INTO Contracts (Id, CustomerId, MspId, StartedAt, State, TightenedTargets, Version) VALUES ('{str(uuid.uuid4()).upper()}', '{org}', '{msp}', 0, 'Active', '[]', 0);")
for i in range(22):
    user = str(uuid.uuid4()).upper()
    print(f"INSERT INTO Users VALUES ('{user}', 'Engineer {i}', 'engineer{i}@harborit.example', '{tid}', '{str(uuid.uuid4()).upper()}');")
    print(f"INSERT INTO Memberships VALUES ('{str(uuid.uuid4()).upper()}', '{user}', '{msp}', 'MspEngineer');")
print("COMMIT;")
PY
sqlite3 $db < "$work/customers.sql"
echo "load average before: $(cut -d' ' -f1 /proc/loadavg); $web, $n customers"
start
stats() { sort -n | awk -v what="$1" '{a[NR]=$1} END {print what ": min", a[1], "median", a[int((NR+1)/2)], "max", a[NR]}'; }
for i in $(seq 0 21); do
  tok=$(curl -s -X POST -H 'content-type: application/json' -d "{\"email\":\"engineer$i@harborit.example\"}" $base/dev/token | python3 -c 'import json,sys; print(json.load(sys.stdin)["accessToken"])')
  t=$(curl -s -o /dev/null -w "%{time_total}" -H "Authorization: Bearer $tok" $base/api/v1/me)
  [ $i -ge 2 ] && echo "$t" >> "$work/me" && echo "$tok" >> "$work/tokens"
done
stats "first /api/v1/me of 20 engineers, s" < "$work/me"
rss() { awk '/^VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$app/status"; } # the app: its subshell exec'd into dotnet
before=$(rss)
node "$root/tests/Portal.Benchmarks/ByHand/large-msp-access.js" "$root/src/Portal.Web/node_modules" "$base" "$work" > "$work/connects" &
client=$!
until [ -f "$work/connected" ]; do kill -0 "$client" 2>/dev/null || { cat "$work/connects" >&2; exit 1; }; sleep 0.2; done
after=$(rss)
stats "hub connect of 20 engineers, ms" < "$work/connects"
echo "server VmRSS: $before MB before the 20 connections, $after MB after"
touch "$work/done"; wait "$client"
