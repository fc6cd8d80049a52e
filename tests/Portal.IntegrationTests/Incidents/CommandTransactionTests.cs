using System.Diagnostics;
using System.Net.Http.Json;

namespace Portal.IntegrationTests.Incidents;

/// <summary>
/// A command's access check reads inside the command's own transaction (TransactionBehavior runs before AccessBehavior):
/// the incident it checks is the one the handler changes, and the request opens its database connection once (on SQLite at most once: it may still be open from an earlier lease) and never closes it midway. Read from
/// EF Core's diagnostic events of this one request (its trace id, sent as <c>traceparent</c>), whatever runs beside it.
/// </summary>
public abstract class CommandTransactionTests(PortalApp app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string Opened = "Microsoft.EntityFrameworkCore.Database.Connection.ConnectionOpened";
    private const string Closed = "Microsoft.EntityFrameworkCore.Database.Connection.ConnectionClosed";
    private const string Began = "Microsoft.EntityFrameworkCore.Database.Transaction.TransactionStarted";
    private const string Executed = "Microsoft.EntityFrameworkCore.Database.Command.CommandExecuted";
    private const string Committed = "Microsoft.EntityFrameworkCore.Database.Transaction.TransactionCommitted";

    [Fact]
    public async Task A_note_checks_access_and_changes_the_incident_in_one_transaction_on_one_connection()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var (incident, created) = await maya.CreateIncidentAsync(app.Demo.TenantId(DemoDirectory.Northwind), "One transaction per command", "Sev4");
        created.StatusCode.ShouldBe(HttpStatusCode.Created);

        var traceId = ActivityTraceId.CreateRandom();
        using var events = EfCoreEvents.Of(traceId);
        // EF Core remembers for a second, per pooled context, whether anyone listens to an event: wait until it asks again.
        await Task.Delay(TimeSpan.FromSeconds(1.2), Ct);

        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/incidents/{incident.Id}/notes")
        {
            Content = JsonContent.Create(new { text = "Checked and written in one transaction", visibility = "Customer" }),
        };
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
        using var response = await maya.SendAsync(request, Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.Created);

        var names = events.Names();
        var began = names.IndexOf(Began);
        began.ShouldBeGreaterThanOrEqualTo(0, string.Join(", ", names));
        if (ConnectionStaysOpenBetweenRequests)
        {
            // Opened once, or not at all when this pooled context's connection is still open from an earlier lease (SqliteStatementCache).
            names.Count(n => n == Opened).ShouldBeLessThanOrEqualTo(1, string.Join(", ", names));
            names.FindIndex(began, n => n == Closed).ShouldBe(-1, "the kept-open connection closed during the request: " + string.Join(", ", names));
        }
        else
        {
            // Opened exactly once, before the transaction, and closed exactly once, after the commit.
            names.Count(n => n == Opened).ShouldBe(1, string.Join(", ", names));
            names.IndexOf(Opened).ShouldBeLessThan(began, string.Join(", ", names));
            names.Count(n => n == Closed).ShouldBe(1, string.Join(", ", names));
            names.IndexOf(Closed).ShouldBeGreaterThan(names.IndexOf(Committed), "the connection closed before the commit: " + string.Join(", ", names));
        }
        // Every statement of the request, the access check's read first among them, runs after BEGIN and before COMMIT.
        names.FindIndex(n => n == Executed).ShouldBeGreaterThan(began, string.Join(", ", names));
        names.FindLastIndex(n => n == Executed).ShouldBeLessThan(names.IndexOf(Committed), string.Join(", ", names));
        names.Count(n => n == Executed).ShouldBeGreaterThanOrEqualTo(3, "the access check's read, the note's writes and the stream numbers");
    }

    /// <summary>True where a pooled context keeps its connection open from one lease to the next (SQLite's statement cache).</summary>
    protected virtual bool ConnectionStaysOpenBetweenRequests => false;
}

public sealed class CommandTransactionOnSqlite(SqliteApp app) : CommandTransactionTests(app), IClassFixture<SqliteApp>
{
    protected override bool ConnectionStaysOpenBetweenRequests => true;
}

public sealed class CommandTransactionOnPostgreSql(PostgresApp app) : CommandTransactionTests(app), IClassFixture<PostgresApp>;
