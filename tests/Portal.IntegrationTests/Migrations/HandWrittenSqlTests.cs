using Microsoft.SqlServer.TransactSql.ScriptDom;
using Portal.Features.Notifications;
using Portal.Pipeline.Commit;

namespace Portal.IntegrationTests.Migrations;

/// <summary>
/// The statements the commit path writes by hand run on SQLite and PostgreSQL in every test that commits; SQL Server cannot
/// run here, so its variants are parsed with the real T-SQL parser, as EF Core would send them (parameters named @p0…).
/// </summary>
public sealed class HandWrittenSqlTests
{
    public static TheoryData<string, string> SqlServerStatements() => new()
    {
        { "stream numbering, 1 organisation", StreamSequences.AdvanceSql(sqlServer: true, 1) },
        { "stream numbering, 500 organisations", StreamSequences.AdvanceSql(sqlServer: true, 500) },
        { "outbox listener probe, 1 tenant", Outbox.ListenerProbeSql(sqlServer: true, 1) },
        { "outbox listener probe, 500 tenants", Outbox.ListenerProbeSql(sqlServer: true, 500) },
    };

    [Theory]
    [MemberData(nameof(SqlServerStatements))]
    public void SqlServer_statement_parses_as_TSql(string what, string sql)
    {
        var parameters = Enumerable.Range(0, 502).Select(i => (object)$"@p{i}").ToArray();
        var statement = string.Format(sql, parameters);
        statement.ShouldNotContain("{", customMessage: what);
        new TSql160Parser(initialQuotedIdentifiers: true).Parse(new StringReader(statement), out var errors);
        errors.Select(e => $"{what}: line {e.Line}, column {e.Column}: {e.Message}").ShouldBeEmpty();
    }

    [Fact]
    public void The_parser_refuses_a_broken_statement()
    {
        new TSql160Parser(initialQuotedIdentifiers: true).Parse(new StringReader("SELECT 1 WHERE EXISTS (SELECT 1 FROM [X] WHERE"), out var errors);
        errors.ShouldNotBeEmpty("otherwise the test above proves nothing");
    }
}
