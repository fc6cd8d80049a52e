#!/usr/bin/env bash
# The advisory progress sampler's first read, once a minute, measured by hand on SQLite (docs/benchmarks.md, "The advisory
# sampler's read"): a database migrated to the current schema, 100,000 linked incidents with their counters over 200 advisories,
# every advisory sampled already, two counters moved lately. It times, with sqlite3's timer, three A B B A rounds of
#   before  (A) the read as one query (moved lately OR never sampled), as the sampler ran it until a52806f
#   after   (B) the two reads it makes since: the counters moved within the look-back (through the index on
#           RemediationProgress.UpdatedAt), then the advisories never sampled that have linked counters; their times added
# and prints each side's median with its min-max.
# The statements are written by hand after the SQL EF Core generates; the times are sqlite3's, not the job's.
# Usage: tests/Portal.Benchmarks/ByHand/sampler-read.sh   (build src/Portal.Web first; needs sqlite3 and dotnet-ef: dotnet tool restore)
set -euo pipefail
. "$(dirname "$0")/abba-sql.sh"
migrated_database
sqlite3 "$db" <<'SQL'
PRAGMA foreign_keys=OFF;
WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM n WHERE x < 200)
INSERT INTO Advisories SELECT printf('A%06d', x), 'P', 't', 'Sev1', 'i', NULL, 'Resolved', '', 'u', 'u', 0, 0, NULL, 1, 1, 0, NULL FROM n;
WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM n WHERE x < 100000)
INSERT INTO Incidents (Id, TenantId, Number, Reference, Title, Severity, Status, CreatedById, CreatedAt, UpdatedAt, TimelineLength, Version, AdvisoryId)
SELECT printf('I%08d', x), printf('T%04d', x % 2000), x, 'INC', 't', 'Sev1', 'Closed', 'u', 0, 0, 1, 0, printf('A%06d', 1 + x % 200) FROM n;
INSERT INTO RemediationProgress SELECT Id, TenantId, 0, 0, 0, 10, 0, 0, 1000, 0 FROM Incidents;
WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM n WHERE x < 200)
INSERT INTO AdvisoryProgressSamples SELECT printf('S%06d', x), printf('A%06d', x), 'P', 0, 10, 10, 0, 0 FROM n;
UPDATE RemediationProgress SET UpdatedAt = 5000 WHERE IncidentId IN ('I00000007', 'I00050001');
ANALYZE;
SQL
before_sql='SELECT count(*) FROM (SELECT DISTINCT i.AdvisoryId FROM RemediationProgress p JOIN Incidents i ON p.IncidentId = i.Id
  WHERE i.AdvisoryId IS NOT NULL AND (p.UpdatedAt >= 4000 OR NOT EXISTS (SELECT 1 FROM AdvisoryProgressSamples s WHERE s.AdvisoryId = i.AdvisoryId)));'
after_sql='SELECT count(*) FROM (SELECT DISTINCT i.AdvisoryId FROM RemediationProgress p JOIN Incidents i ON p.IncidentId = i.Id
  WHERE p.UpdatedAt >= 4000 AND i.AdvisoryId IS NOT NULL);
SELECT count(*) FROM (SELECT a.Id FROM Advisories a WHERE NOT EXISTS (SELECT 1 FROM AdvisoryProgressSamples s WHERE s.AdvisoryId = a.Id)
  AND EXISTS (SELECT 1 FROM Incidents i WHERE i.AdvisoryId = a.Id AND EXISTS (SELECT 1 FROM RemediationProgress p WHERE p.IncidentId = i.Id)));'
abba_rounds "$before_sql" "$after_sql"
