using System.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using Portal.Data;
using Portal.Domain;
using Portal.Features.Live;
using Portal.Infrastructure.Auth;
using Portal.Pipeline.Commit;

namespace Portal.IntegrationTests.Live;

/// <summary>
/// The periodic re-decision of the live connections, the safety net for access changes no revocation told this instance of (made
/// on another instance with no Redis to relay it, or straight in the database): the next pass takes the connections out of what
/// their users may no longer read, and reads the access of all its users in one batch.
/// </summary>
public sealed class RevalidationTests(RevalidationTests.App app) : IClassFixture<RevalidationTests.App>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Access_lost_where_no_revocation_saw_it_leaves_the_sockets_at_the_next_pass_which_reads_every_user_in_one_batch()
    {
        var northwind = app.Demo.TenantId(DemoDirectory.Northwind);
        var woodgrove = app.Demo.TenantId(DemoDirectory.Woodgrove);
        var harbor = app.Demo.Org("Harbor IT Partners").Id;
        string[] people = [DemoDirectory.Maya, DemoDirectory.Sam, DemoDirectory.Liam, DemoDirectory.Ines, DemoDirectory.Olivia, DemoDirectory.Noah, DemoDirectory.Hana];
        var clients = new Dictionary<string, LiveClient>();
        foreach (var email in people) clients[email] = await app.ConnectAsync(email);
        try
        {
            var connections = app.Services.GetRequiredService<LiveConnections>();
            IReadOnlyList<string> GroupsOf(string email) => connections.GroupsOf(clients[email].Connection.ConnectionId!);
            GroupsOf(DemoDirectory.Maya).ShouldContain(LiveGroups.TenantFull(northwind));
            GroupsOf(DemoDirectory.Ines).ShouldContain(LiveGroups.TenantFull(woodgrove));
            GroupsOf(DemoDirectory.Hana).ShouldContain(LiveGroups.TenantCustomer(woodgrove));
            var untouched = people.Where(p => p is DemoDirectory.Olivia or DemoDirectory.Noah).ToDictionary(p => p, GroupsOf);

            // Harbor's contract with Northwind ends and Woodgrove is deactivated, committed but never published here.
            await CommitUnpublishedAsync(async (db, ct) =>
            {
                var contract = await db.Contracts.SingleAsync(c => c.MspId == harbor && c.CustomerId == northwind && c.State == ContractState.Active, ct);
                contract.End(app.Clock.GetUtcNow());
                (await db.Organisations.SingleAsync(o => o.Id == woodgrove, ct)).Deactivate(app.Clock.GetUtcNow());
            });
            await connections.RevalidateAsync(Ct);
            GroupsOf(DemoDirectory.Maya).ShouldContain(LiveGroups.TenantFull(northwind), "the access read on connect is younger than RefreshAfter: kept until it ages");

            app.Clock.Advance(UserAccessCache.RefreshAfter);
            var traceId = ActivityTraceId.CreateRandom();
            using var events = EfCoreEvents.Of(traceId);
            await Task.Delay(TimeSpan.FromSeconds(1.2), Ct); // EF Core asks again whether anyone listens
            using (new Activity("revalidation pass").SetParentId(traceId, ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded).Start())
                await connections.RevalidateAsync(Ct);

            events.Names().Count(n => n == "Microsoft.EntityFrameworkCore.Database.Command.CommandExecuted")
                .ShouldBe(4, $"{people.Length} users' access read again in one batch (one at a time it was five queries each)");
            foreach (var email in new[] { DemoDirectory.Maya, DemoDirectory.Sam, DemoDirectory.Liam })
            {
                GroupsOf(email).ShouldNotContain(LiveGroups.TenantFull(northwind), email);
                GroupsOf(email).ShouldContain(LiveGroups.TenantFull(app.Demo.TenantId("Fabrikam Health")), email);
            }
            GroupsOf(DemoDirectory.Ines).ShouldNotContain(LiveGroups.TenantFull(woodgrove));
            foreach (var (email, groups) in untouched) GroupsOf(email).ShouldBe(groups, ignoreOrder: true, email);
            await RevocationApi.ShouldBeClosedAsync(clients[DemoDirectory.Hana]); // Woodgrove was all she had
        }
        finally
        {
            foreach (var client in clients.Values) await client.DisposeAsync();
        }
    }

    private async Task CommitUnpublishedAsync(Func<PortalDbContext, CancellationToken, Task> change)
    {
        await using var scope = app.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantScope>().UseSystemAccess();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        await UnitOfWork.CommitAsync(db, "a change on another instance", async ct =>
        {
            await change(db, ct);
            await db.SaveChangesAsync(ct);
            return 0;
        }, Ct);
    }

    /// <summary>Its own data (it ends a contract and deactivates a tenant), on a clock the test moves; no pass runs behind its back.</summary>
    public sealed class App() : LiveApp(DbProvider.Sqlite, null)
    {
        public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureTestServices(services =>
            {
                services.AddSingleton<TimeProvider>(Clock);
                services.Remove(services.Single(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(RevalidateLiveConnections)));
            });
        }
    }
}
