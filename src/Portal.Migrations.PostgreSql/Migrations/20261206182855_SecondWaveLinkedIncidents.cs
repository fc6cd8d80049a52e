using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Migrations.PostgreSql.Migrations
{
    /// <inheritdoc />
    public partial class SecondWaveLinkedIncidents : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Incidents_AdvisoryId_TenantId",
                table: "Incidents");

            migrationBuilder.CreateIndex(
                name: "IX_Incidents_AdvisoryId_TenantId",
                table: "Incidents",
                columns: new[] { "AdvisoryId", "TenantId" });

            migrationBuilder.CreateIndex(
                name: "IX_Incidents_AdvisoryId_TenantId_NotClosed",
                table: "Incidents",
                columns: new[] { "AdvisoryId", "TenantId" },
                unique: true,
                filter: "\"AdvisoryId\" IS NOT NULL AND \"Status\" <> 'Closed'");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Incidents_AdvisoryId_TenantId",
                table: "Incidents");

            migrationBuilder.DropIndex(
                name: "IX_Incidents_AdvisoryId_TenantId_NotClosed",
                table: "Incidents");

            migrationBuilder.CreateIndex(
                name: "IX_Incidents_AdvisoryId_TenantId",
                table: "Incidents",
                columns: new[] { "AdvisoryId", "TenantId" },
                unique: true);
        }
    }
}
