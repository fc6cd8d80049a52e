using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Portal.Domain;
using Portal.Features.Notifications;

namespace Portal.IntegrationTests.Notifications;

/// <summary>
/// The outbox and the delivery log do not grow for ever: settled messages past their retention (30 days delivered, 90 days failed,
/// from the last try) go with their attempts, in batches; pending messages stay however old, and so does everything younger.
/// </summary>
public abstract class OutboxRetentionTests(PortalApp app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Guid Northwind => app.Demo.TenantId(DemoDirectory.Northwind);
    private Guid Woodgrove => app.Demo.TenantId(DemoDirectory.Woodgrove);

    private async Task<int> RunRetentionAsync()
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<OutboxRetention>().RunAsync(Ct);
    }

    private async Task SweepAsync()
    {
        await using var scope = app.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<OutboxSweep>().RunAsync(Ct);
    }

    /// <summary>A message whose last try was <paramref name="daysAgo"/> days ago, settled as <paramref name="status"/>, with <paramref name="attempts"/> logged tries.</summary>
    private async Task<Guid> MessageAsync(Guid tenantId, OutboxStatus status, double daysAgo, int attempts = 1)
    {
        var lastTry = DateTimeOffset.UtcNow.AddDays(-daysAgo);
        return await app.QueryAsync(async db =>
        {
            // Inserted and settled in one transaction: a new row is pending and due, and the app's own sweep must never see it so.
            await using var transaction = await db.Database.BeginTransactionAsync(Ct);
            var message = new OutboxMessage(Guid.CreateVersion7(lastTry), tenantId, null, null, NotificationEvent.CustomerUpdate, NotificationAudience.Customer,
                NotificationChannel.Email, "someone@example.com", null, null, "{}", lastTry);
            db.OutboxMessages.Add(message);
            for (var n = 1; n <= attempts; n++)
            {
                var outcome = n < attempts || status == OutboxStatus.Pending ? DeliveryOutcome.Retrying : status == OutboxStatus.Delivered ? DeliveryOutcome.Delivered : DeliveryOutcome.Failed;
                db.DeliveryAttempts.Add(new DeliveryAttempt(Guid.CreateVersion7(lastTry), message, n, lastTry, outcome, null, null, 5));
            }
            await db.SaveChangesAsync(Ct);
            // Settled as the delivery job leaves it; only the status differs from a new row.
            await db.OutboxMessages.Where(m => m.Id == message.Id).ExecuteUpdateAsync(s => s.SetProperty(m => m.Status, status), Ct);
            // A pending one is being sent right now (claimed by a worker): still due from long ago, as the retention must see it,
            // but out of the app's own sweep, which would otherwise log another attempt of it while the test counts them.
            if (status == OutboxStatus.Pending)
                await db.OutboxMessages.Where(m => m.Id == message.Id).ExecuteUpdateAsync(s => s
                    .SetProperty(m => m.LeaseToken, Guid.NewGuid()).SetProperty(m => m.LeaseUntil, DateTimeOffset.UtcNow.AddHours(1)), Ct);
            await transaction.CommitAsync(Ct);
            return message.Id;
        });
    }

    private Task<(int Messages, int Attempts)> LeftOfAsync(IReadOnlyCollection<Guid> ids) => app.QueryAsync(async db =>
        (await db.OutboxMessages.CountAsync(m => ids.Contains(m.Id), Ct), await db.DeliveryAttempts.CountAsync(a => ids.Contains(a.MessageId), Ct)));

    [Fact]
    public async Task Settled_messages_past_their_retention_go_with_their_attempts_and_pending_or_younger_ones_stay()
    {
        Guid[] gone =
        [
            await MessageAsync(Northwind, OutboxStatus.Delivered, daysAgo: 31, attempts: 2),
            await MessageAsync(Woodgrove, OutboxStatus.Delivered, daysAgo: 400),
            await MessageAsync(Northwind, OutboxStatus.Failed, daysAgo: 91, attempts: 3),
        ];
        Guid[] kept =
        [
            await MessageAsync(Northwind, OutboxStatus.Delivered, daysAgo: 29),
            await MessageAsync(Woodgrove, OutboxStatus.Failed, daysAgo: 31, attempts: 4), // a failure is kept three times as long
            await MessageAsync(Northwind, OutboxStatus.Failed, daysAgo: 89, attempts: 6),
            await MessageAsync(Woodgrove, OutboxStatus.Pending, daysAgo: 500, attempts: 2), // still has to go out
            await MessageAsync(Northwind, OutboxStatus.Pending, daysAgo: 0),
        ];

        await SweepAsync(); // as the app's own sweep may at any moment: it must not touch what the test counts

        (await RunRetentionAsync()).ShouldBe(3);

        (await LeftOfAsync(gone)).ShouldBe((0, 0), "each old settled message went with every attempt it logged");
        (await LeftOfAsync(kept)).ShouldBe((5, 1 + 4 + 6 + 2 + 1), "nothing younger, nothing pending, and none of their attempts");
        (await RunRetentionAsync()).ShouldBe(0, "a second run finds nothing more");
    }

    [Fact]
    public async Task A_backlog_of_more_than_one_batch_is_removed_whole()
    {
        var count = OutboxRetention.Batch * 2 + 37;
        var lastTry = DateTimeOffset.UtcNow.AddDays(-45);
        var ids = await app.QueryAsync(async db =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(Ct); // as above: never pending and due outside it
            var rows = Enumerable.Range(0, count).Select(n => new OutboxMessage(Guid.CreateVersion7(lastTry.AddSeconds(n)), Northwind, null, null,
                NotificationEvent.CustomerUpdate, NotificationAudience.Customer, NotificationChannel.Email, $"backlog{n}@example.com", null, null, "{}", lastTry.AddSeconds(n))).ToList();
            db.OutboxMessages.AddRange(rows);
            db.DeliveryAttempts.AddRange(rows.Select(m => new DeliveryAttempt(Guid.CreateVersion7(lastTry), m, 1, lastTry, DeliveryOutcome.Delivered, 250, null, 3)));
            await db.SaveChangesAsync(Ct);
            var ids = rows.Select(r => r.Id).ToList();
            await db.OutboxMessages.Where(m => ids.Contains(m.Id)).ExecuteUpdateAsync(s => s.SetProperty(m => m.Status, OutboxStatus.Delivered), Ct);
            await transaction.CommitAsync(Ct);
            return ids;
        });
        var young = await MessageAsync(Northwind, OutboxStatus.Delivered, daysAgo: 1);

        (await RunRetentionAsync()).ShouldBe(count);

        (await LeftOfAsync(ids)).ShouldBe((0, 0));
        (await LeftOfAsync([young])).ShouldBe((1, 1));
    }
}

public sealed class OutboxRetentionTestsOnSqlite(SqliteApp app) : OutboxRetentionTests(app), IClassFixture<SqliteApp>;

public sealed class OutboxRetentionTestsOnPostgreSql(PostgresApp app) : OutboxRetentionTests(app), IClassFixture<PostgresApp>;

/// <summary>A retention under a day would empty the delivery log before anyone could read it: Portal refuses to start with one.</summary>
public sealed class OutboxRetentionSettingsTests
{
    [Theory]
    [InlineData("Notifications:RetainDeliveredFor", "00:10:00")]
    [InlineData("Notifications:RetainFailedFor", "0.23:59:00")]
    public async Task A_retention_under_a_day_stops_the_start_with_a_message_that_names_it(string setting, string value)
    {
        await using var app = new SettingApp(setting, value);
        var refused = await Should.ThrowAsync<OptionsValidationException>(async () => await app.InitializeAsync());
        refused.Message.ShouldContain("RetainDeliveredFor and RetainFailedFor must be at least one day");
    }
}
