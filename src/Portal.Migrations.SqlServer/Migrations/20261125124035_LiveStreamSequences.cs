using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Migrations.SqlServer.Migrations
{
    /// <inheritdoc />
    public partial class LiveStreamSequences : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "CustomerSequence",
                table: "TimelineEntries",
                type: "int",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "LastCustomerStreamSequence",
                table: "Organisations",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<long>(
                name: "LastStreamSequence",
                table: "Organisations",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<int>(
                name: "CustomerTimelineLength",
                table: "Incidents",
                type: "int",
                nullable: false,
                defaultValue: 0);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "CustomerSequence",
                table: "TimelineEntries");

            migrationBuilder.DropColumn(
                name: "LastCustomerStreamSequence",
                table: "Organisations");

            migrationBuilder.DropColumn(
                name: "LastStreamSequence",
                table: "Organisations");

            migrationBuilder.DropColumn(
                name: "CustomerTimelineLength",
                table: "Incidents");
        }
    }
}
