using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class TaskAssigneeIndexPartial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_RemediationTasks_IncidentId_AssigneeId_Id",
                table: "RemediationTasks");

            migrationBuilder.CreateIndex(
                name: "IX_RemediationTasks_IncidentId_AssigneeId_Id",
                table: "RemediationTasks",
                columns: new[] { "IncidentId", "AssigneeId", "Id" },
                filter: "\"AssigneeId\" IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_RemediationTasks_IncidentId_AssigneeId_Id",
                table: "RemediationTasks");

            migrationBuilder.CreateIndex(
                name: "IX_RemediationTasks_IncidentId_AssigneeId_Id",
                table: "RemediationTasks",
                columns: new[] { "IncidentId", "AssigneeId", "Id" });
        }
    }
}
