using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Migrations.SqlServer.Migrations
{
    /// <inheritdoc />
    public partial class AdvisoryReopenedAt : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "ReopenedAt",
                table: "Advisories",
                type: "datetimeoffset",
                nullable: true);

            // Advisories reopened before this column existed: the latest update that left Resolved (updates are numbered 1, 2, 3 …).
            migrationBuilder.Sql("""
                UPDATE "Advisories" SET "ReopenedAt" = (
                    SELECT MAX(u."At") FROM "AdvisoryUpdates" u
                    JOIN "AdvisoryUpdates" p ON p."AdvisoryId" = u."AdvisoryId" AND p."Number" = u."Number" - 1
                    WHERE u."AdvisoryId" = "Advisories"."Id" AND u."Status" <> 'Resolved' AND p."Status" = 'Resolved');
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "ReopenedAt",
                table: "Advisories");
        }
    }
}
