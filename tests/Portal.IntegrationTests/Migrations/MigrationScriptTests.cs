using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using Npgsql;
using Portal.Data;
using Portal.Domain;

namespace Portal.IntegrationTests.Migrations;

/// <summary>
/// The SQL Server migrations cannot run here (no server): their idempotent script is generated in-process and parsed
/// with the real T-SQL parser. The PostgreSQL script is generated the same way and run, twice, on the real server.
/// </summary>
public sealed partial class MigrationScriptTests(PostgresServer postgres)
{
    private static PortalDbContext Context(Action<DbContextOptionsBuilder> provider)
    {
        var options = new DbContextOptionsBuilder<PortalDbContext>();
        provider(options);
        return new PortalDbContext(options.Options);
    }

    private static PortalDbContext SqlServer() =>
        Context(o => o.UseSqlServer("Server=none;Database=portal", x => x.MigrationsAssembly("Portal.Migrations.SqlServer")));

    private static PortalDbContext PostgreSql() =>
        Context(o => o.UseNpgsql("Host=none;Database=portal", x => x.MigrationsAssembly("Portal.Migrations.PostgreSql")));

    private static string IdempotentScript(PortalDbContext db) =>
        db.GetService<IMigrator>().GenerateScript(options: MigrationsSqlGenerationOptions.Idempotent);

    private static IList<ParseError> ParseTSql(string sql)
    {
        new TSql160Parser(initialQuotedIdentifiers: true).Parse(new StringReader(sql), out var errors);
        return errors;
    }

    private static string Describe(IList<ParseError> errors) =>
        string.Join("\n", errors.Take(5).Select(e => $"line {e.Line}, column {e.Column}: {e.Message}"));

    [Fact]
    public void SqlServer_idempotent_script_parses_as_TSql_and_covers_every_migration()
    {
        using var db = SqlServer();
        var sql = IdempotentScript(db);
        var migrations = db.Database.GetMigrations().ToList();
        migrations.ShouldNotBeEmpty();

        var errors = ParseTSql(sql);
        errors.ShouldBeEmpty(Describe(errors));
        foreach (var id in migrations) sql.ShouldContain($"N'{id}'");
        sql.ShouldContain("CREATE TABLE [Incidents]");
        sql.ShouldContain("CREATE TABLE [TimelineEntries]");
        sql.ShouldContain("[Version] rowversion NOT NULL");
        sql.ShouldContain("IF NOT EXISTS", Case.Sensitive, "idempotent: every migration is guarded");
    }

    [Fact]
    public void SqlServer_create_script_parses_too()
    {
        using var db = SqlServer();
        var errors = ParseTSql(db.Database.GenerateCreateScript());
        errors.ShouldBeEmpty(Describe(errors));
    }

    [Theory]
    [InlineData("CREATE TABLE [Incidents] (", "CREATE TABLE [Incidents] ((")]
    [InlineData("CREATE TABLE [Incidents]", "CREATE TABEL [Incidents]")]
    [InlineData("END;", "END END;")]
    public void A_broken_script_is_caught(string find, string replace)
    {
        using var db = SqlServer();
        var sql = IdempotentScript(db);
        sql.ShouldContain(find);
        var broken = new Regex(Regex.Escape(find)).Replace(sql, replace, 1);
        ParseTSql(broken).ShouldNotBeEmpty("the parser must reject a broken script, or the test above proves nothing");
    }

    [Fact]
    public void PostgreSql_script_creates_no_xmin_column()
    {
        using var db = PostgreSql();
        // the model does map Version onto xmin: this is what makes the check meaningful
        db.Model.FindEntityType(typeof(Incident))!.FindProperty(nameof(Incident.Version))!.GetColumnName().ShouldBe("xmin");

        var sql = IdempotentScript(db);
        sql.ShouldContain("CREATE TABLE \"Incidents\"");
        var incidents = IncidentsTable().Match(sql);
        incidents.Success.ShouldBeTrue();
        incidents.Value.ShouldNotContain("xmin", Case.Insensitive);
        sql.ShouldNotContain("\"xmin\"");
        XminColumn().IsMatch(sql).ShouldBeFalse();
    }

    [Fact]
    public async Task PostgreSql_idempotent_script_runs_twice_on_a_real_server()
    {
        using var db = PostgreSql();
        var sql = IdempotentScript(db);
        var connectionString = await postgres.CreateDatabaseAsync("portal_script");
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        for (var run = 0; run < 2; run++)
        {
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }
        await using var check = new NpgsqlCommand(
            "SELECT count(*) FROM \"__EFMigrationsHistory\"; ", connection);
        ((long)(await check.ExecuteScalarAsync(TestContext.Current.CancellationToken))!).ShouldBe(db.Database.GetMigrations().Count());
        await using var columns = new NpgsqlCommand(
            "SELECT count(*) FROM pg_attribute WHERE attrelid = '\"Incidents\"'::regclass AND attname = 'xmin' AND attnum > 0", connection);
        ((long)(await columns.ExecuteScalarAsync(TestContext.Current.CancellationToken))!).ShouldBe(0);
    }

    [GeneratedRegex("CREATE TABLE \"Incidents\" \\((.|\\n)*?\\);")]
    private static partial Regex IncidentsTable();

    [GeneratedRegex("xmin\\s+xid", RegexOptions.IgnoreCase)]
    private static partial Regex XminColumn();
}
