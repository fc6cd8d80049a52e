using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Migrations.PostgreSql.Migrations
{
    /// <inheritdoc />
    public partial class FanOutTaskPlans : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "FanOutTaskPlans",
                columns: table => new
                {
                    IncidentId = table.Column<Guid>(type: "uuid", nullable: false),
                    TenantId = table.Column<Guid>(type: "uuid", nullable: false),
                    AdvisoryId = table.Column<Guid>(type: "uuid", nullable: false),
                    DeviceOs = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    DeviceTag = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    DeviceSite = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    PlannedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_FanOutTaskPlans", x => x.IncidentId);
                    table.ForeignKey(
                        name: "FK_FanOutTaskPlans_Incidents_IncidentId",
                        column: x => x.IncidentId,
                        principalTable: "Incidents",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "IX_FanOutTaskPlans_AdvisoryId_TenantId",
                table: "FanOutTaskPlans",
                columns: new[] { "AdvisoryId", "TenantId" });

            migrationBuilder.CreateIndex(
                name: "IX_FanOutTaskPlans_PlannedAt",
                table: "FanOutTaskPlans",
                column: "PlannedAt");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "FanOutTaskPlans");
        }
    }
}
