using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Migrations.SqlServer.Migrations
{
    /// <inheritdoc />
    public partial class TaskAssigneeIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_RemediationTasks_IncidentId_AssigneeId_Id",
                table: "RemediationTasks",
                columns: new[] { "IncidentId", "AssigneeId", "Id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_RemediationTasks_IncidentId_AssigneeId_Id",
                table: "RemediationTasks");
        }
    }
}
