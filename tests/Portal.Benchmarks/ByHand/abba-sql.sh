# Sourced by the by-hand SQLite measurements (sampler-read.sh, task-search.sh): three A B B A rounds of two sides' statements on
# the database in $db, each side timed by sqlite3's timer in a sqlite3 process of its own, then each side's median with its
# min-max. Usage: migrated_database (sets $db), fill it, then abba_rounds "$before_sql" "$after_sql"   (A = before, B = after)

# A fresh SQLite file in $db, migrated to the current schema with dotnet-ef (src/Portal.Web built), removed when the script exits.
migrated_database() {
  local root
  root=$(cd "$(dirname "$0")/../../.." && pwd)
  db=$(mktemp --suffix=.db)
  trap 'rm -f "$db" "$db"-*' EXIT
  (cd "$root" && dotnet ef database update --project src/Portal.Migrations.Sqlite --startup-project src/Portal.Web --no-build \
    -- --Database:Provider Sqlite --ConnectionStrings:Portal "Data Source=$db" > /dev/null)
}

# ms one side takes: the sum of its statements' real times, in a sqlite3 process of its own
timed() { printf '.timer on\n%s\n' "$1" | sqlite3 "$db" | awk '/Run Time/ { t += $4 } END { printf "%.1f", t * 1000 }'; }

abba_rounds() {
  local before_sql=$1 after_sql=$2 results round side sql
  results=$(mktemp)
  for round in 1 2 3; do
    for side in before after after before; do
      sql=$before_sql; [ "$side" = after ] && sql=$after_sql
      echo "$side $(timed "$sql")" | tee -a "$results" | sed "s/^/round $round  /"
    done
  done
  for side in before after; do
    awk -v s="$side" '$1 == s { print $2 }' "$results" | sort -n | awk -v s="$side" '{ v[NR] = $1 } END {
      m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%-6s median %.1f ms (%.1f-%.1f), %d runs\n", s, m, v[1], v[NR], NR }'
  done
  rm -f "$results"
}
