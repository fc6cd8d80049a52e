using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Data;

namespace Portal.IntegrationTests.Notifications;

/// <summary>
/// Nothing promised is lost: Portal runs as a real process whose fast path is off (so the commit is the last thing that happens
/// to the notification), it is killed with SIGKILL right after the change committed, and a new process on the same database
/// (and Hangfire file) delivers the message from its start-up sweep — once.
/// </summary>
[Collection(PortalProcessCollection.Name)]
public sealed class OutboxCrashTests(PostgresServer postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Killed_between_commit_and_send_on_SQLite_the_message_is_delivered_once_after_a_restart()
    {
        var folder = Directory.CreateTempSubdirectory("portal-outbox-crash-").FullName;
        try
        {
            await KillAndDeliverAsync(DatabaseProvider.Sqlite, $"Data Source={Path.Combine(folder, "portal.db")}", folder);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }
    }

    [Fact]
    public async Task Killed_between_commit_and_send_on_PostgreSQL_the_message_is_delivered_once_after_a_restart()
    {
        var folder = Directory.CreateTempSubdirectory("portal-outbox-crash-").FullName;
        try
        {
            await KillAndDeliverAsync(DatabaseProvider.PostgreSql, await postgres.CreateDatabaseAsync("portal_outbox_crash"), folder);
        }
        finally
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }
    }

    private static async Task KillAndDeliverAsync(DatabaseProvider provider, string connectionString, string folder)
    {
        await using var receiver = new WebhookReceiver();
        Guid incidentId;
        string reference;
        var first = new Dictionary<string, string>
        {
            ["Notifications__FastPath"] = "false",
            ["Notifications__SweepCron"] = "0 0 1 1 *", // no sweep in this process's life: only the next process can deliver
        };
        await using (var portal = await PortalProcess.StartAsync(provider, connectionString, folder, first))
        {
            using var liam = await portal.ClientForAsync(DemoDirectory.Liam);
            using var me = System.Text.Json.JsonDocument.Parse(await liam.GetStringAsync("/api/v1/me", Ct));
            var harbor = me.RootElement.GetProperty("memberships").EnumerateArray().First(m => m.GetProperty("organisationName").GetString() == NotificationWire.Harbor)
                .GetProperty("organisationId").GetGuid();
            await liam.CreateEndpointAsync(harbor, "Webhook", "crash", receiver.Url("/crash"));
            using var maya = await portal.ClientForAsync(DemoDirectory.Maya);
            using var mine = System.Text.Json.JsonDocument.Parse(await maya.GetStringAsync("/api/v1/me", Ct));
            var northwind = mine.RootElement.GetProperty("tenants").EnumerateArray().Single(t => t.GetProperty("name").GetString() == DemoDirectory.Northwind)
                .GetProperty("tenantId").GetGuid();
            var (incident, response) = await maya.CreateIncidentAsync(northwind, "Crash between commit and send", "Sev1");
            response.Dispose();
            incidentId = incident.Id;
            reference = incident.Reference;
            portal.Kill(); // SIGKILL, right after the commit answered
        }

        var pending = await ReadAsync(provider, connectionString, db => db.OutboxMessages.AsNoTracking().Where(m => m.IncidentId == incidentId).ToListAsync(Ct));
        var message = pending.ShouldHaveSingleItem();
        (message.Status, message.Attempts).ShouldBe((OutboxStatus.Pending, 0), "committed with the change, never sent");
        receiver.Requests.ShouldBeEmpty();

        await using (var portal = await PortalProcess.StartAsync(provider, connectionString, folder))
        {
            var request = await receiver.WaitForAsync("/crash", r => r.Body.Contains(reference, StringComparison.Ordinal), TimeSpan.FromSeconds(60), $"after the restart\n{portal.Output}");
            request.Header("Portal-Delivery-Id").ShouldBe(message.Id.ToString());
            // The send is settled (Delivered, its attempt logged) in a transaction right after the receiver answered; on a loaded
            // machine that can take a moment, and the process must not be stopped before it (that is the documented window).
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while ((await ReadAsync(provider, connectionString, db => db.OutboxMessages.AsNoTracking().SingleAsync(m => m.Id == message.Id, Ct))).Status != OutboxStatus.Delivered
                   && DateTime.UtcNow < deadline)
                await Task.Delay(200, Ct);
            await Task.Delay(TimeSpan.FromSeconds(3), Ct); // a second sender would have sent by now
            receiver.At("/crash").Count.ShouldBe(1, "delivered once");
        }
        var after = await ReadAsync(provider, connectionString, db => db.OutboxMessages.AsNoTracking().SingleAsync(m => m.Id == message.Id, Ct));
        (after.Status, after.Attempts).ShouldBe((OutboxStatus.Delivered, 1));
        var attempts = await ReadAsync(provider, connectionString, db => db.DeliveryAttempts.AsNoTracking().Where(a => a.MessageId == message.Id).ToListAsync(Ct));
        attempts.ShouldHaveSingleItem().Outcome.ShouldBe(DeliveryOutcome.Delivered);
    }

    private static async Task<T> ReadAsync<T>(DatabaseProvider provider, string connectionString, Func<PortalDbContext, Task<T>> read)
    {
        var options = DatabaseSetup.Configure(new DbContextOptionsBuilder<PortalDbContext>(), provider, connectionString).Options;
        var scope = new TenantScope();
        scope.UseSystemAccess();
        await using var db = new PortalDbContext((DbContextOptions<PortalDbContext>)options).Use(scope);
        return await read(db);
    }
}
