using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class ContractLifecycle : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterColumn<long>(
                name: "StartedAt",
                table: "Contracts",
                type: "INTEGER",
                nullable: true,
                oldClrType: typeof(long),
                oldType: "INTEGER");

            migrationBuilder.AddColumn<long>(
                name: "ClosedAt",
                table: "Contracts",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "ClosedById",
                table: "Contracts",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ClosedByName",
                table: "Contracts",
                type: "TEXT",
                maxLength: 200,
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "EndedById",
                table: "Contracts",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "EndedByName",
                table: "Contracts",
                type: "TEXT",
                maxLength: 200,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "EndedBySide",
                table: "Contracts",
                type: "TEXT",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Message",
                table: "Contracts",
                type: "TEXT",
                maxLength: 1000,
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "ProposedAt",
                table: "Contracts",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "ProposedById",
                table: "Contracts",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ProposedByName",
                table: "Contracts",
                type: "TEXT",
                maxLength: 200,
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "StartedById",
                table: "Contracts",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "StartedByName",
                table: "Contracts",
                type: "TEXT",
                maxLength: 200,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "State",
                table: "Contracts",
                type: "TEXT",
                maxLength: 32,
                nullable: false,
                defaultValue: "Active");

            migrationBuilder.AddColumn<long>(
                name: "Version",
                table: "Contracts",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            // Hand-written: rows from before the lifecycle were active unless they had ended. The State column above defaults to
            // Active (edited from the generated ""), and this statement makes the ended ones Ended, before the one-open index is built.
            migrationBuilder.Sql("UPDATE \"Contracts\" SET \"State\" = 'Ended' WHERE \"EndedAt\" IS NOT NULL;");

            migrationBuilder.CreateIndex(
                name: "IX_Contracts_OneOpenPerPair",
                table: "Contracts",
                columns: new[] { "MspId", "CustomerId" },
                unique: true,
                filter: "\"State\" IN ('Proposed', 'Active')");
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

            migrationBuilder.AlterColumn<long>(
                name: "StartedAt",
                table: "Contracts",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L,
                oldClrType: typeof(long),
                oldType: "INTEGER",
                oldNullable: true);
        }
    }
}
