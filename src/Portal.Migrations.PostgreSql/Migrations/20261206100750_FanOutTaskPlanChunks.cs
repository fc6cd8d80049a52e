using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Migrations.PostgreSql.Migrations
{
    /// <inheritdoc />
    public partial class FanOutTaskPlanChunks : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_FanOutTaskPlans_PlannedAt",
                table: "FanOutTaskPlans");

            migrationBuilder.AddColumn<Guid>(
                name: "DoneThroughDeviceId",
                table: "FanOutTaskPlans",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "TouchedAt",
                table: "FanOutTaskPlans",
                type: "timestamp with time zone",
                nullable: false,
                defaultValue: new DateTimeOffset(new DateTime(1, 1, 1, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)));

            // A plan left by a call from before the upgrade was last touched when it was planned.
            migrationBuilder.Sql("UPDATE \"FanOutTaskPlans\" SET \"TouchedAt\" = \"PlannedAt\";");

            migrationBuilder.CreateIndex(
                name: "IX_FanOutTaskPlans_TouchedAt",
                table: "FanOutTaskPlans",
                column: "TouchedAt");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_FanOutTaskPlans_TouchedAt",
                table: "FanOutTaskPlans");

            migrationBuilder.DropColumn(
                name: "DoneThroughDeviceId",
                table: "FanOutTaskPlans");

            migrationBuilder.DropColumn(
                name: "TouchedAt",
                table: "FanOutTaskPlans");

            migrationBuilder.CreateIndex(
                name: "IX_FanOutTaskPlans_PlannedAt",
                table: "FanOutTaskPlans",
                column: "PlannedAt");
        }
    }
}
