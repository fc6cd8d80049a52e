#!/usr/bin/env bash
# task-search.sh's measurement on PostgreSQL (docs/benchmarks.md, "The task list's hostname search"): a throwaway server (fsync off,
# as the tests run it), a database migrated to the current schema, one tenant with 1,000,000 devices and one incident with a task
# for each, then ANALYZE (autovacuum would, in production). q=wks-0500000, which one device matches. Three A B B A rounds of
#   before  (A) the one query ListTasks ran until a76c220 (the incident's tasks in id order, each one's device looked up)
#   after   (B) the three it runs since when few devices match (devices by hostname, their tasks by device, free tasks by title)
# timed with psql's \timing (the server's round trips, not the request's), each side's median with its min-max.
# Usage: tests/Portal.Benchmarks/ByHand/task-search-postgres.sh   (build src/Portal.Web first; needs PostgreSQL's server binaries,
# run as root or as a user that may run them, and dotnet-ef: dotnet tool restore)
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
work=$(mktemp -d)
chmod 755 "$work"
as=()
if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$work"; as=(runuser -u postgres --); fi
port=55800
for port in $(seq 55800 55900); do (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null || break; done
"${as[@]}" "$pg_bin/initdb" -D "$work/data" -U postgres -A trust -E UTF8 --locale=C --no-sync --no-instructions > /dev/null
"${as[@]}" "$pg_bin/pg_ctl" -D "$work/data" -l "$work/log.txt" -w -t 30 start \
  -o "-p $port -k $work -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" > /dev/null
trap '"${as[@]}" "$pg_bin/pg_ctl" -D "$work/data" -m immediate -w stop > /dev/null 2>&1; rm -rf "$work"' EXIT
psql=("$pg_bin/psql" -h 127.0.0.1 -p "$port" -U postgres -qAt)
"${psql[@]}" -d postgres -c "CREATE DATABASE portal"
(cd "$root" && dotnet ef database update --project src/Portal.Migrations.PostgreSql --startup-project src/Portal.Web --no-build \
  -- --Database:Provider PostgreSql --ConnectionStrings:Portal "Host=127.0.0.1;Port=$port;Username=postgres;Database=portal" > /dev/null)
tenant=86d3fb4d-1163-49c2-ac34-bcf67337d52b
incident=ea2e1ee0-9445-47e1-b46f-0f678069f283
"${psql[@]}" -d portal <<SQL
SET session_replication_role = replica; -- no foreign keys: the tenant and the incident are only ids here
CREATE TEMP TABLE n AS SELECT i, gen_random_uuid() AS device, gen_random_uuid() AS task FROM generate_series(1, 1000000) i;
INSERT INTO "Devices" ("Id", "TenantId", "Hostname", "ExternalId", "OperatingSystem", "Site", "Tags", "MatchKey", "CreatedAt", "UpdatedAt")
  SELECT device, '$tenant', format('wks-%s', lpad(i::text, 7, '0')), format('q-%s', lpad(i::text, 7, '0')), 'Windows 11 23H2',
    CASE WHEN i % 3 = 0 THEN 'Branch' ELSE 'HQ' END, ',bench,', format('ext:q-%s', lpad(i::text, 7, '0')), now(), now() FROM n;
INSERT INTO "RemediationTasks" ("Id", "TenantId", "IncidentId", "DeviceId", "Title", "State", "CreatedAt", "UpdatedAt")
  SELECT task, '$tenant', '$incident', device, format('wks-%s', lpad(i::text, 7, '0')), 'Pending', now(), now() FROM n;
ANALYZE;
SQL
device=$("${psql[@]}" -d portal -c "SELECT \"Id\" FROM \"Devices\" WHERE \"Hostname\" = 'wks-0500000'")
before_sql="SELECT count(*) FROM (SELECT r.\"Id\" FROM \"RemediationTasks\" r LEFT JOIN \"Devices\" d ON r.\"DeviceId\" = d.\"Id\"
  WHERE r.\"IncidentId\" = '$incident' AND CASE WHEN d.\"Id\" IS NOT NULL THEN lower(d.\"Hostname\") LIKE 'wks-0500000%' ELSE lower(r.\"Title\") LIKE 'wks-0500000%' END
  ORDER BY r.\"Id\" LIMIT 101) x;"
after_sql="SELECT count(*) FROM (SELECT d.* FROM \"Devices\" d WHERE d.\"TenantId\" = '$tenant' AND lower(d.\"Hostname\") LIKE 'wks-0500000%' ORDER BY d.\"Hostname\" LIMIT 1001) x;
SELECT count(*) FROM \"RemediationTasks\" r WHERE r.\"IncidentId\" = '$incident' AND r.\"DeviceId\" = ANY ('{$device}'::uuid[]);
SELECT count(*) FROM \"RemediationTasks\" r WHERE r.\"IncidentId\" = '$incident' AND r.\"DeviceId\" IS NULL AND lower(r.\"Title\") LIKE 'wks-0500000%';"
[ "$(printf '%s\n' "$before_sql" | "${psql[@]}" -d portal)" = 1 ] && [ "$(printf '%s\n' "$after_sql" | "${psql[@]}" -d portal | sed -n 2p)" = 1 ] \
  || { echo "the two sides disagree" >&2; exit 1; }
. "$(dirname "$0")/abba-sql.sh"
timed() { printf '\\timing on\n%s\n' "$1" | "${psql[@]}" -d portal | awk '/^Time:/ { t += $2 } END { printf "%.1f", t }'; } # psql's, not sqlite3's
abba_rounds "$before_sql" "$after_sql"
