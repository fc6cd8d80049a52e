#!/usr/bin/env bash
# The task list's hostname search (GET /api/v1/incidents/{id}/tasks?q=...) measured by hand on SQLite (docs/benchmarks.md, "The
# task list's hostname search"): a database migrated to the current schema, one tenant with 1,000,000 devices, one incident with
# a task for each (ids in random order, as they relate to the devices' ids), no ANALYZE (Portal runs none). The engineer looks for
# one machine: q=wks-0500000, which one device matches. It times, with sqlite3's timer, three A B B A rounds of
#   before  (A) the one query ListTasks ran until this change: the incident's tasks in id order, each one's device looked up and
#           its hostname compared, until a page is found
#   after   (B) the three it runs since when few devices match: the tenant's devices by hostname (ordered by it, so SQLite walks
#           the (TenantId, Hostname) index), their tasks through (IncidentId, DeviceId), the free tasks by title; times added
# and prints each side's median with its min-max.
# The statements are EF Core's as logged (Microsoft.EntityFrameworkCore.Database.Command at Information), with the values
# written in; the times are sqlite3's, not the request's.
# Usage: tests/Portal.Benchmarks/ByHand/task-search.sh   (build src/Portal.Web first; needs sqlite3 and dotnet-ef: dotnet tool restore)
set -euo pipefail
. "$(dirname "$0")/abba-sql.sh"
migrated_database
tenant=86D3FB4D-1163-49C2-AC34-BCF67337D52B
incident=EA2E1EE0-9445-47E1-B46F-0F678069F283
guid="upper(hex(randomblob(4))||'-'||hex(randomblob(2))||'-7'||substr(hex(randomblob(2)),2)||'-8'||substr(hex(randomblob(2)),2)||'-'||hex(randomblob(6)))"
sqlite3 "$db" <<SQL
PRAGMA foreign_keys=OFF;
CREATE TEMP TABLE n(i INTEGER PRIMARY KEY, device TEXT, task TEXT);
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i < 1000000) INSERT INTO n SELECT i, $guid, $guid FROM c;
BEGIN;
INSERT INTO Devices (Id, TenantId, Hostname, ExternalId, OperatingSystem, Site, Tags, MatchKey, CreatedAt, UpdatedAt)
  SELECT device, '$tenant', printf('wks-%07d', i), printf('q-%07d', i), 'Windows 11 23H2', CASE WHEN i % 3 = 0 THEN 'Branch' ELSE 'HQ' END,
    ',bench,', printf('ext:q-%07d', i), 0, 0 FROM n;
INSERT INTO RemediationTasks (Id, TenantId, IncidentId, DeviceId, Title, State, CreatedAt, UpdatedAt, Version)
  SELECT task, '$tenant', '$incident', device, printf('wks-%07d', i), 'Pending', 0, 0, 0 FROM n;
COMMIT;
SQL
ids=$(sqlite3 "$db" "SELECT json_group_array(Id) FROM Devices WHERE Hostname = 'wks-0500000'")
filter="(0 OR \"r\".\"TenantId\" IN (SELECT \"e\".\"value\" FROM json_each('[\"$tenant\"]') AS \"e\"))"
before_sql="SELECT count(*) FROM (SELECT \"r\".\"Id\", \"d0\".\"Id\" FROM \"RemediationTasks\" AS \"r\"
  LEFT JOIN (SELECT \"d\".\"Id\", \"d\".\"Hostname\" FROM \"Devices\" AS \"d\" WHERE (0 OR \"d\".\"TenantId\" IN (SELECT \"e\".\"value\" FROM json_each('[\"$tenant\"]') AS \"e\"))) AS \"d0\" ON \"r\".\"DeviceId\" = \"d0\".\"Id\"
  WHERE $filter AND \"r\".\"IncidentId\" = '$incident'
    AND CASE WHEN \"d0\".\"Id\" IS NOT NULL THEN lower(\"d0\".\"Hostname\") LIKE 'wks-0500000%' ESCAPE '\\' ELSE lower(\"r\".\"Title\") LIKE 'wks-0500000%' ESCAPE '\\' END
  ORDER BY \"r\".\"Id\" LIMIT 101);"
after_sql="SELECT count(*) FROM (SELECT \"d\".\"Id\" FROM \"Devices\" AS \"d\"
  WHERE (0 OR \"d\".\"TenantId\" IN (SELECT \"e\".\"value\" FROM json_each('[\"$tenant\"]') AS \"e\")) AND \"d\".\"TenantId\" = '$tenant'
    AND lower(\"d\".\"Hostname\") LIKE 'wks-0500000%' ESCAPE '\\' ORDER BY \"d\".\"Hostname\" LIMIT 1001);
SELECT count(*) FROM (SELECT \"r\".\"Id\" FROM \"RemediationTasks\" AS \"r\"
  WHERE $filter AND \"r\".\"IncidentId\" = '$incident' AND \"r\".\"DeviceId\" IN (SELECT \"i\".\"value\" FROM json_each('$ids') AS \"i\"));
SELECT count(*) FROM (SELECT \"r\".\"Id\" FROM \"RemediationTasks\" AS \"r\"
  WHERE $filter AND \"r\".\"IncidentId\" = '$incident' AND \"r\".\"DeviceId\" IS NULL AND lower(\"r\".\"Title\") LIKE 'wks-0500000%' ESCAPE '\\');"
# Both sides find the same one task.
[ "$(printf '%s\n' "$before_sql" | sqlite3 "$db")" = 1 ] && [ "$(printf '%s\n' "$after_sql" | sqlite3 "$db" | sed -n 2p)" = 1 ] || { echo "the two sides disagree" >&2; exit 1; }
abba_rounds "$before_sql" "$after_sql"
