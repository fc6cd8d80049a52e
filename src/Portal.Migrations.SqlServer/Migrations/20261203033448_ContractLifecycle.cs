using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Migrations.SqlServer.Migrations
{
    /// <inheritdoc />
    public partial class ContractLifecycle : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterColumn<DateTimeOffset>(
                name: "StartedAt",
                table: "Contracts",
                type: "datetimeoffset",
                nullable: true,
                oldClrType: typeof(DateTimeOffset),
                oldType: "datetimeoffset");

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "ClosedAt",
                table: "Contracts",
                type: "datetimeoffset",
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "ClosedById",
                table: "Contracts",
                type: "uniqueidentifier",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ClosedByName",
                table: "Contracts",
                type: "nvarchar(200)",
                maxLength: 200,
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "EndedById",
                table: "Contracts",
                type: "uniqueidentifier",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "EndedByName",
                table: "Contracts",
                type: "nvarchar(200)",
                maxLength: 200,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "EndedBySide",
                table: "Contracts",
                type: "nvarchar(32)",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Message",
                table: "Contracts",
                type: "nvarchar(1000)",
                maxLength: 1000,
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "ProposedAt",
                table: "Contracts",
                type: "datetimeoffset",
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "ProposedById",
                table: "Contracts",
                type: "uniqueidentifier",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ProposedByName",
                table: "Contracts",
                type: "nvarchar(200)",
                maxLength: 200,
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "StartedById",
                table: "Contracts",
                type: "uniqueidentifier",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "StartedByName",
                table: "Contracts",
                type: "nvarchar(200)",
                maxLength: 200,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "State",
                table: "Contracts",
                type: "nvarchar(32)",
                maxLength: 32,
                nullable: false,
                defaultValue: "Active");

            migrationBuilder.AddColumn<byte[]>(
                name: "Version",
                table: "Contracts",
                type: "rowversion",
                rowVersion: true,
                nullable: false,
                defaultValue: new byte[0]);

            // Hand-written: rows from before the lifecycle were active unless they had ended. The State column above defaults to
            // Active (edited from the generated ""), and this statement makes the ended ones Ended, before the one-open index is built.
            migrationBuilder.Sql("UPDATE [Contracts] SET [State] = 'Ended' WHERE [EndedAt] IS NOT NULL;");

            migrationBuilder.CreateIndex(
                name: "IX_Contracts_OneOpenPerPair",
                table: "Contracts",
                columns: new[] { "MspId", "CustomerId" },
                unique: true,
                filter: "[State] IN ('Proposed', 'Active')");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Contracts_OneOpenPerPair",
                table: "Contracts");

            migrationBuilder.DropColumn(
                name: "ClosedAt",
                table: "Contracts");

            migrationBuilder.DropColumn(
                name: "ClosedById",
                table: "Contracts");

            migrationBuilder.DropColumn(
                name: "ClosedByName",
                table: "Contracts");

            migrationBuilder.DropColumn(
                name: "EndedById",
                table: "Contracts");

            migrationBuilder.DropColumn(
                name: "EndedByName",
                table: "Contracts");

            migrationBuilder.DropColumn(
                name: "EndedBySide",
                table: "Contracts");

            migrationBuilder.DropColumn(
                name: "Message",
                table: "Contracts");

            migrationBuilder.DropColumn(
                name: "ProposedAt",
                table: "Contracts");

            migrationBuilder.DropColumn(
                name: "ProposedById",
                table: "Contracts");

            migrationBuilder.DropColumn(
                name: "ProposedByName",
                table: "Contracts");

            migrationBuilder.DropColumn(
                name: "StartedById",
                table: "Contracts");

            migrationBuilder.DropColumn(
                name: "StartedByName",
                table: "Contracts");

            migrationBuilder.DropColumn(
                name: "State",
                table: "Contracts");

            migrationBuilder.DropColumn(
                name: "Version",
                table: "Contracts");

            migrationBuilder.AlterColumn<DateTimeOffset>(
                name: "StartedAt",
                table: "Contracts",
                type: "datetimeoffset",
                nullable: false,
                defaultValue: new DateTimeOffset(new DateTime(1, 1, 1, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)),
                oldClrType: typeof(DateTimeOffset),
                oldType: "datetimeoffset",
                oldNullable: true);
        }
    }
}
