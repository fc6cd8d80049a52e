#!/usr/bin/env bash
# Adds a migration with the same name to every provider's migrations assembly: ./add-migration.sh AddSomething
set -euo pipefail
name=${1:?usage: ./add-migration.sh MigrationName}
cd "$(dirname "$0")"
dotnet tool restore >/dev/null
dotnet build src/Portal.Web -v q -nologo >/dev/null
for provider in Sqlite PostgreSql SqlServer; do
  case $provider in
    Sqlite) cs="Data Source=design-time.db" ;;
    PostgreSql) cs="Host=localhost;Database=portal" ;;
    SqlServer) cs="Server=localhost;Database=portal;TrustServerCertificate=true" ;;
  esac
  dotnet ef migrations add "$name" --no-build --project "src/Portal.Migrations.$provider" --startup-project src/Portal.Web \
    --output-dir Migrations -- --Database:Provider "$provider" --ConnectionStrings:Portal "$cs" --Database:MigrateOnStartup false
done
