#!/usr/bin/env bash
# What a large advisory fan-out does to everyone else's writes, measured by hand (the note of 2026-12-06; on 21c6844, quiet machine, one run: 1,000,000
# devices fanned out in 15.9 s, 27 notes meanwhile at median 45 ms, max 185 ms; on b0809b2, one transaction: 22.3 s, and the one note waited 21.7 s): Portal on a fresh
# SQLite file (the embedded default, demo data), DEVICES devices imported into a Fabrikam incident first, then Priya publishes a
# sensor advisory (every demo tenant runs the sensor) and Maya fans it out to all of Harbor's tenants with a task per device,
# while Sam posts an internal note on another incident every 0.5 s. Prints the fan-out's time and tasks and the notes' latency
# (median, p90, max): before the fan-out wrote its tasks in chunks, the one note posted meanwhile waited for the whole fan-out.
# Since d27c7b1 the fan-out answers after Advisories:FanOutAnswerWithin (5 s) and a background job makes the rest: the script reports
# both, and posts notes until the last task exists.
# Usage: tests/Portal.Benchmarks/ByHand/fanout-writers.sh   (env: DLL = Portal.Web.dll to run, DEVICES=1000000, CHUNK = Advisories:FanOutChunkSize)
# Build first: dotnet build src/Portal.Web (or -c Release and point DLL at it). Reports the load average; waits up to 3 min for it to fall below 1.
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
dll=${DLL:-$root/src/Portal.Web/bin/Debug/net10.0/Portal.Web.dll}
devices=${DEVICES:-1000000}
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
work=$(mktemp -d)
trap 'kill "$host" 2>/dev/null || true; wait "$host" 2>/dev/null || true; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
cp "$root"/src/Portal.Web/appsettings*.json "$work/"
for _ in $(seq 36); do awk '{exit !($1 < 1.0)}' /proc/loadavg && break; sleep 5; done
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
(cd "$work" && exec env ASPNETCORE_ENVIRONMENT=Development ASPNETCORE_URLS="http://127.0.0.1:$port" ${CHUNK:+Advisories__FanOutChunkSize=$CHUNK} \
  Logging__LogLevel__Default=Warning dotnet "$dll" > "$work/host.log" 2>&1) &
host=$!
base="http://127.0.0.1:$port"
for _ in $(seq 90); do curl -sf -o /dev/null "$base/health/ready" && break; sleep 1; done
json() { python3 -c "import sys,json; d=json.load(sys.stdin); print($1)"; }
token() { curl -sf -X POST -H 'Content-Type: application/json' -d "{\"email\":\"$1\"}" "$base/dev/token" | json 'd["accessToken"]'; }
maya=$(token maya@harborit.example); sam=$(token sam@harborit.example); priya=$(token priya@sentinelshield.example)
auth() { echo "Authorization: Bearer $1"; }

# The affected devices: DEVICES rows imported into a Fabrikam incident (the import job, batch by batch).
fabrikam=$(curl -sf -H "$(auth "$maya")" "$base/api/v1/me" | json '[t["tenantId"] for t in d["tenants"] if t["name"] == "Fabrikam Health"][0]')
incident=$(curl -sf -X POST -H "$(auth "$maya")" -H 'Content-Type: application/json' -d '{"title":"Fleet inventory","severity":"Sev3"}' \
  "$base/api/v1/tenants/$fabrikam/incidents" | json 'd["id"]')
python3 -c "
import sys
with open('$work/devices.csv','w') as f:
    f.write('hostname,external_id,site\n')
    for i in range(1, $devices + 1): f.write(f'fab-pc-{i:07d},rmm-fab-{i:07d},Site {i % 17}\n')"
import=$(curl -sf -X POST -H "$(auth "$maya")" -H 'Content-Type: text/csv' --data-binary @"$work/devices.csv" \
  "$base/api/v1/incidents/$incident/device-imports?fileName=devices.csv" | json 'd["id"]')
while [ "$(curl -sf -H "$(auth "$maya")" "$base/api/v1/device-imports/$import" | json 'd["status"]')" != "Completed" ]; do sleep 2; done
echo "imported $devices devices into Fabrikam"

provider=$(curl -sf -H "$(auth "$priya")" "$base/api/v1/me" | json 'd["memberships"][0]["organisationId"]')
service=$(curl -sf -H "$(auth "$priya")" "$base/api/v1/provider/services" | json '[s["id"] for s in d if "Sensor" in s["name"]][0]')
advisory=$(curl -sf -X POST -H "$(auth "$priya")" -H 'Content-Type: application/json' \
  -d "{\"title\":\"Sensor update crashes hosts\",\"severity\":\"Sev1\",\"impact\":\"Hosts fail to start.\",\"serviceIds\":[\"$service\"],\"regions\":[]}" \
  "$base/api/v1/providers/$provider/advisories" | json 'd["id"]')
noted=$(curl -sf -H "$(auth "$sam")" "$base/api/v1/incidents?open=true&pageSize=1" | json 'd["items"][0]["id"]')

# Every task of Maya's tenants, from the roll-up the remediation pages read.
all_tasks() { curl -sf -H "$(auth "$maya")" "$base/api/v1/remediation/progress" | json 'd["total"]["total"]'; }
before=$(all_tasks)
started=$(date +%s.%N)
curl -s -o "$work/fanout.json" -w '%{http_code} %{time_total}\n' -X POST -H "$(auth "$maya")" -H 'Content-Type: application/json' -d '{}' \
  "$base/api/v1/advisories/$advisory/fan-out" > "$work/fanout.time" &
fanout=$!
sleep 0.5
: > "$work/notes"
# Notes while the request runs and, since a fan-out answers after Advisories:FanOutAnswerWithin, while the background job makes the
# rest: until the roll-up has not moved for 3 s after the answer.
last=-1 still=0
while kill -0 "$fanout" 2>/dev/null || [ "$still" -lt 6 ]; do
  curl -s -o /dev/null -w '%{time_total}\n' -X POST -H "$(auth "$sam")" -H 'Content-Type: application/json' \
    -d '{"text":"Still on it.","visibility":"Internal"}' "$base/api/v1/incidents/$noted/notes" >> "$work/notes"
  sleep 0.5
  if ! kill -0 "$fanout" 2>/dev/null; then
    now=$(all_tasks)
    if [ "$now" = "$last" ]; then still=$((still + 1)); else still=0 last=$now done_at=$(date +%s.%N); fi
  fi
done
wait "$fanout"
read -r status seconds < "$work/fanout.time"
tasks=$(json 'd["tasksCreated"]' < "$work/fanout.json")
more=$(json 'd.get("stillCreatingTasks")' < "$work/fanout.json")
echo "fan-out: HTTP $status in ${seconds} s, $tasks tasks in the answer (stillCreatingTasks: $more)"
echo "all $((last - before)) tasks made $(python3 -c "print(f'{$done_at - $started:.1f}')") s after the request (to within the 0.5 s poll)"
python3 -c "
xs = sorted(float(x) for x in open('$work/notes') if x.strip())
q = lambda p: xs[min(len(xs) - 1, int(p * len(xs)))]
print(f'notes posted meanwhile: {len(xs)}; latency median {q(0.5)*1000:.0f} ms, p90 {q(0.9)*1000:.0f} ms, max {xs[-1]*1000:.0f} ms' if xs else 'no note was posted meanwhile')"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
